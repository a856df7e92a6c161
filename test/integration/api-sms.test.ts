import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectApiError, mobile, phoneNumbers, RELAXED_LIMITS, sessionCookieOf, spa, type ApiClient, finishApiSuite } from '../support/api.js';

let gw: TestGateway;
const newPhone = phoneNumbers(2000);
const canonical = (national: string) => `+86 ${national}`;

beforeAll(async () => {
  gw = await startTestGateway({ env: RELAXED_LIMITS });
});

afterEach(async () => {
  await gw.emu.setConfig({ fail: {} });
});

afterAll(() => finishApiSuite(gw));

function secret(password: string): string {
  gw.secrets.add(password);
  return password;
}

function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

/** Sends a code for `purpose` and returns the code the emulator sent. */
async function sendCode(app: ApiClient, phone: string, purpose: string): Promise<string> {
  const res = await app.post('/api/session/sms/send', { phone_number: phone, purpose });
  expect(res.status).toBe(200);
  return gw.emu.sms(canonical(phone));
}

async function registered(name: string, password?: string): Promise<string> {
  const phone = newPhone();
  await gw.emu.createUser({ phone_number: canonical(phone), name, ...(password ? { password } : {}) });
  return phone;
}

describe('SMS sign-up', () => {
  it('sends a code, verifies it, creates the account and signs in with a new session id', async () => {
    const app = spa(gw);
    const phone = newPhone();
    const sent = await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'signup' });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ expires_in: expect.any(Number), is_user: false });
    const preLogin = sessionCookieOf(sent)!.split(';')[0];

    const verified = await app.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(canonical(phone)) });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ authenticated: false, next: 'signup' });

    const done = await app.post('/api/session/signup', { name: 'Bob', username: `bob-${phone}`, password: secret('Str0ng!pass-bob') });
    expect(done.status).toBe(200);
    expect(done.body.user).toMatchObject({ name: 'Bob', username: `bob-${phone}`, phone_number: canonical(phone), anonymous: false });
    expect(sessionCookieOf(done)!.split(';')[0]).not.toBe(preLogin);
    expect((await app.get('/api/session')).body.user.name).toBe('Bob');
  });

  it('signs in instead when the number already has an account', async () => {
    const phone = await registered('Carol');
    const app = spa(gw);
    const sent = await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'signup' });
    // Not told before the code is proved: the verified code signs the owner in instead.
    expect(sent.body.is_user).toBe(false);
    const verified = await app.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(canonical(phone)) });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ authenticated: true, user: { name: 'Carol' } });
  });

  it('accepts a profile with no optional field', async () => {
    const app = spa(gw);
    const phone = newPhone();
    await app.post('/api/session/sms/verify', { verification_code: await sendCode(app, phone, 'signup') });
    const done = await app.post('/api/session/signup', {});
    expect(done.status).toBe(200);
    expect(done.body.user.phone_number).toBe(canonical(phone));
  });

  it('refuses sign-up before a code was verified (409)', async () => {
    const app = spa(gw);
    expectApiError(await app.post('/api/session/signup', { name: 'Nobody' }), 409, 'flow_expired');
    await sendCode(app, newPhone(), 'signup');
    expectApiError(await app.post('/api/session/signup', { name: 'Nobody' }), 409, 'flow_expired');
  });

  it.each([
    ['username_already_exists', { username: 'taken-name' }, 409, 'username_taken'],
    ['already_exists', { username: 'taken-name' }, 409, 'username_taken'],
    ['already_exists', {}, 409, 'already_exists'],
    ['weak_password', { password: 'weakweak' }, 400, 'weak_password'],
    ['invalid_argument', {}, 409, 'flow_expired'],
    ['unavailable', {}, 503, 'upstream_unavailable'],
  ])('maps CloudBase %s (body %j) to %i %s', async (error, body, status, code) => {
    const app = spa(gw);
    await app.post('/api/session/sms/verify', { verification_code: await sendCode(app, newPhone(), 'signup') });
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/signup': error } });
    expectApiError(await app.post('/api/session/signup', body), status, code);
  });

  it('keeps the verified code after a refused username, so the next try works', async () => {
    const app = spa(gw);
    await app.post('/api/session/sms/verify', { verification_code: await sendCode(app, newPhone(), 'signup') });
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/signup': 'username_already_exists' } });
    expectApiError(await app.post('/api/session/signup', { username: 'taken' }), 409, 'username_taken');
    await gw.emu.setConfig({ fail: {} });
    expect((await app.post('/api/session/signup', { username: `free-${Date.now()}` })).status).toBe(200);
  });
});

