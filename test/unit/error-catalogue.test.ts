import { CloudbaseError, UpstreamUnavailableError } from '../../src/cloudbase/errors.js';
import { AppError } from '../../src/errors/app-error.js';
import { CATALOGUE, ERROR_CODES } from '../../src/errors/catalogue.js';
import { fromUpstream, KNOWN_UPSTREAM_ERRORS, upstream } from '../../src/errors/upstream.js';
import { translator } from '../../src/i18n/index.js';

describe('the error catalogue', () => {
  it('gives every code a status that is an HTTP error and a message in each language', () => {
    const en = translator('en');
    const zh = translator('zh-CN');
    for (const code of ERROR_CODES) {
      const { status, key } = CATALOGUE[code];
      expect([code, status >= 400 && status < 600]).toEqual([code, true]);
      expect([code, en(key) !== key, zh(key) !== key]).toEqual([code, true, true]);
    }
  });

  it('marks limits and outages retryable, and nothing the caller must change', () => {
    const retryable = ERROR_CODES.filter((c) => CATALOGUE[c].retryable);
    for (const code of retryable) expect([code, [429, 502, 503, 504]]).toEqual([code, expect.arrayContaining([CATALOGUE[code].status])]);
    expect(retryable).not.toContain('invalid_input');
    expect(retryable).not.toContain('login_failed');
  });

  it('builds an AppError whose status comes from its code, keeping a more precise message when one is named', () => {
    const err = new AppError('rate_limited', { messageKey: 'err.too_many_guesses', retryAfterS: 7 });
    expect([err.status, err.code, err.messageKey, err.extra.retryAfterS, err.retryable]).toEqual([429, 'rate_limited', 'err.too_many_guesses', 7, true]);
    const later = err.with({ retryAfterS: 30 });
    expect([later.status, later.messageKey, later.extra.retryAfterS]).toEqual([429, 'err.too_many_guesses', 30]);
  });
});

describe('when an upstream call fails', () => {
  it('maps every CloudBase error string it knows to a catalogued code', () => {
    for (const error of KNOWN_UPSTREAM_ERRORS) {
      const err = fromUpstream(new CloudbaseError({ error, status: 400, requestId: 'r' }));
      expect([error, Object.hasOwn(CATALOGUE, err.code), err.status]).toEqual([error, true, CATALOGUE[err.code].status]);
    }
  });

  it('reads the same upstream string per step: a wrong password is login_failed at sign-in, wrong_password at re-auth', async () => {
    const failing = () => Promise.reject(new CloudbaseError({ error: 'invalid_password', status: 400, requestId: 'r' }));
    await expect(upstream('login', failing())).rejects.toMatchObject({ code: 'login_failed', status: 401 });
    await expect(upstream('reauth', failing())).rejects.toMatchObject({ code: 'wrong_password', status: 403 });
  });

  it('answers an outage 503 and a timeout 504, both with Retry-After', () => {
    expect(fromUpstream(new UpstreamUnavailableError({ reason: 'network', requestId: 'r' }))).toMatchObject({ code: 'upstream_unavailable', status: 503, extra: { retryAfterS: 5 } });
    expect(fromUpstream(new UpstreamUnavailableError({ reason: 'timeout', requestId: 'r' }))).toMatchObject({ code: 'upstream_timeout', status: 504, extra: { retryAfterS: 5 } });
  });

  it('passes an error that is not an upstream one on unchanged', async () => {
    const bug = new TypeError('a bug');
    await expect(upstream('login', Promise.reject(bug))).rejects.toBe(bug);
  });
});
