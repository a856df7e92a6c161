import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import request, { type Response, type Test } from 'supertest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';

const CLIENT_ID = 'test-client';
const CLIENT_SECRET = 'test-secret';
const ENV_ID = 'test-env';
const PHONE = '+86 13800000000';
const PASSWORD = 'Passw0rd!';
const DEVICE = 'device-0123456789abcdef';

let emu: RunningEmulator;
let clockOffsetMs = 0;

const api = () => request(emu.url);
/** The cheat-sheet's usual headers: device and request ids, Basic client credentials. */
const cheat = (t: Test) => t.set('x-device-id', DEVICE).set('x-request-id', 'req-cheat').auth(CLIENT_ID, CLIENT_SECRET);

function expectError(res: Response, status: number, error: string): void {
  expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
  const retry = error === 'resource_exhausted' ? { retry_after: expect.any(Number) } : {};
  expect(res.body).toEqual({ error, error_code: expect.any(Number), error_description: expect.any(String), ...retry });
}

async function setConfig(patch: Record<string, unknown>): Promise<void> {
  await api().put('/__emulator/config').send(patch).expect(200);
}

async function smsCode(phone = PHONE): Promise<string> {
  const res = await api().get('/__emulator/sms').query({ phone_number: phone }).expect(200);
  return res.body.verification_code as string;
}

async function verificationToken(phone = PHONE, target?: string): Promise<string> {
  const sent = await api().post('/auth/v1/verification').send({ phone_number: phone, ...(target && { target }) }).expect(200);
  const verified = await api()
    .post('/auth/v1/verification/verify')
    .send({ verification_id: sent.body.verification_id, verification_code: await smsCode(phone) })
    .expect(200);
  return verified.body.verification_token as string;
}

interface Tokens {
  access_token: string;
  refresh_token: string;
  sub: string;
}

async function signUp(phone = PHONE, extra: Record<string, unknown> = {}): Promise<Tokens> {
  const verification_token = await verificationToken(phone);
  const res = await api().post('/auth/v1/signup').send({ phone_number: phone, verification_token, password: PASSWORD, ...extra });
  expect(res.status).toBe(200);
  return res.body as Tokens;
}

async function seedUser(user: Record<string, unknown>): Promise<{ sub: string }> {
  return (await api().post('/__emulator/users').send(user).expect(201)).body as { sub: string };
}

async function signIn(username: string, password = PASSWORD): Promise<Tokens> {
  return (await api().post('/auth/v1/signin').send({ username, password }).expect(200)).body as Tokens;
}

beforeAll(async () => {
  emu = await startTestEmulator({
    envId: ENV_ID,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    now: () => Date.now() + clockOffsetMs,
  });
});

afterAll(async () => {
  await emu.close();
});

beforeEach(async () => {
  clockOffsetMs = 0;
  await api().post('/__emulator/reset').expect(200);
  await setConfig({ sms_cooldown_s: 0 });
});

