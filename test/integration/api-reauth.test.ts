import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectApiError, finishApiSuite, mobile, RELAXED_LIMITS, spa, type ApiClient } from '../support/api.js';

/**
 * Re-authentication by a code to the account's own phone (or email) over the JSON API: an account made by SMS, with
 * no password, sets a password, deletes itself, changes its contact; and any account may use a code instead of its
 * password. Real HTTP, the emulator and Redis.
 */
let gw: TestGateway;
let seq = 0;

beforeAll(async () => {
  gw = await startTestGateway({ env: RELAXED_LIMITS });
});

afterAll(() => finishApiSuite(gw));

const national = () => `1360000${String(++seq).padStart(4, '0')}`;
const masked = (n: string) => `+86 ${n.slice(0, 3)}****${n.slice(7)}`;
const userOf = (sub: string) => gw.emulator.state.users.get(sub);

/** An account made by an SMS code (no password), signed in the same way. */
async function smsOnly(app: ApiClient): Promise<{ phone: string; sub: string }> {
  const phone = national();
  const { sub } = await gw.emu.createUser({ phone_number: `+86 ${phone}` });
  expect((await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'login' })).status).toBe(200);
  const res = await app.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(`+86 ${phone}`) });
  expect(res.status).toBe(200);
  expect(res.body.user.sub).toBe(sub);
  return { phone, sub };
}

async function reauth(app: ApiClient, phone: string): Promise<void> {
  const sent = await app.post('/api/session/reauth/send', {});
  expect(sent.status).toBe(200);
  expect(sent.body).toEqual({ expires_in: expect.any(Number), sent_to: masked(phone) });
  const res = await app.post('/api/session/reauth/verify', { verification_code: await gw.emu.sms(`+86 ${phone}`) });
  expect(res.status).toBe(200);
  expect(Date.parse(res.body.reauthenticated_until)).toBeGreaterThan(Date.now());
}

function secret(password: string): string {
  gw.secrets.add(password);
  return password;
}

describe('an account made by SMS, without a password', () => {
  it('sets a password after a code to its own phone (token mode); the password then signs in, and the code is spent', async () => {
    const app = mobile(gw);
    const { phone, sub } = await smsOnly(app);
    expect(userOf(sub)?.passwordHash).toBeUndefined();
    const before = app.token;
    await reauth(app, phone);
    const password = secret(`Passw0rd!sms-${seq}`);
    const res = await app.post('/api/session/password', { new_password: password });
    expect(res.status).toBe(200);
    expect(res.body.user.sub).toBe(sub);
    expect(app.token).not.toBe(before);
    expect((await app.get('/api/session')).status).toBe(200);
    expect((await spa(gw).post('/api/session/login', { username: `+86 ${phone}`, password })).status).toBe(200);
    // the re-authentication was used up by the change
    expectApiError(await app.post('/api/session/password', { new_password: secret(`Passw0rd!again-${seq}`) }), 403, 'reauth_required');
  });

  it('deletes itself after a code; every session ends and CloudBase no longer has the user', async () => {
    const app = spa(gw);
    const { phone, sub } = await smsOnly(app);
    await reauth(app, phone);
    const res = await app.post('/api/session/delete', {});
    expect(res.status).toBe(204);
    expect(userOf(sub)).toBeUndefined();
    expect((await app.get('/api/session')).status).toBe(401);
  });

  it('is told to use a code when it types a password, and without either is refused; nothing changes', async () => {
    const app = spa(gw);
    const { sub } = await smsOnly(app);
    const typed = await app.post('/api/session/delete', { password: secret('Some-passw0rd!') });
    expectApiError(typed, 403, 'reauth_required');
    expect(typed.body.error.message).toMatch(/code/);
    const none = await app.post('/api/session/password', { new_password: secret('New-passw0rd!1') });
    expectApiError(none, 403, 'reauth_required');
    expect(none.body.error.field).toBe('old_password');
    expectApiError(await app.post('/api/session/delete', {}), 403, 'reauth_required');
    expect(userOf(sub)).toBeDefined();
    expect((await app.get('/api/session')).status).toBe(200);
  });

  it('refuses a wrong code with 400 invalid_code and stays unconfirmed; a code needs a send first', async () => {
    const app = spa(gw);
    const { phone, sub } = await smsOnly(app);
    expectApiError(await app.post('/api/session/reauth/verify', { verification_code: '123456' }), 409, 'flow_expired');
    await app.post('/api/session/reauth/send', {});
    const code = await gw.emu.sms(`+86 ${phone}`);
    const wrong = code === '000000' ? '111111' : '000000';
    expectApiError(await app.post('/api/session/reauth/verify', { verification_code: wrong }), 400, 'invalid_code');
    expectApiError(await app.post('/api/session/delete', {}), 403, 'reauth_required');
    expect((await app.post('/api/session/reauth/verify', { verification_code: code })).status).toBe(200);
    expect((await app.post('/api/session/delete', {})).status).toBe(204);
    expect(userOf(sub)).toBeUndefined();
  });

  it('a second code within the cooldown is 429 resend_too_soon', async () => {
    const cooled = await startTestGateway({ env: { ...RELAXED_LIMITS, LIMIT_SMS_COOLDOWN_S: '60' }, redisServer: gw.redisServer });
    try {
      const app = spa(cooled);
      const phone = national();
      const password = `Passw0rd!cool-${seq}`;
      cooled.secrets.add(password);
      await cooled.emu.createUser({ username: `cool${seq}`, phone_number: `+86 ${phone}`, password });
      expect((await app.post('/api/session/login', { username: `cool${seq}`, password })).status).toBe(200);
      expect((await app.post('/api/session/reauth/send', {})).status).toBe(200);
      const again = await app.post('/api/session/reauth/send', {});
      expectApiError(again, 429, 'resend_too_soon');
      expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      cooled.assertNoLeaks();
      await cooled.close();
    }
  });
});

