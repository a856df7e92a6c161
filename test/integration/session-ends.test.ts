import supertest from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { finishApiSuite, mobile, phoneNumbers, RELAXED_LIMITS, spa, type MobileClient } from '../support/api.js';
import { sessionIdFromCookie, waitFor } from '../support/sessions.js';

/**
 * Sessions that must end: every session of an account whose password was reset (cookie and token sessions, here and
 * at CloudBase), and the session a sign-in replaces (its CloudBase tokens revoked, not left alive upstream).
 */
let gw: TestGateway;
const newPhone = phoneNumbers(47_000);
const canonical = (national: string) => `+86 ${national}`;

beforeAll(async () => {
  gw = await startTestGateway({ env: RELAXED_LIMITS });
});

afterAll(() => finishApiSuite(gw));

function secret(password: string): string {
  gw.secrets.add(password);
  return password;
}

/** CloudBase's answer for a token: `{}` once it was revoked. */
async function introspect(accessToken: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${gw.emulator.url}/auth/v1/token/introspect`, {
    headers: { authorization: `Bearer ${accessToken}`, 'x-device-id': 'test-introspect-device' },
  });
  return (await res.json()) as Record<string, unknown>;
}

/** The CloudBase access token held by the session `sid` (read straight from Redis). */
async function accessTokenOf(sid: string): Promise<string> {
  const s = await gw.store.read(sid);
  if (!s?.auth?.at) throw new Error(`session ${sid} holds no tokens`);
  return s.auth.at;
}

const tokenSid = (app: MobileClient) => app.token!.split('.')[0]!;
const calls = async (route: string) => (await gw.emu.stats())[route] ?? 0;

async function isSignedInBrowser(agent: TestAgent): Promise<boolean> {
  return (await agent.get('/account/sessions')).status === 200;
}

async function tokenStatuses(apps: MobileClient[]): Promise<number[]> {
  return Promise.all(apps.map(async (a) => (await supertest(gw.server).get('/api/session').set('Authorization', `Session ${a.token}`)).status));
}

describe('a password reset', () => {
  async function accountWithSessions(tokens: number, browsers: number) {
    const phone = newPhone();
    const password = secret(`Old!passw0rd-${phone}`);
    const { sub } = await gw.emu.createUser({ phone_number: canonical(phone), password, name: 'Resetter' });
    const apps: MobileClient[] = [];
    for (let i = 0; i < tokens; i++) {
      const app = mobile(gw);
      expect((await app.post('/api/session/login', { username: phone, password })).status).toBe(200);
      apps.push(app);
    }
    const agents: TestAgent[] = [];
    for (let i = 0; i < browsers; i++) {
      const agent = gw.agent();
      expect((await submitForm(agent, '/login', '/login', { username: phone, password })).headers.location).toBe('/');
      agents.push(agent);
    }
    const accessTokens = await Promise.all(apps.map((a) => accessTokenOf(tokenSid(a))));
    return { phone, sub, apps, agents, accessTokens };
  }

  it('from the form ends all 37 token and 3 browser sessions here and at CloudBase, while they keep calling', async () => {
    const { phone, sub, apps, agents, accessTokens } = await accountWithSessions(37, 3);
    const revokeAllBefore = await calls('DELETE /auth/v1/user/revoke/all');

    const resetter = gw.agent();
    expect((await submitForm(resetter, '/password/reset', '/password/reset/code', { phone_number: phone })).status).toBe(303);
    const code = await gw.emu.sms(canonical(phone));
    const busy = apps.map((a) => a.get('/api/sessions'));
    const res = await submitForm(resetter, '/password/reset', '/password/reset', { verification_code: code, new_password: secret('New!passw0rd-reset1') });
    await Promise.all(busy);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?notice=password_reset');

    expect((await tokenStatuses(apps)).filter((s) => s !== 401)).toEqual([]);
    for (const agent of agents) expect(await isSignedInBrowser(agent)).toBe(false);
    expect(await gw.index.members(sub)).toEqual([]);
    expect(await calls('DELETE /auth/v1/user/revoke/all')).toBe(revokeAllBefore + 1);
    for (const at of accessTokens.slice(0, 5)) expect(await introspect(at)).toEqual({});
    // The new password works, and its sign-in is a session of its own.
    expect((await spa(gw).post('/api/session/login', { username: phone, password: 'New!passw0rd-reset1' })).status).toBe(200);
  });

  it('from a native app ends the account’s other sessions too', async () => {
    const { phone, apps, agents } = await accountWithSessions(4, 2);
    const app = mobile(gw);
    expect((await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'reset' })).status).toBe(200);
    expect((await app.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(canonical(phone)) })).body.next).toBe('reset_password');
    expect((await app.post('/api/session/password/reset', { new_password: secret('New!passw0rd-reset2') })).status).toBe(204);
    expect(await tokenStatuses(apps)).toEqual([401, 401, 401, 401]);
    for (const agent of agents) expect(await isSignedInBrowser(agent)).toBe(false);
  });
});

describe('a password reset when CloudBase does not help', () => {
  afterEach(async () => {
    await gw.emu.setConfig({ fail: {} });
  });

  async function resetWith(phone: string, newPassword: string, fail: Record<string, string>) {
    const resetter = gw.agent();
    expect((await submitForm(resetter, '/password/reset', '/password/reset/code', { phone_number: phone })).status).toBe(303);
    const code = await gw.emu.sms(canonical(phone));
    await gw.emu.setConfig({ fail });
    return submitForm(resetter, '/password/reset', '/password/reset', { verification_code: code, new_password: secret(newPassword) });
  }

  it('revokes each session upstream itself when revoke-all is refused, and still ends them all here', async () => {
    const phone = newPhone();
    const password = secret(`Old!passw0rd-${phone}`);
    const { sub } = await gw.emu.createUser({ phone_number: canonical(phone), password });
    const apps = await Promise.all(Array.from({ length: 9 }, async () => {
      const app = mobile(gw);
      expect((await app.post('/api/session/login', { username: phone, password })).status).toBe(200);
      return app;
    }));
    const before = await calls('POST /auth/v1/revoke');
    const res = await resetWith(phone, 'New!passw0rd-reset3', { 'DELETE /auth/v1/user/revoke/all': 'unavailable' });
    expect(res.status).toBe(303);
    expect(await tokenStatuses(apps)).toEqual(Array(9).fill(401));
    expect(await gw.index.members(sub)).toEqual([]);
    // Nine sessions, plus the token the gateway signed in with to learn who the account was.
    await waitFor('the revocations', async () => (await calls('POST /auth/v1/revoke')) >= before + 10);
    expect(await calls('POST /auth/v1/revoke')).toBe(before + 10);
  });

  it('still resets, and says so in the log, when the gateway cannot sign in to learn the account', async () => {
    const phone = newPhone();
    await gw.emu.createUser({ phone_number: canonical(phone), password: secret(`Old!passw0rd-${phone}`) });
    const res = await resetWith(phone, 'New!passw0rd-reset4', { 'POST /auth/v1/signin': 'captcha_required' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?notice=password_reset');
    expect(gw.logs.some((l) => l.includes('sessions of a reset account not ended'))).toBe(true);
  });
});

describe('signing in over a signed-in session', () => {
  async function user(name: string) {
    const password = secret(`Passw0rd!${name}`);
    const username = `${name}${newPhone()}`;
    const { sub } = await gw.emu.createUser({ username, password });
    return { username, password, sub };
  }

  // A browser's forms sign in over a guest only (a registered session is sent on from them: guest-pages.test.ts); an
  // app's API sign-in replaces whatever session its browser holds.
  it('revokes the replaced browser session at CloudBase, for another account and for the same one', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const app = spa(gw);
    const first = await app.post('/api/session/login', { username: alice.username, password: alice.password });
    expect(first.status).toBe(200);
    const aliceSid = sessionIdFromCookie(first.headers['set-cookie']);
    const aliceAt = await accessTokenOf(aliceSid);
    expect(await introspect(aliceAt)).toMatchObject({ sub: alice.sub });

    const second = await app.post('/api/session/login', { username: bob.username, password: bob.password });
    expect(second.status).toBe(200);
    const bobSid = sessionIdFromCookie(second.headers['set-cookie']);
    expect(bobSid).not.toBe(aliceSid);
    expect(await introspect(aliceAt)).toEqual({});
    expect(await gw.store.read(aliceSid)).toBeNull();
    expect(await gw.index.members(alice.sub)).toEqual([]);

    const bobAt = await accessTokenOf(bobSid);
    const third = await app.post('/api/session/login', { username: bob.username, password: bob.password });
    expect(third.status).toBe(200);
    expect(await introspect(bobAt)).toEqual({});
    expect(await gw.index.members(bob.sub)).toEqual([sessionIdFromCookie(third.headers['set-cookie'])]);
    expect(await isSignedInBrowser(app.agent)).toBe(true);
  });

  it('revokes the replaced guest session at CloudBase when the guest signs in with the form', async () => {
    const dora = await user('dora');
    const agent = gw.agent();
    const guest = await submitForm(agent, '/login', '/login/anonymous', {});
    expect(guest.status).toBe(303);
    const guestSid = sessionIdFromCookie(guest.headers['set-cookie']);
    const guestAt = await accessTokenOf(guestSid);
    expect(await introspect(guestAt)).not.toEqual({});

    const signed = await submitForm(agent, '/login', '/login', { username: dora.username, password: dora.password });
    expect(signed.status).toBe(303);
    expect(sessionIdFromCookie(signed.headers['set-cookie'])).not.toBe(guestSid);
    expect(await introspect(guestAt)).toEqual({});
    expect(await gw.store.read(guestSid)).toBeNull();
    expect(await isSignedInBrowser(agent)).toBe(true);
  });

  it('revokes the replaced token session at CloudBase', async () => {
    const carol = await user('carol');
    const app = mobile(gw);
    expect((await app.post('/api/session/login', { username: carol.username, password: carol.password })).status).toBe(200);
    const oldToken = app.token!;
    const oldAt = await accessTokenOf(tokenSid(app));
    expect((await app.post('/api/session/anonymous', {})).status).toBe(200);
    expect(app.token).not.toBe(oldToken);
    expect(await introspect(oldAt)).toEqual({});
    expect((await supertest(gw.server).get('/api/session').set('Authorization', `Session ${oldToken}`)).status).toBe(401);
    expect(await gw.index.members(carol.sub)).toEqual([]);
  });
});