describe('the cURL cheat-sheet scenarios, as written', () => {
  it('1. POST /signin with an email as username returns tokens and the user id', async () => {
    const { sub } = await seedUser({ email: 'test@example.com', password: PASSWORD });
    const res = await cheat(api().post('/auth/v1/signin')).send({ username: 'test@example.com', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('req-cheat');
    expect(res.body).toMatchObject({ token_type: 'Bearer', sub, expires_in: 7200, scope: 'user sso' });
  });

  it('2. SMS sign-up: verification (no target) → verify → signup', async () => {
    const sent = await cheat(api().post('/auth/v1/verification')).send({ phone_number: PHONE });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ verification_id: expect.any(String), expires_in: 600, is_user: false });
    const code = await smsCode();
    const verified = await cheat(api().post('/auth/v1/verification/verify')).send({
      verification_code: code,
      verification_id: sent.body.verification_id,
    });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ verification_token: expect.any(String), expires_in: 600 });
    const signup = await cheat(api().post('/auth/v1/signup')).send({
      phone_number: PHONE,
      verification_code: code,
      verification_token: verified.body.verification_token,
      name: '手机用户',
      password: PASSWORD,
      username: 'phoneuser',
    });
    expect(signup.status).toBe(200);
    expect(signup.body).toMatchObject({ token_type: 'Bearer', scope: 'user sso', refresh_token: expect.stringMatching(/^m\./) });
  });

  it('3. POST /signin-anonymously {}', async () => {
    const res = await cheat(api().post('/auth/v1/signin-anonymously')).send({});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'anonymous', expires_in: 7200 });
  });

  it('4. POST /token with grant_type refresh_token', async () => {
    const tokens = await signUp();
    const res = await cheat(api().post('/auth/v1/token')).send({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: tokens.sub, token_type: 'Bearer' });
    expect(res.body.refresh_token).not.toBe(tokens.refresh_token);
  });

  it('5. GET /token/introspect?token= with Basic auth', async () => {
    const tokens = await signUp();
    const res = await cheat(api().get('/auth/v1/token/introspect').query({ token: tokens.access_token }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token_type: 'Bearer', client_id: CLIENT_ID, sub: tokens.sub, scope: 'user sso' });
  });

  it('6. POST /revoke {token} with Basic auth only', async () => {
    const tokens = await signUp();
    const res = await cheat(api().post('/auth/v1/revoke')).send({ token: tokens.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    const after = await cheat(api().get('/auth/v1/token/introspect').query({ token: tokens.access_token }));
    expect(after.body).toEqual({});
  });

  it('7. user: GET /user/me, PATCH /user/password {old,new}, GET /user/providers, DELETE /user/me?sudo_token=', async () => {
    const tokens = await signUp();
    const me = await api().get('/auth/v1/user/me').set('x-device-id', DEVICE).auth(tokens.access_token, { type: 'bearer' });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ sub: tokens.sub, phone_number: PHONE });

    const patch = await api()
      .patch('/auth/v1/user/password')
      .auth(tokens.access_token, { type: 'bearer' })
      .send({ old_password: PASSWORD, new_password: 'NewPassw0rd!' });
    expect(patch.status).toBe(200);
    expect(patch.body).toEqual({});

    const providers = await api().get('/auth/v1/user/providers').auth(tokens.access_token, { type: 'bearer' });
    expect(providers.status).toBe(200);
    expect(providers.body).toEqual({
      total: 3,
      data: [
        { id: 'wx_open', name: 'WeChat', bind: false },
        { id: 'github', name: 'GitHub', bind: false },
        { id: 'google', name: 'Google', bind: false },
      ],
    });

    const sudo = await api()
      .post('/auth/v1/user/sudo')
      .auth(tokens.access_token, { type: 'bearer' })
      .send({ password: 'NewPassw0rd!' })
      .expect(200);
    const del = await api()
      .delete('/auth/v1/user/me')
      .query({ sudo_token: sudo.body.sudo_token })
      .auth(tokens.access_token, { type: 'bearer' });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({});
  });
});

describe('when a client signs in at the emulator', () => {
  beforeEach(async () => {
    await seedUser({ username: 'alice', email: 'alice@example.com', phone_number: PHONE, password: PASSWORD });
  });

  it('accepts a username, an email or a "+86 " phone', async () => {
    for (const username of ['alice', 'alice@example.com', PHONE]) await signIn(username);
  });

  it('answers invalid_password, not_found and invalid_argument', async () => {
    expectError(await api().post('/auth/v1/signin').send({ username: 'alice', password: 'wrong' }), 400, 'invalid_password');
    expectError(await api().post('/auth/v1/signin').send({ username: 'nobody', password: PASSWORD }), 404, 'not_found');
    expectError(await api().post('/auth/v1/signin').send({ username: 'alice' }), 400, 'invalid_argument');
  });

  it('answers invalid_status after 5 wrong passwords', async () => {
    for (let i = 0; i < 5; i++) await api().post('/auth/v1/signin').send({ username: 'alice', password: 'wrong' }).expect(400);
    expectError(await api().post('/auth/v1/signin').send({ username: 'alice', password: PASSWORD }), 403, 'invalid_status');
  });

  it('signs in with a verification token', async () => {
    const verification_token = await verificationToken(PHONE, 'USER');
    const res = await api().post('/auth/v1/signin').send({ username: PHONE, verification_token });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token).provider_type).toBe('phone');
  });

  it('answers user_blocked for a blocked user', async () => {
    await seedUser({ username: 'mallory', password: PASSWORD, status: 'BLOCKED' });
    expectError(await api().post('/auth/v1/signin').send({ username: 'mallory', password: PASSWORD }), 403, 'user_blocked');
  });
});