describe('when a caller probes numbers by asking for codes before proving any', () => {
  it('gives registered and unregistered numbers the same answer, for every purpose, many at once', async () => {
    const known = await Promise.all(['Pia', 'Quinn', 'Ravi', 'Sol'].map((n) => registered(n)));
    const unknown = [newPhone(), newPhone(), newPhone(), newPhone()];
    for (const purpose of ['login', 'signup', 'reset']) {
      const answers = await Promise.all(
        [...known, ...unknown].map(async (phone) => {
          const res = await spa(gw).post('/api/session/sms/send', { phone_number: phone, purpose });
          expect(res.status).toBe(200);
          return JSON.stringify(res.body);
        }),
      );
      expect(new Set(answers)).toEqual(new Set([JSON.stringify({ expires_in: 600, is_user: false })]));
    }
  });

  it('tells what comes next only after a correct code', async () => {
    const known = await registered('Tao');
    const unknown = newPhone();
    const [a, b] = [spa(gw), spa(gw)];
    const [codeA, codeB] = await Promise.all([sendCode(a, known, 'login'), sendCode(b, unknown, 'login')]);
    expectApiError(await a.post('/api/session/sms/verify', { verification_code: wrongCode(codeA) }), 400, 'invalid_code');
    expectApiError(await b.post('/api/session/sms/verify', { verification_code: wrongCode(codeB) }), 400, 'invalid_code');
    expect((await a.post('/api/session/sms/verify', { verification_code: codeA })).body).toMatchObject({ authenticated: true, user: { name: 'Tao' } });
    expect((await b.post('/api/session/sms/verify', { verification_code: codeB })).body).toEqual({ authenticated: false, next: 'signup' });
  });
});

describe('SMS sign-in', () => {
  it('signs a registered number in', async () => {
    const phone = await registered('Dora');
    const app = spa(gw);
    const sent = await app.post('/api/session/sms/send', { phone_number: `+86 ${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`, purpose: 'login' });
    expect(sent.body.is_user).toBe(false);
    const res = await app.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(canonical(phone)) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ authenticated: true, user: { name: 'Dora', phone_number: canonical(phone) } });
  });

  it('continues an unregistered number as sign-up', async () => {
    const app = spa(gw);
    const phone = newPhone();
    const verified = await app.post('/api/session/sms/verify', { verification_code: await sendCode(app, phone, 'login') });
    expect(verified.body).toEqual({ authenticated: false, next: 'signup' });
    const done = await app.post('/api/session/signup', { name: 'Eve' });
    expect(done.status).toBe(200);
    expect(done.body.user.phone_number).toBe(canonical(phone));
  });

  it('refuses a wrong code, then takes the right one', async () => {
    const phone = await registered('Finn');
    const app = spa(gw);
    const code = await sendCode(app, phone, 'login');
    expectApiError(await app.post('/api/session/sms/verify', { verification_code: wrongCode(code) }), 400, 'invalid_code');
    expect((await app.post('/api/session/sms/verify', { verification_code: code })).status).toBe(200);
  });

  it('refuses verify without a flow (409) and a code that is not six digits (400)', async () => {
    const app = spa(gw);
    expectApiError(await app.post('/api/session/sms/verify', { verification_code: '123456' }), 409, 'flow_expired');
    await sendCode(app, newPhone(), 'login');
    const res = await app.post('/api/session/sms/verify', { verification_code: '12ab56' });
    expectApiError(res, 400, 'invalid_code_format');
    expect(res.body.error.field).toBe('verification_code');
  });

  it.each([
    ['invalid_verification_code', 400, 'invalid_code'],
    ['invalid_argument', 400, 'invalid_code'],
    ['rate_limit_exceeded', 429, 'rate_limited'],
    ['deadline_exceeded', 504, 'upstream_timeout'],
  ])('maps CloudBase %s on verify to %i %s', async (error, status, code) => {
    const app = spa(gw);
    const sent = await sendCode(app, newPhone(), 'login');
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/verification/verify': error } });
    expectApiError(await app.post('/api/session/sms/verify', { verification_code: sent }), status, code);
  });

  it('maps a refused sign-in with the verified code', async () => {
    const phone = await registered('Gus');
    const app = spa(gw);
    const code = await sendCode(app, phone, 'login');
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/signin': 'user_blocked' } });
    expectApiError(await app.post('/api/session/sms/verify', { verification_code: code }), 403, 'account_blocked');
  });
});

