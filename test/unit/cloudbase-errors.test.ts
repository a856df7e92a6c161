import { HTTPError, Options, ReadError, RequestError, TimeoutError } from 'got';
import {
  CloudbaseError,
  UpstreamUnavailableError,
  failureFromResponse,
  fromGotError,
  parseBody,
} from '../../src/cloudbase/errors.js';

const RID = 'req-123';
const SECRET_URL = 'http://127.0.0.1:1/auth/v1/user/me?sudo_token=SUDO-SECRET&captcha_token=CAPTCHA-SECRET';

/** A stand-in for got's Request, just enough for got's error constructors. */
function fakeRequest(status?: number, body?: string) {
  const request: Record<string, unknown> = { _onResponse: () => undefined, options: new Options(SECRET_URL, { method: 'DELETE' }) };
  if (status !== undefined) {
    request.response = {
      statusCode: status,
      statusMessage: 'x',
      body,
      rawBody: Buffer.from(body ?? ''),
      request,
    };
  }
  return request;
}

function httpError(status: number, body: string): HTTPError {
  return new HTTPError(fakeRequest(status, body).response as never);
}

function expectCloudbaseError(e: unknown, error: string, status: number, description?: string) {
  expect(e).toBeInstanceOf(CloudbaseError);
  const ce = e as CloudbaseError;
  expect(ce).toMatchObject({ error, status, requestId: RID, description });
}

function expectUnavailable(e: unknown, reason: UpstreamUnavailableError['reason'], status?: number) {
  expect(e).toBeInstanceOf(UpstreamUnavailableError);
  expect(e).toMatchObject({ reason, requestId: RID, status });
}

describe('when CloudBase answers with a failure', () => {
  it('maps a CloudBase error body on a 4xx', () => {
    const body = { error: 'invalid_password', error_code: 4001, error_description: 'wrong password' };
    expectCloudbaseError(failureFromResponse(400, body, RID), 'invalid_password', 400, 'wrong password');
  });

  it('keeps resource_exhausted\'s retry_after (whole seconds, rounded up) and ignores a nonsensical one', () => {
    const retry = (retry_after: unknown) =>
      (failureFromResponse(429, { error: 'resource_exhausted', error_code: 8, retry_after }, RID) as CloudbaseError).retryAfterS;
    expect(retry(42)).toBe(42);
    expect(retry(1.2)).toBe(2);
    for (const bad of [0, -5, '30', null, Number.NaN]) expect(retry(bad)).toBeUndefined();
  });

  it('maps a CloudBase error body on a 5xx to CloudbaseError, not unavailability', () => {
    expectCloudbaseError(failureFromResponse(500, { error: 'internal' }, RID), 'internal', 500);
  });

  it('treats a 200 whose body has `error` as a failure, as the SDK does', () => {
    expectCloudbaseError(failureFromResponse(200, { error: 'captcha_required', error_description: 'd' }, RID), 'captcha_required', 200, 'd');
  });

  it('maps a gateway-style {code, message} body', () => {
    expectCloudbaseError(failureFromResponse(401, { code: 'INVALID_ACCESS_TOKEN', message: 'expired' }, RID), 'INVALID_ACCESS_TOKEN', 401, 'expired');
    expectCloudbaseError(failureFromResponse(200, { code: 7, message: 'no' }, RID), '7', 200, 'no');
  });

  it('does not treat an empty error or a falsy code as a failure', () => {
    expect(failureFromResponse(200, { error: '', code: 0, sub: 'u' }, RID)).toBeUndefined();
    expect(failureFromResponse(200, { code: '' }, RID)).toBeUndefined();
  });

  it('accepts any JSON on a 2xx', () => {
    expect(failureFromResponse(200, { access_token: 'a' }, RID)).toBeUndefined();
    expect(failureFromResponse(204, {}, RID)).toBeUndefined();
  });

  it('treats a non-JSON 2xx as a bad response', () => {
    expectUnavailable(failureFromResponse(200, undefined, RID), 'bad_response', 200);
  });

  it('maps a 5xx without a CloudBase body to unavailable', () => {
    expectUnavailable(failureFromResponse(502, undefined, RID), 'bad_response', 502);
    expectUnavailable(failureFromResponse(503, {}, RID), 'bad_response', 503);
  });

  it('names bodiless 401, 403 and 429 after their gRPC-style errors', () => {
    expectCloudbaseError(failureFromResponse(401, undefined, RID), 'unauthenticated', 401);
    expectCloudbaseError(failureFromResponse(403, {}, RID), 'permission_denied', 403);
    expectCloudbaseError(failureFromResponse(429, undefined, RID), 'resource_exhausted', 429);
  });

  it('treats other bodiless 4xx and 3xx as bad responses', () => {
    expectUnavailable(failureFromResponse(404, undefined, RID), 'bad_response', 404);
    expectUnavailable(failureFromResponse(302, {}, RID), 'bad_response', 302);
  });

  it('ignores a non-string error field', () => {
    expectUnavailable(failureFromResponse(400, { error: { nested: true } }, RID), 'bad_response', 400);
  });
});

