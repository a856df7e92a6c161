import { describe, expect, it } from '@jest/globals';
import { parseEmulatorProviders } from '../../src/emulator/providers.js';

describe('EMULATOR_PROVIDERS', () => {
  it('defaults to wx_open, github and google, each signing people up', () => {
    expect(parseEmulatorProviders(undefined)).toEqual([
      { id: 'wx_open', name: 'WeChat', autoSignUp: true },
      { id: 'github', name: 'GitHub', autoSignUp: true },
      { id: 'google', name: 'Google', autoSignUp: true },
    ]);
  });

  it('reads id[:Display name][:manual|auto], and empty means none', () => {
    expect(parseEmulatorProviders(' wx_open , gitlab:GitLab:manual, okta::auto ')).toEqual([
      { id: 'wx_open', name: 'WeChat', autoSignUp: true },
      { id: 'gitlab', name: 'GitLab', autoSignUp: false },
      { id: 'okta', name: 'okta', autoSignUp: true },
    ]);
    expect(parseEmulatorProviders('')).toEqual([]);
  });

  it.each([['GitHub'], ['github:GitHub:sometimes'], ['a:b:manual:x'], ['github,github'], ['x']])('refuses %p, naming the variable', (value) => {
    expect(() => parseEmulatorProviders(value)).toThrow(/^EMULATOR_PROVIDERS: /);
  });
});