describe('when a client signs up at the emulator', () => {
  it('issues RS256 tokens shaped like CloudBase', async () => {
    const tokens = await signUp();
    expect(decodeProtectedHeader(tokens.access_token)).toEqual({ alg: 'RS256', kid: emu.state.key.kid });
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      iss: `http://${ENV_ID}.ap-shanghai.tcb-api.tencentcloudapi.com`,
      sub: tokens.sub,
      aud: CLIENT_ID,
      scope: 'user sso',
      project_id: ENV_ID,
      provider_type: 'phone',
      meta: { wxOpenId: '', wxUnionId: '' },
      user_type: expect.any(String),
      at_hash: expect.any(String),
      jti: expect.any(String),
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(7200);
  });

  it('answers already_exists, weak_password, invalid_phone_number and a token/phone mismatch', async () => {
    await signUp(PHONE, { username: 'alice' });
    const token = await verificationToken();
    expectError(await api().post('/auth/v1/signup').send({ phone_number: PHONE, verification_token: token }), 409, 'already_exists');
    const other = '+86 13900000000';
    const token2 = await verificationToken(other);
    const signup = (extra: Record<string, unknown>) =>
      api().post('/auth/v1/signup').send({ phone_number: other, verification_token: token2, ...extra });
    expectError(await signup({ username: 'alice' }), 409, 'already_exists');
    expectError(await signup({ password: 'weakweak' }), 400, 'weak_password');
    expectError(await signup({ phone_number: '13900000000' }), 400, 'invalid_phone_number');
    const mismatch = await signup({ phone_number: '+86 13700000000' });
    expectError(mismatch, 400, 'invalid_argument');
    expect(mismatch.body.error_description).toBe('phone or email does not match validation code');
    expectError(await api().post('/auth/v1/signup').send({ phone_number: other }), 400, 'invalid_argument');
    await signup({}).expect(200);
  });
});

describe('when a client asks the emulator for a code and verifies it', () => {
  it('answers user_not_found (USER), already_exists (NOT_USER) and is_user', async () => {
    expectError(await api().post('/auth/v1/verification').send({ phone_number: PHONE, target: 'USER' }), 404, 'user_not_found');
    await signUp();
    expectError(await api().post('/auth/v1/verification').send({ phone_number: PHONE, target: 'NOT_USER' }), 409, 'already_exists');
    const res = await api().post('/auth/v1/verification').send({ phone_number: PHONE, target: 'ANY' }).expect(200);
    expect(res.body.is_user).toBe(true);
  });

  it('answers resource_exhausted (429, code 8, retry_after) for a resend within sms_cooldown_s', async () => {
    await setConfig({ sms_cooldown_s: 60 });
    await api().post('/auth/v1/verification').send({ phone_number: PHONE }).expect(200);
    const limited = await api().post('/auth/v1/verification').send({ phone_number: PHONE });
    expectError(limited, 429, 'resource_exhausted');
    expect(limited.body).toMatchObject({ error_code: 8, retry_after: 60 });
    clockOffsetMs = 61_000;
    await api().post('/auth/v1/verification').send({ phone_number: PHONE }).expect(200);
  });

  it('verifies a code sent as the verification_token form of the id (the client types name it so)', async () => {
    const sent = await api().post('/auth/v1/verification').send({ phone_number: PHONE }).expect(200);
    const res = await api()
      .post('/auth/v1/verification/verify')
      .send({ verification_token: sent.body.verification_id, verification_code: await smsCode() })
      .expect(200);
    expect(res.body).toEqual({ verification_token: expect.any(String), expires_in: 600 });
    expect(res.body.verification_token).not.toBe(sent.body.verification_id);
    expectError(await api().post('/auth/v1/verification/verify').send({ verification_code: '123456' }), 400, 'invalid_argument');
  });

  it('answers invalid_phone_number and invalid_argument', async () => {
    expectError(await api().post('/auth/v1/verification').send({ phone_number: '13800000000' }), 400, 'invalid_phone_number');
    expectError(await api().post('/auth/v1/verification').send({}), 400, 'invalid_argument');
  });

  it('sends to the current user with CUR_USER and a Bearer, and refuses it without', async () => {
    const tokens = await signUp();
    expectError(await api().post('/auth/v1/verification').send({ target: 'CUR_USER' }), 401, 'unauthenticated');
    const res = await api()
      .post('/auth/v1/verification')
      .auth(tokens.access_token, { type: 'bearer' })
      .send({ target: 'CUR_USER' })
      .expect(200);
    expect(res.body.is_user).toBe(true);
  });

  it('answers invalid_verification_code for a wrong or expired code', async () => {
    const sent = await api().post('/auth/v1/verification').send({ phone_number: PHONE }).expect(200);
    const code = await smsCode();
    const verify = (verification_code: string) =>
      api().post('/auth/v1/verification/verify').send({ verification_id: sent.body.verification_id, verification_code });
    const wrong = await verify(code === '000000' ? '000001' : '000000');
    expectError(wrong, 400, 'invalid_verification_code');
    // 4001 is what the js-sdk reads as "captcha required"; a wrong code is its "verification failed" (3).
    expect(wrong.body.error_code).toBe(3);
    clockOffsetMs = 601_000;
    expectError(await verify(code), 400, 'invalid_verification_code');
  });
});

