/**
 * The general code routes (`code/send`, `code/verify`) by email and by phone: sign-up, sign-in and password reset by a
 * code the emulator "mails", the same flow as the `sms/*` routes, and their bad input.
 */
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectApiError, finishApiSuite, mobile, phoneNumbers, RELAXED_LIMITS, sessionCookieOf, spa, type ApiClient } from '../support/api.js';

let gw: TestGateway;
const newPhone = phoneNumbers(5400);
let nextMail = 0;
/** Each test gets addresses of its own; mixed case, as people type them. */
const newEmail = (who = 'Person') => `${who}.${process.pid}.${nextMail++}@Example.COM`;
const canonicalEmail = (email: string) => email.toLowerCase();

beforeAll(async () => {
  gw = await startTestGateway({ env: RELAXED_LIMITS });
});

afterAll(() => finishApiSuite(gw));

function secret(password: string): string {
  gw.secrets.add(password);
  return password;
}

/** Sends a code to `email` for `purpose` with code/send and returns the code the emulator mailed. */
async function mailCode(app: ApiClient, email: string, purpose: string): Promise<string> {
  const res = await app.post('/api/session/code/send', { email, purpose });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ expires_in: expect.any(Number), is_user: false });
  return gw.emu.mail(canonicalEmail(email));
}

describe('email sign-up through code/send and code/verify', () => {
  it('mails a code, verifies it, creates the account with that email and signs in with a new session id', async () => {
    const app = spa(gw);
    const email = newEmail('Erin');
    const sent = await app.post('/api/session/code/send', { email, purpose: 'signup' });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ expires_in: expect.any(Number), is_user: false });
    const preLogin = sessionCookieOf(sent)!.split(';')[0];
    const verified = await app.post('/api/session/code/verify', { verification_code: await gw.emu.mail(canonicalEmail(email)) });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ authenticated: false, next: 'signup' });
    const done = await app.post('/api/session/signup', { name: 'Erin', password: secret('Str0ng!pass-erin') });
    expect(done.status).toBe(200);
    expect(done.body.user).toMatchObject({ name: 'Erin', email: canonicalEmail(email), phone_number: null, anonymous: false });
    expect(sessionCookieOf(done)!.split(';')[0]).not.toBe(preLogin);
    // The address with the password signs in, as CloudBase lets a username, an email or a phone do.
    const again = spa(gw);
    const login = await again.post('/api/session/login', { username: canonicalEmail(email), password: 'Str0ng!pass-erin' });
    expect(login.status).toBe(200);
    expect(login.body.user.sub).toBe(done.body.user.sub);
  });

  it('works the same in token mode: the flow gets its token from code/send and a new one when it signs in', async () => {
    const app = mobile(gw);
    const email = newEmail('Tokyo');
    await mailCode(app, email, 'signup');
    const first = app.token;
    expect(first).toBeDefined();
    expect((await app.post('/api/session/code/verify', { verification_code: await gw.emu.mail(canonicalEmail(email)) })).body).toMatchObject({ next: 'signup' });
    const done = await app.post('/api/session/signup', { name: 'Tokyo' });
    expect(done.status).toBe(200);
    expect(sessionCookieOf(done)).toBeUndefined();
    expect(app.token).not.toBe(first);
    expect((await app.get('/api/session')).body.user.email).toBe(canonicalEmail(email));
  });
});

describe('email sign-in by code', () => {
  it('signs a registered address in at code/verify, and sends an unregistered one on to sign-up', async () => {
    const email = canonicalEmail(newEmail('Known'));
    const { sub } = await gw.emu.createUser({ email, name: 'Known Person' });
    const app = spa(gw);
    await mailCode(app, email.toUpperCase(), 'login');
    const res = await app.post('/api/session/code/verify', { verification_code: await gw.emu.mail(email) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ authenticated: true, user: { sub, email, name: 'Known Person' } });

    const stranger = spa(gw);
    const unknown = newEmail('Stranger');
    await mailCode(stranger, unknown, 'login');
    const next = await stranger.post('/api/session/code/verify', { verification_code: await gw.emu.mail(canonicalEmail(unknown)) });
    expect(next.body).toEqual({ authenticated: false, next: 'signup' });
  });

  it('answers alike for registered and unregistered addresses before a code is proved', async () => {
    const known = canonicalEmail(newEmail('Alike'));
    await gw.emu.createUser({ email: known });
    for (const purpose of ['login', 'signup', 'reset']) {
      const a = await spa(gw).post('/api/session/code/send', { email: known, purpose });
      const b = await spa(gw).post('/api/session/code/send', { email: newEmail('Nobody'), purpose });
      expect([purpose, a.status, a.body]).toEqual([purpose, 200, b.body]);
    }
  });

  it('refuses a wrong code with invalid_code and signs nobody in', async () => {
    const email = canonicalEmail(newEmail('Wrong'));
    await gw.emu.createUser({ email });
    const app = spa(gw);
    const code = await mailCode(app, email, 'login');
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expectApiError(await app.post('/api/session/code/verify', { verification_code: wrong }), 400, 'invalid_code');
    expect((await app.get('/api/session')).status).toBe(401);
  });
});