describe('when a CloudBase body is read', () => {
  it('reads JSON, an empty body as {}, and anything else as undefined', () => {
    expect(parseBody('{"a":1}')).toEqual({ a: 1 });
    expect(parseBody('')).toEqual({});
    expect(parseBody('  \n')).toEqual({});
    expect(parseBody('<html>bad gateway</html>')).toBeUndefined();
  });
});

describe('when the HTTP call itself fails', () => {
  it('passes our own errors through', () => {
    const ce = new CloudbaseError({ error: 'x', status: 400, requestId: RID });
    const ue = new UpstreamUnavailableError({ reason: 'network', requestId: RID });
    expect(fromGotError(ce, 'other')).toBe(ce);
    expect(fromGotError(ue, 'other')).toBe(ue);
  });

  it('maps an HTTPError with a CloudBase body', () => {
    const e = fromGotError(httpError(403, '{"error":"permission_denied","error_code":7,"error_description":"bad sudo token"}'), RID);
    expectCloudbaseError(e, 'permission_denied', 403, 'bad sudo token');
  });

  it('maps an HTTPError with an HTML body on a 5xx to bad_response', () => {
    expectUnavailable(fromGotError(httpError(502, '<html>Bad Gateway</html>'), RID), 'bad_response', 502);
  });

  it('maps a timeout', () => {
    const timedOut = Object.assign(new Error("Timeout awaiting 'request' for 100ms"), { code: 'ETIMEDOUT', event: 'request' });
    const err = new TimeoutError(timedOut as never, {} as never, fakeRequest() as never);
    const e = fromGotError(err, RID);
    expectUnavailable(e, 'timeout');
    expect((e as UpstreamUnavailableError).code).toBe('ETIMEDOUT');
  });

  it('maps connection refused and other request errors to network', () => {
    const refused = new RequestError('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }, new Options(SECRET_URL));
    const e = fromGotError(refused, RID);
    expectUnavailable(e, 'network');
    expect((e as UpstreamUnavailableError).code).toBe('ECONNREFUSED');
  });

  it('maps a body that broke off mid-way to network, even though a response exists', () => {
    const err = new ReadError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), fakeRequest(200, '{"acc') as never);
    expectUnavailable(fromGotError(err, RID), 'network');
  });

  it('maps unknown throwables to network', () => {
    expectUnavailable(fromGotError(new Error('boom'), RID), 'network');
    expectUnavailable(fromGotError('weird', RID), 'network');
  });

  it('never puts URLs, tokens or bodies in messages, and keeps no cause', () => {
    const errors = [
      fromGotError(httpError(400, '{"error":"invalid_password","error_description":"password hunter2 is wrong"}'), RID),
      fromGotError(httpError(502, 'sudo_token=SUDO-SECRET'), RID),
      fromGotError(new RequestError('connect ECONNREFUSED', { code: 'ECONNREFUSED' }, new Options(SECRET_URL)), RID),
    ];
    for (const e of errors) {
      expect(e.message).not.toMatch(/SECRET|hunter2|http:|sudo_token|captcha_token/);
      expect(e.cause).toBeUndefined();
      expect(JSON.stringify(e)).not.toMatch(/SECRET|http:/);
    }
  });

  it('describes errors by their error string and status', () => {
    expect(new CloudbaseError({ error: 'invalid_grant', status: 400, requestId: RID }).message).toBe('CloudBase answered "invalid_grant" (HTTP 400)');
    expect(new UpstreamUnavailableError({ reason: 'network', code: 'ECONNREFUSED', requestId: RID }).message).toBe(
      'CloudBase unavailable: network (ECONNREFUSED)',
    );
  });
});