describe('when a device signs in anonymously at the emulator', () => {
  it('gives the same x-device-id the same sub and needs the header', async () => {
    const first = await api().post('/auth/v1/signin/anonymously').set('x-device-id', DEVICE).send({}).expect(200);
    const second = await api().post('/auth/v1/signin/anonymously').set('x-device-id', DEVICE).send({}).expect(200);
    expect(second.body.sub).toBe(first.body.sub);
    expect(decodeJwt(first.body.access_token)).toMatchObject({ scope: 'anonymous', name: 'Anonymous' });
    expectError(await api().post('/auth/v1/signin/anonymously').send({}), 400, 'invalid_argument');
    const me = await api().get('/auth/v1/user/me').auth(first.body.access_token, { type: 'bearer' }).expect(200);
    expect(me.body.name).toBe('anonymous');
  });
});

describe('when a client refreshes tokens at the emulator', () => {
  it('rotates refresh tokens (a used one answers invalid_grant) and supports the password grant', async () => {
    const tokens = await signUp();
    await api().post('/auth/v1/token').send({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }).expect(200);
    expectError(
      await api().post('/auth/v1/token').send({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
      400,
      'invalid_grant',
    );
    const res = await api().post('/auth/v1/token').send({ grant_type: 'password', username: PHONE, password: PASSWORD });
    expect(res.status).toBe(200);
  });

  it('accepts the official SDK body: client_id and an empty client_secret', async () => {
    const tokens = await signUp();
    await api()
      .post('/auth/v1/token')
      .send({ client_id: CLIENT_ID, client_secret: '', grant_type: 'refresh_token', refresh_token: tokens.refresh_token })
      .expect(200);
  });
});

describe('introspection, revocation, sign-out', () => {
  it('introspects the Bearer, and answers {} for garbage, expired or revoked tokens', async () => {
    const tokens = await signUp();
    const res = await api().get('/auth/v1/token/introspect').auth(tokens.access_token, { type: 'bearer' }).expect(200);
    expect(res.body).toEqual({ token_type: 'Bearer', client_id: CLIENT_ID, sub: tokens.sub, scope: 'user sso' });
    const garbage = await api().get('/auth/v1/token/introspect').auth('not-a-jwt', { type: 'bearer' }).expect(200);
    expect(garbage.body).toEqual({});
    clockOffsetMs = 7201_000;
    const expired = await api().get('/auth/v1/token/introspect').auth(tokens.access_token, { type: 'bearer' }).expect(200);
    expect(expired.body).toEqual({});
  });

  it('revokes by Bearer: the access token, its refresh token and the session stop working', async () => {
    const tokens = await signUp();
    await api().post('/auth/v1/revoke').auth(tokens.access_token, { type: 'bearer' }).send({}).expect(200);
    expectError(await api().get('/auth/v1/user/me').auth(tokens.access_token, { type: 'bearer' }), 401, 'unauthenticated');
    expectError(
      await api().post('/auth/v1/token').send({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
      400,
      'invalid_grant',
    );
    expectError(await api().post('/auth/v1/revoke').auth(tokens.access_token, { type: 'bearer' }).send({}), 401, 'unauthenticated');
  });

  it('signs out with the sign-out call', async () => {
    const tokens = await signUp();
    const res = await api()
      .post('/auth/v1/user/signout')
      .auth(tokens.access_token, { type: 'bearer' })
      .send({ redirect_uri: 'https://app.example.com/' })
      .expect(200);
    expect(res.body).toEqual({ redirect_uri: 'https://app.example.com/' });
    expectError(await api().get('/auth/v1/user/me').auth(tokens.access_token, { type: 'bearer' }), 401, 'unauthenticated');
  });
});

describe('when a signed-in user reads or changes the account at the emulator', () => {
  it('reading the user returns every documented field', async () => {
    const tokens = await signUp(PHONE, { username: 'alice', name: '张三', gender: 'MALE' });
    const res = await api().get('/auth/v1/user/me').auth(tokens.access_token, { type: 'bearer' }).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        'sub', 'name', 'picture', 'username', 'email', 'phone_number', 'providers', 'status', 'gender', 'groups', 'meta',
        'created_at', 'updated_at', 'password_updated_at', 'user_id', 'has_password', 'internal_user_type', 'type',
        'user_source', 'user_desc', 'last_login',
      ].sort(),
    );
    expect(res.body).toMatchObject({
      sub: tokens.sub,
      user_id: tokens.sub,
      name: '张三',
      username: 'alice',
      phone_number: PHONE,
      gender: 'MALE',
      status: 'ACTIVE',
      has_password: true,
      groups: [{ id: 'user' }],
      providers: [{ id: 'phone', provider_user_id: PHONE }],
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expectError(await api().get('/auth/v1/user/me'), 401, 'unauthenticated');
  });

  it('a password change with the sudo token in the query or the body works; a bad sudo token is permission_denied', async () => {
    const tokens = await signUp();
    const bearer = (t: Test) => t.auth(tokens.access_token, { type: 'bearer' });
    expectError(await bearer(api().post('/auth/v1/user/sudo')).send({ password: 'wrong' }), 400, 'invalid_password');
    const sudo = await bearer(api().post('/auth/v1/user/sudo')).send({ password: PASSWORD }).expect(200);
    expect(sudo.body).toEqual({ sudo_token: expect.any(String), expires_in: 900 });
    const { sudo_token } = sudo.body;

    const bad = await bearer(api().patch('/auth/v1/user/password').query({ sudo_token: 'nope' })).send({ new_password: 'NewPassw0rd!' });
    expectError(bad, 403, 'permission_denied');
    expect(bad.body.error_description).toBe('bad sudo token');
    expectError(
      await bearer(api().patch('/auth/v1/user/password').query({ sudo_token })).send({ new_password: 'weak' }),
      400,
      'weak_password',
    );
    await bearer(api().patch('/auth/v1/user/password').query({ sudo_token })).send({ new_password: 'NewPassw0rd!' }).expect(200);
    await bearer(api().patch('/auth/v1/user/password')).send({ sudo_token, new_password: 'Newer-passw0rd' }).expect(200);
    await signIn(PHONE, 'Newer-passw0rd');
  });

  it('sudo with a verification token for the own phone', async () => {
    const tokens = await signUp();
    const sent = await api()
      .post('/auth/v1/verification')
      .auth(tokens.access_token, { type: 'bearer' })
      .send({ phone_number: PHONE, target: 'CUR_USER' })
      .expect(200);
    const verified = await api()
      .post('/auth/v1/verification/verify')
      .send({ verification_id: sent.body.verification_id, verification_code: await smsCode() })
      .expect(200);
    await api()
      .post('/auth/v1/user/sudo')
      .auth(tokens.access_token, { type: 'bearer' })
      .send({ verification_token: verified.body.verification_token })
      .expect(200);
  });

  it('deleting the account needs a sudo token', async () => {
    const tokens = await signUp();
    expectError(await api().delete('/auth/v1/user/me').auth(tokens.access_token, { type: 'bearer' }), 403, 'permission_denied');
    expectError(
      await api().delete('/auth/v1/user/me').query({ sudo_token: 'x' }).auth(tokens.access_token, { type: 'bearer' }),
      403,
      'permission_denied',
    );
  });

  it('listing providers shows the enabled ones, none bound yet', async () => {
    const tokens = await signUp();
    const res = await api().get('/auth/v1/user/provider').auth(tokens.access_token, { type: 'bearer' }).expect(200);
    expect(res.body).toEqual({
    total: 3,
    data: [
      { id: 'wx_open', name: 'WeChat', bind: false },
      { id: 'github', name: 'GitHub', bind: false },
      { id: 'google', name: 'Google', bind: false },
    ],
  });
  });
});

describe('when a user resets the password at the emulator', () => {
  it('resets the password with a verification token and answers the documented errors', async () => {
    const tokens = await signUp();
    expectError(await api().post('/auth/v1/reset').send({ new_password: 'NewPassw0rd!' }), 400, 'invalid_argument');
    expectError(await api().post('/auth/v1/reset').send({ phone_number: PHONE, new_password: 'NewPassw0rd!' }), 400, 'invalid_argument');
    const verification_token = await verificationToken(PHONE, 'USER');
    const res = await api().post('/auth/v1/reset').send({ phone_number: PHONE, verification_token, new_password: 'NewPassw0rd!' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expectError(await api().get('/auth/v1/user/me').auth(tokens.access_token, { type: 'bearer' }), 401, 'unauthenticated');
    await signIn(PHONE, 'NewPassw0rd!');
  });
});

describe('captcha', () => {
  async function solveCaptcha(): Promise<string> {
    const data = await api().post('/auth/v1/captcha/data').send({ state: 'POST:/v1/verification', redirect_uri: '' }).expect(200);
    const { key } = (await api().get('/__emulator/captcha').query({ token: data.body.token }).expect(200)).body;
    const res = await api().post('/auth/v1/captcha/data/verify').send({ token: data.body.token, key }).expect(200);
    expect(res.body).toEqual({ captcha_token: expect.any(String), expires_in: 600 });
    return res.body.captcha_token as string;
  }

  it('a captcha request returns an image data URL', async () => {
    const res = await api().post('/auth/v1/captcha/data').send({}).expect(200);
    expect(res.body).toEqual({
      data: expect.stringMatching(/^data:image\/svg\+xml;base64,/),
      type: 'image',
      token: expect.any(String),
      expires_in: 300,
    });
    const svg = Buffer.from(res.body.data.split(',')[1], 'base64').toString();
    expect(svg).toContain('<svg');
  });

  it('verify answers invalid_captcha and captcha_expired', async () => {
    const first = await api().post('/auth/v1/captcha/data').send({}).expect(200);
    expectError(await api().post('/auth/v1/captcha/data/verify').send({ token: first.body.token, key: '????' }), 400, 'invalid_captcha');
    const second = await api().post('/auth/v1/captcha/data').send({}).expect(200);
    clockOffsetMs = 301_000;
    expectError(await api().post('/auth/v1/captcha/data/verify').send({ token: second.body.token, key: 'ABCD' }), 400, 'captcha_expired');
  });

  it('a valid captcha token (header or query) lifts a forced captcha_required', async () => {
    await setConfig({ fail: { 'POST /auth/v1/verification': 'captcha_required' } });
    expectError(await api().post('/auth/v1/verification').send({ phone_number: PHONE }), 400, 'captcha_required');
    expectError(
      await api().post('/auth/v1/verification').set('x-captcha-token', 'v1.bogus').send({ phone_number: PHONE }),
      400,
      'captcha_required',
    );
    const captchaToken = await solveCaptcha();
    await api().post('/auth/v1/verification').set('x-captcha-token', captchaToken).send({ phone_number: PHONE }).expect(200);
    await api().post('/auth/v1/verification').query({ captcha_token: captchaToken }).send({ phone_number: '+86 13900000000' }).expect(200);
  });
});

describe('client credentials', () => {
  it('accepts no credentials (public client) and the right Basic credentials', async () => {
    await api().post('/auth/v1/signin/anonymously').set('x-device-id', DEVICE).send({}).expect(200);
    await cheat(api().post('/auth/v1/signin/anonymously')).send({}).expect(200);
    await api().post('/auth/v1/signin/anonymously').query({ client_id: CLIENT_ID }).set('x-device-id', DEVICE).send({}).expect(200);
  });

  it('answers invalid_client (401) for a wrong secret, a wrong client_id or a wrong body client_secret', async () => {
    const anon = () => api().post('/auth/v1/signin/anonymously').set('x-device-id', DEVICE);
    expectError(await anon().auth(CLIENT_ID, 'wrong').send({}), 401, 'invalid_client');
    expectError(await anon().auth('someone-else', CLIENT_SECRET).send({}), 401, 'invalid_client');
    expectError(await anon().query({ client_id: 'someone-else' }).send({}), 401, 'invalid_client');
    expectError(
      await api().post('/auth/v1/token').send({ grant_type: 'refresh_token', refresh_token: 'm.x', client_secret: 'wrong' }),
      401,
      'invalid_client',
    );
  });
});

describe('when a test drives the emulator through its control routes', () => {
  it('the last code sent is found with or without the space, and 404s otherwise', async () => {
    await api().post('/auth/v1/verification').send({ phone_number: PHONE }).expect(200);
    await api().post('/auth/v1/verification').send({ phone_number: PHONE }).expect(200);
    const last = emu.state.lastCodes.get(PHONE);
    for (const raw of ['phone_number=%2B86%2013800000000', 'phone_number=+86%2013800000000', 'phone_number=%2B8613800000000', 'phone_number=13800000000']) {
      const res = await api().get(`/__emulator/sms?${raw}`).expect(200);
      expect(res.body).toEqual({ verification_code: last });
    }
    const missing = await api().get('/__emulator/sms').query({ phone_number: '+86 13900000000' }).expect(404);
    expect(missing.body.error).toBe('not_found');
    const all = await api().get('/__emulator/sms/all').expect(200);
    expect(all.body.messages).toHaveLength(2);
  });

  it('calls are counted by method and the path called', async () => {
    await api().post('/auth/v1/signin-anonymously').set('x-device-id', DEVICE).send({});
    await api().post('/auth/v1/signin/anonymously').set('x-device-id', DEVICE).send({});
    await api().post('/auth/v1/signin/anonymously').set('x-device-id', DEVICE).send({});
    await api().get('/auth/v1/nowhere');
    const res = await api().get('/__emulator/stats').expect(200);
    expect(res.body).toEqual({
      calls: {
        'POST /auth/v1/signin-anonymously': 1,
        'POST /auth/v1/signin/anonymously': 2,
        'GET /auth/v1/nowhere': 1,
      },
    });
  });

  it('the config reads back what was put, and a bad config is refused', async () => {
    const res = await api().put('/__emulator/config').send({ access_token_ttl_s: 60, fail: {} }).expect(200);
    expect(res.body).toEqual({
      access_token_ttl_s: 60,
      refresh_token_ttl_s: 2678400,
      latency_ms: 0,
      sms_cooldown_s: 0,
      provider_token_ttl_s: 600,
      fail: {},
    });
    expect((await api().get('/__emulator/config').expect(200)).body).toEqual(res.body);
    expectError(await api().put('/__emulator/config').send({ latency_ms: -1 }), 400, 'invalid_argument');
    expectError(await api().put('/__emulator/config').send({ nonsense: 1 }), 400, 'invalid_argument');
    const tokens = await signUp();
    expect(decodeJwt(tokens.access_token).exp! - decodeJwt(tokens.access_token).iat!).toBe(60);
  });

  it('seeding users creates them (201) and refuses duplicates (409)', async () => {
    const res = await api().post('/__emulator/users').send({ username: 'zed', phone_number: PHONE, password: 'x', name: 'Zed' }).expect(201);
    expect(res.body).toMatchObject({ sub: expect.any(String), username: 'zed', phone_number: PHONE, name: 'Zed', has_password: true });
    expect(JSON.stringify(res.body)).not.toContain('"x"');
    expectError(await api().post('/__emulator/users').send({ username: 'zed' }), 409, 'already_exists');
    expectError(await api().post('/__emulator/users').send({ phone_number: '138' }), 400, 'invalid_phone_number');
  });

  it('a reset forgets users and tokens', async () => {
    const tokens = await signUp();
    await api().post('/__emulator/reset').expect(200);
    expectError(await api().get('/auth/v1/user/me').auth(tokens.access_token, { type: 'bearer' }), 401, 'unauthenticated');
    expect((await api().get('/__emulator/stats')).body).toEqual({ calls: { 'GET /auth/v1/user/me': 1 } });
  });
});

describe('forced errors and latency', () => {
  it('answers a forced error with its status and "forced by emulator config"', async () => {
    await seedUser({ username: 'alice', password: PASSWORD });
    await setConfig({ fail: { 'POST /auth/v1/signin': 'unavailable', 'POST /auth/v1/signin/anonymously': 'invalid_password' } });
    const res = await api().post('/auth/v1/signin').send({ username: 'alice', password: PASSWORD });
    expectError(res, 503, 'unavailable');
    expect(res.body.error_description).toBe('forced by emulator config');
    // an alias is failed by its documented path too
    expectError(await api().post('/auth/v1/signin-anonymously').set('x-device-id', DEVICE).send({}), 400, 'invalid_password');
    await setConfig({ fail: {} });
    await signIn('alice');
  });

  it('delays every auth response by latency_ms', async () => {
    await setConfig({ latency_ms: 300 });
    const started = Date.now();
    await api().post('/auth/v1/signin/anonymously').set('x-device-id', DEVICE).send({}).expect(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const control = Date.now();
    await api().get('/__emulator/config').expect(200);
    expect(Date.now() - control).toBeLessThan(290);
  });

  it('drops a call whose caller gave up during the latency: a timed-out refresh leaves the refresh token unspent', async () => {
    await seedUser({ username: 'alice', password: PASSWORD });
    const tokens = await signIn('alice');
    await setConfig({ latency_ms: 300 });
    const refresh = (signal?: AbortSignal) =>
      fetch(`${emu.url}/auth/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
        ...(signal ? { signal } : {}),
      });
    await expect(refresh(AbortSignal.timeout(50))).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 400));
    await setConfig({ latency_ms: 0 });
    expect((await refresh()).status).toBe(200);
  });
});

describe('injected faults: a share of calls failing or slow, by a seed', () => {
  const anonymous = () => api().post('/auth/v1/signin/anonymously').set('x-device-id', DEVICE).send({});
  /** Statuses of `n` sequential anonymous sign-ins. */
  async function statuses(n: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await anonymous()).status);
    return out;
  }

  it('accepts a bare path in `fail` as well as `METHOD path`', async () => {
    await setConfig({ fail: { '/auth/v1/signin/anonymously': 'unavailable' } });
    expectError(await anonymous(), 503, 'unavailable');
    // the alias is failed by the documented bare path too
    expectError(await api().post('/auth/v1/signin-anonymously').set('x-device-id', DEVICE).send({}), 503, 'unavailable');
    await setConfig({ fail: { '*': 'internal' } });
    expectError(await api().get('/auth/v1/user/provider'), 500, 'internal');
  });

  it('fails a share of calls with `fail_rate`, the same calls again for the same seed', async () => {
    await setConfig({ seed: 42, fail_rate: { 'POST /auth/v1/signin/anonymously': 0.3 } });
    const first = await statuses(60);
    await setConfig({ seed: 42 });
    const second = await statuses(60);
    expect(second).toEqual(first);
    const failed = first.filter((s) => s === 503).length;
    expect(first.filter((s) => s !== 503 && s !== 200)).toEqual([]);
    // 60 draws at 0.3: anything outside 5..31 would be a broken generator, not chance (p < 1e-5).
    expect(failed).toBeGreaterThanOrEqual(5);
    expect(failed).toBeLessThanOrEqual(31);
    await setConfig({ seed: 43 });
    expect(await statuses(60)).not.toEqual(first);
  });

  it('names the error of a drawn failure, and a failed call does not run its operation', async () => {
    await seedUser({ username: 'alice', password: PASSWORD });
    const tokens = await signIn('alice');
    await setConfig({ fail_rate: { '/auth/v1/token': { rate: 1, error: 'temporarily_unavailable' } } });
    const refresh = () => api().post('/auth/v1/token').send({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expectError(await refresh(), 503, 'temporarily_unavailable');
    await setConfig({ fail_rate: {} });
    // the refresh token was not spent by the failed call
    expect((await refresh()).status).toBe(200);
  });

  it('slows a share of calls by `latency` (ms plus jitter), by path', async () => {
    await setConfig({ seed: 5, latency: { 'POST /auth/v1/signin/anonymously': { ms: 150, jitter_ms: 100, rate: 0.5 } } });
    const took: number[] = [];
    for (let i = 0; i < 12; i++) {
      const started = Date.now();
      expect((await anonymous()).status).toBe(200);
      took.push(Date.now() - started);
    }
    // Lower bounds only: a slowed call cannot be faster than its latency; how many were slowed is the seed's.
    expect(took.filter((ms) => ms >= 145).length).toBeGreaterThanOrEqual(1);
    await setConfig({ latency: { '/auth/v1/token': { ms: 300 } } });
    const started = Date.now();
    await api().post('/auth/v1/token').send({});
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('refuses a malformed fault config with a 400 naming the field', async () => {
    const bad = [
      { fail_rate: { '*': 1.5 } },
      { fail_rate: { '*': { rate: 0.5, nonsense: 1 } } },
      { latency: { '*': { ms: -1 } } },
      { latency: { '*': { jitter_ms: 5 } } },
      { seed: 1.5 },
    ];
    for (const patch of bad) {
      const res = await api().put('/__emulator/config').send(patch);
      expectError(res, 400, 'invalid_argument');
      expect(res.body.error_description).toContain(Object.keys(patch)[0]);
    }
  });
});

describe('HTTP details', () => {
  it('echoes x-request-id', async () => {
    const res = await api().get('/auth/v1/user/me').set('x-request-id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('answers 404 not_found for unknown auth paths and 400 invalid_argument for malformed JSON', async () => {
    expectError(await api().get('/auth/v1/nope'), 404, 'not_found');
    expectError(await api().post('/auth/v1/signin').set('content-type', 'application/json').send('{"username":'), 400, 'invalid_argument');
    expectError(await api().post('/auth/v1/signin').set('content-type', 'application/json').send('[1]'), 400, 'invalid_argument');
  });

  it('reads JSON sent as text/plain (as the official SDK does)', async () => {
    const res = await api()
      .post('/auth/v1/signin/anonymously')
      .set('x-device-id', DEVICE)
      .set('content-type', 'text/plain;charset=UTF-8')
      .send('{}');
    expect(res.status).toBe(200);
  });
});