describe('email password reset', () => {
  it('sets a new password with a mailed code and ends the account\'s other sessions', async () => {
    const email = canonicalEmail(newEmail('Reset'));
    await gw.emu.createUser({ email, password: secret('Old!passw0rd-reset') });
    const other = spa(gw);
    expect((await other.post('/api/session/login', { username: email, password: 'Old!passw0rd-reset' })).status).toBe(200);
    const app = spa(gw);
    await mailCode(app, email, 'reset');
    expect((await app.post('/api/session/code/verify', { verification_code: await gw.emu.mail(email) })).body).toEqual({ authenticated: false, next: 'reset_password' });
    expect((await app.post('/api/session/password/reset', { new_password: secret('New!passw0rd-reset') })).status).toBe(204);
    expect((await other.get('/api/session')).status).toBe(401);
    expect((await spa(gw).post('/api/session/login', { username: email, password: 'New!passw0rd-reset' })).status).toBe(200);
    expectApiError(await spa(gw).post('/api/session/login', { username: email, password: 'Old!passw0rd-reset' }), 401, 'login_failed');
  });
});

describe('code/send by phone is the same flow as sms/send', () => {
  it('signs up with a phone number through code/send, code/verify and signup', async () => {
    const app = spa(gw);
    const phone = newPhone();
    expect((await app.post('/api/session/code/send', { phone_number: phone, purpose: 'signup' })).status).toBe(200);
    expect((await app.post('/api/session/code/verify', { verification_code: await gw.emu.sms(`+86 ${phone}`) })).body).toMatchObject({ next: 'signup' });
    const done = await app.post('/api/session/signup', {});
    expect(done.body.user).toMatchObject({ phone_number: `+86 ${phone}`, email: null });
  });

  it('lets a flow started with sms/send finish with code/verify', async () => {
    const app = spa(gw);
    const phone = newPhone();
    expect((await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'signup' })).status).toBe(200);
    expect((await app.post('/api/session/code/verify', { verification_code: await gw.emu.sms(`+86 ${phone}`) })).body).toMatchObject({ next: 'signup' });
  });
});

describe('when code/send or code/verify gets bad input', () => {
  it('refuses neither contact and both contacts, saying to give one, and sends nothing', async () => {
    const before = (await gw.emu.stats())['POST /auth/v1/verification'] ?? 0;
    for (const body of [{ purpose: 'signup' }, { phone_number: newPhone(), email: newEmail(), purpose: 'signup' }]) {
      const res = await spa(gw).post('/api/session/code/send', body);
      expectApiError(res, 400, 'invalid_input');
      expect(res.body.error.message).toBe('Give either phone_number or email, not both.');
    }
    const zh = await spa(gw).call('post', '/api/session/code/send?lang=zh-CN', { purpose: 'login' });
    expect(zh.body.error.message).toContain('phone_number 或 email');
    expect((await gw.emu.stats())['POST /auth/v1/verification'] ?? 0).toBe(before);
  });

  const longest = `${'a'.repeat(250)}@example.com`;
  it.each([
    ...['not-an-email', 'two@@example.com', 'no-dot@example', ' @example.com', 'spa ce@example.com'].map((e) => [JSON.stringify(e), e]),
    [`one of ${longest.length} characters`, longest],
  ])('refuses the address %s with invalid_input on the email field', async (_label, email) => {
      const res = await spa(gw).post('/api/session/code/send', { email, purpose: 'login' });
      expectApiError(res, 400, 'invalid_input');
      expect(res.body.error).toMatchObject({ field: 'email' });
  });

  it('names the field for an empty, non-string or oversized email, an unknown purpose and an unknown field', async () => {
    const app = spa(gw);
    for (const [body, field] of [
      [{ email: '', purpose: 'login' }, 'email'],
      [{ email: 42, purpose: 'login' }, 'email'],
      [{ email: `${'b'.repeat(300)}@example.com`, purpose: 'login' }, 'email'],
      [{ email: newEmail(), purpose: 'contact' }, 'purpose'],
      [{ email: newEmail(), purpose: 'login', extra: true }, 'extra'],
    ] as const) {
      const res = await app.post('/api/session/code/send', body);
      expectApiError(res, 400, 'invalid_input');
      expect([JSON.stringify(body).slice(0, 40), res.body.error.field]).toEqual([JSON.stringify(body).slice(0, 40), field]);
    }
    expectApiError(await app.post('/api/session/code/verify', { verification_code: '123456', email: 'x@example.com' }), 400, 'invalid_input');
  });

  it('refuses code/verify with no flow (409) and a malformed code (400)', async () => {
    expectApiError(await spa(gw).post('/api/session/code/verify', { verification_code: '123456' }), 409, 'flow_expired');
    const app = spa(gw);
    await mailCode(app, newEmail(), 'signup');
    expectApiError(await app.post('/api/session/code/verify', { verification_code: '12ab56' }), 400, 'invalid_code_format');
  });

  it('keeps sms/send for phone numbers only: an email there is an unknown field', async () => {
    const res = await spa(gw).post('/api/session/sms/send', { email: newEmail(), purpose: 'login' });
    expectApiError(res, 400, 'invalid_input');
  });
});
