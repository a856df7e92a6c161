import supertest from 'supertest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectApiError, mobile, RELAXED_LIMITS, sessionCookieOf, spa, finishApiSuite } from '../support/api.js';

let gw: TestGateway;
const PASSWORD = 'Passw0rd!api-alice';

beforeAll(async () => {
  gw = await startTestGateway({ env: RELAXED_LIMITS });
  await gw.emu.createUser({ username: 'api-alice', phone_number: '+86 13900000001', email: 'api-alice@example.com', password: PASSWORD, name: 'Alice' });
  gw.secrets.add(PASSWORD);
});

afterEach(async () => {
  await gw.emu.setConfig({ fail: {} });
});

afterAll(() => finishApiSuite(gw));

const login = { username: 'api-alice', password: PASSWORD };

describe('when a caller asks whether it is signed in', () => {
  it('is 401 {authenticated: false} when signed out, never cached', async () => {
    const res = await spa(gw).get('/api/session');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ authenticated: false });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('shows the user and when the session ends once signed in', async () => {
    const app = spa(gw);
    await app.post('/api/session/login', login);
    const res = await app.get('/api/session');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      authenticated: true,
      user: { sub: expect.any(String), name: 'Alice', username: 'api-alice', email: 'api-alice@example.com', phone_number: '+86 13900000001', picture: null, anonymous: false },
      expires_at: expect.any(String),
    });
    const endsIn = Date.parse(res.body.expires_at) - Date.now();
    expect(endsIn).toBeGreaterThan(gw.config.session.idleTimeoutS * 1000 - 5000);
    expect(endsIn).toBeLessThanOrEqual(gw.config.session.idleTimeoutS * 1000);
  });
});