describe('changing the contact by a code to the old one', () => {
  it('changes the phone with no password typed: codes to the new and the old phone', async () => {
    const app = spa(gw);
    const { phone, sub } = await smsOnly(app);
    const next = national();
    expect((await app.post('/api/session/contact/send', { phone_number: next })).status).toBe(200);
    const newCode = await gw.emu.sms(`+86 ${next}`);
    const without = await app.post('/api/session/contact/verify', { verification_code: newCode });
    expectApiError(without, 403, 'reauth_required');
    expect(without.body.error.field).toBe('password');
    await reauth(app, phone);
    const res = await app.post('/api/session/contact/verify', { verification_code: newCode });
    expect(res.status).toBe(200);
    expect(res.body.user.phone_number).toBe(`+86 ${next}`);
    expect(userOf(sub)?.phone_number).toBe(`+86 ${next}`);
  });

  it('works for an account with a password too, which may still use the password', async () => {
    const app = spa(gw);
    const phone = national();
    const password = secret(`Passw0rd!both-${seq}`);
    const { sub } = await gw.emu.createUser({ username: `both${seq}`, phone_number: `+86 ${phone}`, password });
    expect((await app.post('/api/session/login', { username: `both${seq}`, password })).status).toBe(200);
    await reauth(app, phone);
    const email = `both${seq}@example.com`;
    await app.post('/api/session/contact/send', { email });
    const code = await fetch(`${gw.emulator.url}/__emulator/sms?email=${encodeURIComponent(email)}`).then(async (r) => String(((await r.json()) as { verification_code: unknown }).verification_code));
    expect((await app.post('/api/session/contact/verify', { verification_code: code })).status).toBe(200);
    expect(userOf(sub)?.email).toBe(email);
  });
});

describe('who may re-authenticate by a code', () => {
  it('not a guest (403 forbidden), not a signed-out caller (401)', async () => {
    const guest = spa(gw);
    await guest.post('/api/session/anonymous', {});
    expectApiError(await guest.post('/api/session/reauth/send', {}), 403, 'forbidden');
    expectApiError(await spa(gw).post('/api/session/reauth/send', {}), 401, 'not_signed_in');
    expectApiError(await spa(gw).post('/api/session/password', { new_password: 'x' }), 401, 'not_signed_in');
    expectApiError(await spa(gw).post('/api/session/delete', {}), 401, 'not_signed_in');
  });

  it('not an account with neither phone nor email (403 reauth_required, nothing sent)', async () => {
    const app = spa(gw);
    const password = secret(`Passw0rd!plain-${++seq}`);
    await gw.emu.createUser({ username: `plain${seq}`, password });
    await app.post('/api/session/login', { username: `plain${seq}`, password });
    const sends = (await gw.emu.stats())['POST /auth/v1/verification'] ?? 0;
    expectApiError(await app.post('/api/session/reauth/send', {}), 403, 'reauth_required');
    expect((await gw.emu.stats())['POST /auth/v1/verification'] ?? 0).toBe(sends);
  });
});

describe('changing the password and deleting with the password (API)', () => {
  it('changes it with old_password; a wrong one is 403 wrong_password', async () => {
    const app = spa(gw);
    const password = secret(`Passw0rd!api-${++seq}`);
    await gw.emu.createUser({ username: `apipw${seq}`, password });
    await app.post('/api/session/login', { username: `apipw${seq}`, password });
    expectApiError(await app.post('/api/session/password', { old_password: 'Wrong-passw0rd!', new_password: secret(`Passw0rd!new-${seq}`) }), 403, 'wrong_password');
    const res = await app.post('/api/session/password', { old_password: password, new_password: `Passw0rd!new-${seq}` });
    expect(res.status).toBe(200);
    expect((await spa(gw).post('/api/session/login', { username: `apipw${seq}`, password: `Passw0rd!new-${seq}` })).status).toBe(200);
    expect((await app.post('/api/session/delete', { password: `Passw0rd!new-${seq}` })).status).toBe(204);
  });
});

describe('bad input', () => {
  it.each([
    ['/api/session/reauth/send', { extra: 1 }],
    ['/api/session/reauth/verify', {}],
    ['/api/session/reauth/verify', { verification_code: 'x'.repeat(50) }],
    ['/api/session/reauth/verify', { verification_code: 123456 }],
    ['/api/session/password', {}],
    ['/api/session/password', { new_password: '' }],
    ['/api/session/password', { new_password: 'x'.repeat(65) }],
    ['/api/session/password', { new_password: 'Passw0rd!x1', old_password: ['a'] }],
    ['/api/session/delete', { password: 5 }],
    ['/api/session/delete', { sudo_token: 'mine' }],
  ])('%s %j is 400 naming the problem, with nothing sent upstream', async (path, body) => {
    const app = spa(gw);
    const { sub } = await smsOnly(app);
    const calls = await gw.emu.stats();
    const res = await app.post(path, body);
    expectApiError(res, 400, 'invalid_input');
    expect(await gw.emu.stats()).toEqual(calls);
    expect(userOf(sub)).toBeDefined();
  });
});
