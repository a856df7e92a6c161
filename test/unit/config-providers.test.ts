import { loadConfig } from '../../src/config/index.js';
import { configProblems } from '../support/config.js';

const base = { NODE_ENV: 'test', SESSION_SECRET: 'unit-session-secret-0123456789abcdef' };

const problems = (env: Record<string, string>): string[] => configProblems({ ...base, ...env });

describe('AUTH_PROVIDERS', () => {
  it('unset or empty: no provider buttons', () => {
    expect(loadConfig(base).providers).toEqual([]);
    expect(loadConfig({ ...base, AUTH_PROVIDERS: ' ' }).providers).toEqual([]);
  });

  it('ids in order, each with an optional display name after "="', () => {
    const config = loadConfig({ ...base, AUTH_PROVIDERS: ' wx_open , github,corp-sso=Example SSO 单点 ,' });
    expect(config.providers).toEqual([{ id: 'wx_open' }, { id: 'github' }, { id: 'corp-sso', name: 'Example SSO 单点' }]);
  });

  it.each([
    ['an id with a space', 'wx open'],
    ['an id with a slash', 'github/../x'],
    ['the ticket sign-in', 'custom'],
    ['a repeated id', 'github,github=GitHub'],
    ['an empty display name', 'github='],
    ['a display name over 40 characters', `github=${'x'.repeat(41)}`],
  ])('refuses %s, naming the variable', (_what, value) => {
    const found = problems({ AUTH_PROVIDERS: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('AUTH_PROVIDERS');
  });
});