describe('when a caller signs in with a password over the API', () => {
  it.each([
    ['a username', 'api-alice'],
    ['an email', 'api-alice@example.com'],
    ['a phone number as people type it', '139 0000 0001'],
  ])('signs in with %s and sets a new HttpOnly session cookie', async (_what, username) => {
    const app = spa(gw);
    const before = sessionCookieOf(await app.post('/api/session/anonymous', {}));
    const res = await app.post('/api/session/login', { username, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.user.username).toBe('api-alice');
    expect(res.body.session_token).toBeUndefined();
    const after = sessionCookieOf(res);
    expect(after).toMatch(/HttpOnly/);
    expect(after!.split(';')[0]).not.toBe(before!.split(';')[0]);
  });

  it('gives a wrong password and an unknown user the same 401', async () => {
    const wrong = await spa(gw).post('/api/session/login', { username: 'api-alice', password: 'not-the-password' });
    expectApiError(wrong, 401, 'login_failed');
    const unknown = await spa(gw).post('/api/session/login', { username: 'nobody-at-all', password: 'not-the-password' });
    expectApiError(unknown, 401, 'login_failed');
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
    expect(wrong.body.error.message).toBe('The username or password is incorrect.');
  });

  it('answers in Chinese when Accept-Language asks for it', async () => {
    const res = await spa(gw).call('post', '/api/session/login', { username: 'nobody-zh', password: 'not-the-password' }, { 'Accept-Language': 'zh-CN,zh;q=0.9' });
    expect(res.body.error.message).toBe('用户名或密码错误。');
  });

  it.each([
    ['invalid_password', 401, 'login_failed'],
    ['permission_denied', 401, 'login_failed'],
    ['user_blocked', 403, 'account_blocked'],
    ['user_pending', 403, 'account_pending'],
    ['two_factor_required', 403, 'two_factor_required'],
    ['login_method_disabled', 403, 'method_disabled'],
    ['login_type_disabled', 403, 'method_disabled'],
    ['invalid_status', 429, 'too_many_attempts'],
    ['rate_limit_exceeded', 429, 'rate_limited'],
    ['resource_exhausted', 429, 'rate_limited'],
    ['invalid_client', 502, 'gateway_misconfigured'],
    ['some_new_error', 502, 'upstream_error'],
    ['unavailable', 503, 'upstream_unavailable'],
    ['deadline_exceeded', 504, 'upstream_timeout'],
  ])('maps CloudBase %s to %i %s', async (error, status, code) => {
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/signin': error } });
    const res = await spa(gw).post('/api/session/login', { username: `forced-${error}`, password: 'whatever-123' });
    expectApiError(res, status, code);
    if (status === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('maps a failure to read the profile after sign-in', async () => {
    await gw.emu.setConfig({ fail: { 'GET /auth/v1/user/me': 'unavailable' } });
    expectApiError(await spa(gw).post('/api/session/login', login), 503, 'upstream_unavailable');
  });

  it('asks for a captcha with a picture, then signs in with the answer', async () => {
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/signin': 'captcha_required' } });
    const app = spa(gw);
    const first = await app.post('/api/session/login', login);
    expectApiError(first, 400, 'captcha_required');
    expect(first.body.captcha).toEqual({ id: expect.any(String), image_url: `/captcha/${first.body.captcha.id}` });
    const image = await app.agent.get(first.body.captcha.image_url);
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toMatch(/^image\//);

    const wrong = await app.post('/api/session/login', { ...login, captcha_answer: 'XXXX' });
    expectApiError(wrong, 400, 'captcha_wrong');
    expect(wrong.body.captcha.id).not.toBe(first.body.captcha.id);

    const key = [...gw.emulator.state.captchas.values()].at(-1)!.key;
    const res = await app.post('/api/session/login', { ...login, captcha_answer: key });
    expect(res.status).toBe(200);
    expect(res.body.authenticated).toBe(true);
  });

  it('in token mode, carries the captcha in the session the error hands out', async () => {
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/signin': 'captcha_required' } });
    const app = mobile(gw);
    const first = await app.post('/api/session/login', login);
    expectApiError(first, 400, 'captcha_required');
    expect(first.body.session_token).toEqual(expect.any(String));
    expect(sessionCookieOf(first)).toBeUndefined();
    const image = await supertest(gw.server).get(first.body.captcha.image_url).set('Authorization', `Session ${app.token}`);
    expect(image.status).toBe(200);
    const key = [...gw.emulator.state.captchas.values()].at(-1)!.key;
    const res = await app.post('/api/session/login', { ...login, captcha_answer: key });
    expect(res.status).toBe(200);
    expect(res.body.session_token).not.toBe(first.body.session_token);
  });
});

describe('when a caller signs in as a guest over the API', () => {
  it('signs in a guest', async () => {
    const app = spa(gw);
    const res = await app.post('/api/session/anonymous', {});
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ anonymous: true, username: null });
    expect((await app.get('/api/session')).body.user.sub).toBe(res.body.user.sub);
  });

  it('takes an empty body too', async () => {
    expect((await spa(gw).post('/api/session/anonymous')).status).toBe(200);
  });

  it.each([
    ['unimplemented', 403, 'method_disabled'],
    ['resource_exhausted', 429, 'rate_limited'],
    ['unavailable', 503, 'upstream_unavailable'],
  ])('maps CloudBase %s to %i %s', async (error, status, code) => {
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/signin/anonymously': error } });
    expectApiError(await spa(gw).post('/api/session/anonymous', {}), status, code);
  });
});

describe('when a caller signs out over the API', () => {
  it('revokes the CloudBase session, ends ours and clears the cookie', async () => {
    const app = spa(gw);
    await app.post('/api/session/login', login);
    const before = (await gw.emu.stats())['POST /auth/v1/revoke'] ?? 0;
    const res = await app.del('/api/session');
    expect(res.status).toBe(204);
    expect(sessionCookieOf(res)).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await gw.emu.stats())['POST /auth/v1/revoke']).toBe(before + 1);
    expect((await app.get('/api/session')).status).toBe(401);
  });

  it('is 204 for a caller who was not signed in', async () => {
    expect((await spa(gw).del('/api/session')).status).toBe(204);
  });
});

describe('request bodies', () => {
  const post = (body: string, type = 'application/json') =>
    supertest(gw.server).post('/api/session/login').set('X-CSRF', '1').set('Content-Type', type).send(body);

  it('refuses other content types with 415', async () => {
    expectApiError(await post('username=a&password=b', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
    expectApiError(await post(JSON.stringify(login), 'text/plain'), 415, 'unsupported_media_type');
  });

  it('refuses malformed JSON with 400', async () => {
    expectApiError(await post('{"username": "a",'), 400, 'invalid_json');
    expectApiError(await post('"just a string"'), 400, 'invalid_json');
  });

  it('refuses a body that is not an object', async () => {
    expectApiError(await post('["api-alice"]'), 400, 'invalid_input');
  });

  it.each([
    ['a missing field', { username: 'api-alice' }, 'password', 'The field "password" is required.'],
    ['an empty field', { username: '', password: 'x' }, 'username', 'The field "username" is required.'],
    ['a number', { username: 1, password: 'x' }, 'username', 'The field "username" must be a string.'],
    ['an array', { username: ['a', 'b'], password: 'x' }, 'username', 'The field "username" must be a string.'],
    ['an object', { username: { $gt: '' }, password: 'x' }, 'username', 'The field "username" must be a string.'],
    ['a value too long', { username: 'a'.repeat(129), password: 'x' }, 'username', 'The field "username" is too long.'],
    ['an unknown field', { ...{ username: 'a', password: 'x' }, admin: 'yes' }, 'admin', 'The field "admin" is not allowed here.'],
  ])('names the field for %s', async (_what, body, field, message) => {
    const res = await post(JSON.stringify(body));
    expectApiError(res, 400, 'invalid_input');
    expect(res.body.error).toEqual({ code: 'invalid_input', field, message });
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key, at the top or nested', async (key) => {
    expectApiError(await post(`{"username":"a","password":"x","${key}":{"admin":true}}`), 400, 'invalid_input');
    expectApiError(await post(`{"username":"a","password":"x","captcha_answer":{"${key}":{"admin":true}}}`), 400, 'invalid_input');
  });

  it('refuses a body over 16 kB with 413', async () => {
    expectApiError(await post(JSON.stringify({ username: 'a', password: 'x'.repeat(17 * 1024) })), 413, 'payload_too_large');
  });

  it('counts a missing body as {}', async () => {
    const res = await supertest(gw.server).post('/api/session/login').set('X-CSRF', '1');
    expect(res.body.error).toMatchObject({ code: 'invalid_input', field: 'username' });
  });
});

describe('CSRF', () => {
  const raw = () => supertest(gw.server).post('/api/session/login').send(login);

  it('refuses a write without X-CSRF: 1', async () => {
    expectApiError(await raw(), 403, 'csrf_failed');
    expectApiError(await raw().set('X-CSRF', 'yes'), 403, 'csrf_failed');
    expectApiError(await supertest(gw.server).delete('/api/session'), 403, 'csrf_failed');
  });

  it('refuses a foreign Origin', async () => {
    expectApiError(await raw().set('X-CSRF', '1').set('Origin', 'https://evil.example'), 403, 'csrf_failed');
  });

  it('refuses Sec-Fetch-Site: cross-site and same-site', async () => {
    expectApiError(await raw().set('X-CSRF', '1').set('Sec-Fetch-Site', 'cross-site'), 403, 'csrf_failed');
    expectApiError(await raw().set('X-CSRF', '1').set('Sec-Fetch-Site', 'same-site'), 403, 'csrf_failed');
  });

  it('accepts a same-origin call', async () => {
    const origin = `http://127.0.0.1:${(gw.server.address() as { port: number }).port}`;
    const res = await raw().set('X-CSRF', '1').set('Origin', origin).set('Sec-Fetch-Site', 'same-origin');
    expect(res.status).toBe(200);
  });

  it('does not ask token-mode calls, which never use the cookie', async () => {
    const res = await raw().set('X-Session-Mode', 'token');
    expect(res.status).toBe(200);
    expect(res.body.session_token).toEqual(expect.any(String));
  });

  it('does not let a cookie ride along on a token-mode call', async () => {
    const app = spa(gw);
    await app.post('/api/session/login', login);
    const cookie = sessionCookieOf(await app.post('/api/session/login', login))!.split(';')[0]!;
    const res = await supertest(gw.server).get('/api/session').set('Cookie', cookie).set('X-Session-Mode', 'token');
    expect(res.status).toBe(401);
  });
});

describe('unknown API routes', () => {
  it('are 404 JSON', async () => {
    const res = await spa(gw).get('/api/nothing-here');
    expectApiError(res, 404, 'not_found');
    expect(res.headers['cache-control']).toBe('no-store');
    expectApiError(await spa(gw).call('put', '/api/session', {}), 404, 'not_found');
  });
});
