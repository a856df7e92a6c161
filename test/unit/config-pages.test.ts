import { loadConfig } from '../../src/config/index.js';
import { configProblems } from '../support/config.js';

const base = { NODE_ENV: 'test', SESSION_SECRET: 'unit-session-secret-0123456789abcdef' };

const problems = (env: Record<string, string>): string[] => configProblems({ ...base, ...env });

describe('the pages configuration', () => {
  it('when nothing is set: no app name (the pages say "Account" in their language) and no consent links', () => {
    expect(loadConfig(base).pages).toEqual({ appName: undefined, termsUrl: undefined, privacyUrl: undefined });
  });

  it('when set: the name trimmed, and http(s) URLs or site paths for the consent links', () => {
    const config = loadConfig({ ...base, APP_NAME: '  Lantern 灯笼 ', TERMS_URL: 'https://example.com/terms', PRIVACY_URL: '/privacy' });
    expect(config.pages).toEqual({ appName: 'Lantern 灯笼', termsUrl: 'https://example.com/terms', privacyUrl: '/privacy' });
  });

  it.each([
    ['TERMS_URL', 'javascript:alert(1)'],
    ['TERMS_URL', '//evil.example/terms'],
    ['PRIVACY_URL', 'privacy.html'],
    ['PRIVACY_URL', 'ftp://example.com/p'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(problems({ [name]: value })).toEqual([`${name} must be an http(s) URL or a path on this site starting with /`]);
  });

  it('refuses an APP_NAME longer than 60 characters, naming the variable', () => {
    expect(problems({ APP_NAME: 'x'.repeat(61) })).toEqual(['APP_NAME must be at most 60 characters']);
  });
});
