import { CloudbaseError, UpstreamUnavailableError } from '../../src/cloudbase/errors.js';
import { AppError, errorText, storeUnavailable } from '../../src/errors/app-error.js';
import { CATALOGUE, ERROR_CODES } from '../../src/errors/catalogue.js';
import { fromUpstream, KNOWN_UPSTREAM_ERRORS, upstream } from '../../src/errors/upstream.js';
import { translator } from '../../src/i18n/index.js';
import { httpStatus } from '../../src/http/errors.js';

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

  it('gives every retryable code a default wait, and only those', () => {
    for (const code of ERROR_CODES) {
      const { retryable, retryAfterS } = CATALOGUE[code];
      expect([code, retryable ? (retryAfterS ?? 0) > 0 : retryAfterS === undefined]).toEqual([code, true]);
    }
  });

  it('marks exactly the 429 codes as limits', () => {
    for (const code of ERROR_CODES) expect([code, CATALOGUE[code].limit === true]).toEqual([code, CATALOGUE[code].status === 429]);
  });

  it('builds an AppError that carries a code and no HTTP status, keeping a more precise message when one is named', () => {
    const err = new AppError('rate_limited', { messageKey: 'err.too_many_guesses', retryAfterS: 7 });
    expect(Object.keys(err)).not.toContain('status');
    expect([err.code, err.messageKey, err.extra.retryAfterS, err.retryAfterS, err.retryable]).toEqual(['rate_limited', 'err.too_many_guesses', 7, 7, true]);
    const later = err.with({ retryAfterS: 30 });
    expect([later.code, later.messageKey, later.retryAfterS]).toEqual(['rate_limited', 'err.too_many_guesses', 30]);
  });
});

describe('at the edge, an error becomes an answer', () => {
  it('answers each code with its catalogued status', () => {
    for (const code of ERROR_CODES) expect([code, httpStatus(new AppError(code))]).toEqual([code, CATALOGUE[code].status]);
  });

  it('advises the error\'s own wait when it has one, else its code\'s default, and no wait for what retrying cannot fix', () => {
    expect(new AppError('rate_limited', { retryAfterS: 7 }).retryAfterS).toBe(7);
    expect(new AppError('rate_limited').retryAfterS).toBe(60);
    expect(storeUnavailable().retryAfterS).toBe(2);
    expect(new AppError('upstream_unavailable').retryAfterS).toBe(5);
    // the proxy's own timeout and unreachable backend, thrown without a wait
    expect(new AppError('upstream_timeout', { messageKey: 'api.proxy_timeout' }).retryAfterS).toBe(5);
    expect(new AppError('upstream_unreachable').retryAfterS).toBe(5);
    expect(new AppError('login_failed').retryAfterS).toBeUndefined();
  });

  it('tells a person how long a limit lasts, and says nothing of waiting on any other error', () => {
    const en = translator('en');
    expect(errorText(new AppError('rate_limited', { retryAfterS: 30 }), en)).toBe(`${en('err.rate_limited')} ${en('err.retry_in_seconds', { seconds: 30 })}`);
    expect(errorText(new AppError('too_many_attempts', { retryAfterS: 600 }), en)).toBe(`${en('err.too_many_attempts')} ${en('err.retry_in_minutes', { minutes: 10 })}`);
    // the same message key on a code that is no limit: no wait to tell
    expect(errorText(new AppError('upstream_unavailable', { messageKey: 'err.rate_limited' }), en)).toBe(en('err.rate_limited'));
  });
});

describe('when an upstream call fails', () => {
  it('maps every CloudBase error string it knows to a catalogued code', () => {
    for (const error of KNOWN_UPSTREAM_ERRORS) {
      const err = fromUpstream(new CloudbaseError({ error, status: 400, requestId: 'r' }));
      expect([error, Object.hasOwn(CATALOGUE, err.code), Object.keys(err).includes('status')]).toEqual([error, true, false]);
    }
  });

  it('reads the same upstream string per step: a wrong password is login_failed at sign-in, wrong_password at re-auth', async () => {
    const failing = () => Promise.reject(new CloudbaseError({ error: 'invalid_password', status: 400, requestId: 'r' }));
    const atSignIn = await upstream('login', failing()).catch((e: AppError) => e);
    const atReauth = await upstream('reauth', failing()).catch((e: AppError) => e);
    expect([atSignIn.code, httpStatus(atSignIn)]).toEqual(['login_failed', 401]);
    expect([atReauth.code, httpStatus(atReauth)]).toEqual(['wrong_password', 403]);
  });

  it('answers an outage 503 and a timeout 504, both with Retry-After', () => {
    const outage = fromUpstream(new UpstreamUnavailableError({ reason: 'network', requestId: 'r' }));
    const timeout = fromUpstream(new UpstreamUnavailableError({ reason: 'timeout', requestId: 'r' }));
    expect([outage.code, httpStatus(outage), outage.retryAfterS]).toEqual(['upstream_unavailable', 503, 5]);
    expect([timeout.code, httpStatus(timeout), timeout.retryAfterS]).toEqual(['upstream_timeout', 504, 5]);
  });

  it('keeps CloudBase\'s own wait on a limit, and waits a minute when CloudBase does not say', () => {
    const limited = (retryAfterS?: number) => fromUpstream(new CloudbaseError({ error: 'resource_exhausted', status: 429, requestId: 'r', retryAfterS }));
    expect([limited(17).code, limited(17).retryAfterS]).toEqual(['rate_limited', 17]);
    expect(limited(undefined).retryAfterS).toBe(60);
    // on an outage CloudBase's figure is not the wait the answer means: the code's own applies
    expect(fromUpstream(new CloudbaseError({ error: 'unavailable', status: 503, requestId: 'r', retryAfterS: 99 })).retryAfterS).toBe(5);
  });

  it('passes an error that is not an upstream one on unchanged', async () => {
    const bug = new TypeError('a bug');
    await expect(upstream('login', Promise.reject(bug))).rejects.toBe(bug);
  });
});