describe('when a caller asks for an SMS code', () => {
  it.each([
    ['an invalid number', { phone_number: '12345', purpose: 'login' }, 'invalid_phone', 'phone_number'],
    ['an unknown purpose', { phone_number: '13800000000', purpose: 'admin' }, 'invalid_input', 'purpose'],
    ['a missing purpose', { phone_number: '13800000000' }, 'invalid_input', 'purpose'],
    ['a number as a number', { phone_number: 13800000000, purpose: 'login' }, 'invalid_input', 'phone_number'],
  ])('refuses %s (400, naming the field)', async (_what, body, code, field) => {
    const res = await spa(gw).post('/api/session/sms/send', body);
    expectApiError(res, 400, code);
    expect(res.body.error.field).toBe(field);
  });

  // The refused second code within the cooldown is in pages-look.test.ts: the cooldown is LIMIT_SMS_COOLDOWN_S, which
  // this file's relaxed limits turn off.

  it.each([
    ['invalid_phone_number', 400, 'invalid_phone'],
    ['rate_limit_exceeded', 429, 'rate_limited'],
    ['unavailable', 503, 'upstream_unavailable'],
    ['invalid_client', 502, 'gateway_misconfigured'],
  ])('maps CloudBase %s to %i %s', async (error, status, code) => {
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/verification': error } });
    expectApiError(await spa(gw).post('/api/session/sms/send', { phone_number: newPhone(), purpose: 'login' }), status, code);
  });

  it('asks for a captcha, then sends with the answer', async () => {
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/verification': 'captcha_required' } });
    const app = spa(gw);
    const phone = newPhone();
    const first = await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'login' });
    expectApiError(first, 400, 'captcha_required');
    expect(first.body.captcha.image_url).toBe(`/captcha/${first.body.captcha.id}`);
    const key = [...gw.emulator.state.captchas.values()].at(-1)!.key;
    const res = await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'login', captcha_answer: key });
    expect(res.status).toBe(200);
  });
});

