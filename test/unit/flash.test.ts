import { flashKeys, openFlash, sealFlash } from '../../src/routes/flash-cookie.js';
import { formPageOf, pageHref } from '../../src/routes/browser/web.js';

describe('the flash cookie seal', () => {
  const [current, old] = [flashKeys(['secret-now-0123456789']), flashKeys(['secret-old-0123456789'])];

  it('opens what it sealed, and hides the text', () => {
    const sealed = sealFlash('{"values":{"username":"visible-name"}}', current, 'cbg.flash');
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('visible-name');
    expect(openFlash(sealed, current, 'cbg.flash')).toBe('{"values":{"username":"visible-name"}}');
  });

  it('opens a cookie sealed under an older SESSION_SECRET while both are configured (rotation)', () => {
    const sealed = sealFlash('x', old, 'cbg.flash');
    expect(openFlash(sealed, flashKeys(['secret-now-0123456789', 'secret-old-0123456789']), 'cbg.flash')).toBe('x');
    expect(openFlash(sealed, current, 'cbg.flash')).toBeUndefined();
  });

  it('refuses a flipped bit, another cookie name, a truncated or empty value', () => {
    const sealed = sealFlash('payload', current, 'cbg.flash');
    const bytes = Buffer.from(sealed, 'base64url');
    for (let i = 0; i < bytes.length; i += 7) {
      const flipped = Buffer.from(bytes);
      flipped[i] = flipped[i]! ^ 0x01;
      expect(openFlash(flipped.toString('base64url'), current, 'cbg.flash')).toBeUndefined();
    }
    expect(openFlash(sealed, current, '__Host-cbg.flash')).toBeUndefined();
    expect(openFlash(sealed.slice(0, 20), current, 'cbg.flash')).toBeUndefined();
    expect(openFlash('', current, 'cbg.flash')).toBeUndefined();
  });
});

describe('where a form post belongs', () => {
  it.each([
    ['/login', '/login'],
    ['/login/anonymous', '/login'],
    ['/login/ticket', '/login'],
    ['/login/sms/code', '/login/sms'],
    ['/login/smsx', '/login'],
    ['/signup/verify', '/signup'],
    ['/password/reset/code', '/password/reset'],
    ['/account/sessions/abc/revoke', '/account/sessions'],
    ['/account/provider/github/bind', '/account'],
    ['/account/contact/restart', '/account/contact'],
    ['/logout', '/'],
    ['/accounting', '/'],
  ])('%s goes back to %s', (path, page) => {
    expect(formPageOf(path)).toBe(page);
  });

  it('keeps a same-origin returnTo on the page address and drops anything else', () => {
    expect(pageHref('/login', '/account?tab=1')).toBe('/login?returnTo=%2Faccount%3Ftab%3D1');
    expect(pageHref('/login', '//evil.example')).toBe('/login');
    expect(pageHref('/login', '/')).toBe('/login');
    expect(pageHref('/login')).toBe('/login');
  });
});