describe('password reset', () => {
  it('sends, verifies and sets the new password; the old one stops working', async () => {
    const oldPassword = secret('Old!passw0rd-1');
    const newPassword = secret('New!passw0rd-1');
    const phone = await registered('Hana', oldPassword);
    const app = spa(gw);
    const sent = await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'reset' });
    expect(sent.body).toEqual({ expires_in: expect.any(Number), is_user: false });
    const verified = await app.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(canonical(phone)) });
    expect(verified.body).toEqual({ authenticated: false, next: 'reset_password' });
    const done = await app.post('/api/session/password/reset', { new_password: newPassword });
    expect(done.status).toBe(204);
    expect((await app.get('/api/session')).status).toBe(401);

    expectApiError(await spa(gw).post('/api/session/login', { username: phone, password: oldPassword }), 401, 'login_failed');
    expect((await spa(gw).post('/api/session/login', { username: phone, password: newPassword })).status).toBe(200);
  });

  it('answers an unknown number exactly like a known one, and its code step like a wrong code', async () => {
    const app = spa(gw);
    const known = await registered('Ivan', 'Some!passw0rd');
    const unknown = await app.post('/api/session/sms/send', { phone_number: newPhone(), purpose: 'reset' });
    const knownRes = await spa(gw).post('/api/session/sms/send', { phone_number: known, purpose: 'reset' });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual(knownRes.body);
    expectApiError(await app.post('/api/session/sms/verify', { verification_code: '123456' }), 400, 'invalid_code');
  });

  it('refuses the new password before a verified code (409)', async () => {
    const app = spa(gw);
    expectApiError(await app.post('/api/session/password/reset', { new_password: 'New!passw0rd-2' }), 409, 'flow_expired');
    await sendCode(app, await registered('Jo', 'Some!passw0rd'), 'reset');
    expectApiError(await app.post('/api/session/password/reset', { new_password: 'New!passw0rd-2' }), 409, 'flow_expired');
  });

  it('refuses a missing new_password (400)', async () => {
    const res = await spa(gw).post('/api/session/password/reset', {});
    expectApiError(res, 400, 'invalid_input');
    expect(res.body.error.field).toBe('new_password');
  });

  it.each([
    ['weak_password', 400, 'weak_password', true],
    ['invalid_argument', 400, 'invalid_code', false],
  ])('maps CloudBase %s to %i %s (code still usable: %s)', async (error, status, code, usable) => {
    const app = spa(gw);
    const phone = await registered('Kim', 'Some!passw0rd');
    await app.post('/api/session/sms/verify', { verification_code: await sendCode(app, phone, 'reset') });
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/reset': error } });
    expectApiError(await app.post('/api/session/password/reset', { new_password: 'whatever-1' }), status, code);
    await gw.emu.setConfig({ fail: {} });
    const retry = await app.post('/api/session/password/reset', { new_password: secret('Retry!passw0rd-1') });
    if (usable) expect(retry.status).toBe(204);
    else expectApiError(retry, 409, 'flow_expired');
  });
});

describe('token mode', () => {
  it('runs the three-step sign-up on one pre-login token and ends with a new one, setting no cookie', async () => {
    const app = mobile(gw);
    const phone = newPhone();
    const sent = await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'signup' });
    expect(sent.status).toBe(200);
    const preLogin = sent.body.session_token as string;
    expect(preLogin).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);

    const verified = await app.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(canonical(phone)) });
    expect(verified.body).toEqual({ authenticated: false, next: 'signup', session_token: preLogin });

    const done = await app.post('/api/session/signup', { name: 'Mobile Max' });
    expect(done.status).toBe(200);
    expect(done.body.user.name).toBe('Mobile Max');
    const signedIn = done.body.session_token as string;
    expect(signedIn.split('.')[0]).not.toBe(preLogin.split('.')[0]);

    expect((await app.get('/api/session')).body.user.name).toBe('Mobile Max');
    app.token = preLogin;
    expect((await app.get('/api/session')).status).toBe(401);

    for (const res of [sent, verified, done]) expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('signs a registered number in at the code step', async () => {
    const phone = await registered('Lea');
    const app = mobile(gw);
    await sendCode(app, phone, 'login');
    const pre = app.token;
    const res = await app.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(canonical(phone)) });
    expect(res.body).toMatchObject({ authenticated: true, user: { name: 'Lea' }, session_token: expect.any(String) });
    expect(res.body.session_token).not.toBe(pre);
  });

  it('resets a password', async () => {
    const phone = await registered('Mia', 'Some!passw0rd');
    const app = mobile(gw);
    await app.post('/api/session/sms/verify', { verification_code: await sendCode(app, phone, 'reset') });
    const res = await app.post('/api/session/password/reset', { new_password: secret('Mobile!passw0rd-1') });
    expect(res.status).toBe(204);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('hands out the pre-login token with a wrong-code error, so the flow can go on', async () => {
    const app = mobile(gw);
    const phone = newPhone();
    const code = await sendCode(app, phone, 'signup');
    const wrong = await app.post('/api/session/sms/verify', { verification_code: wrongCode(code) });
    expectApiError(wrong, 400, 'invalid_code');
    expect(wrong.body.session_token).toBe(app.token);
    expect((await app.post('/api/session/sms/verify', { verification_code: code })).body.next).toBe('signup');
  });
});
