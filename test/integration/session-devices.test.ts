import type TestAgent from 'supertest/lib/agent.js';
import { csrfFrom, startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { finishApiSuite, mobile, RELAXED_LIMITS, type MobileClient } from '../support/api.js';
import { sessionIdFromCookie } from '../support/sessions.js';
import { publicSessionId } from '../../src/session/directory.js';
import { failedPost } from '../support/prg.js';

/**
 * Ending another device when the gateway cannot use that session's own tokens (its data lost, or sealed with a key
 * that is gone): the device id it signed in with, kept in the user's index, ends its sessions at CloudBase
 * (`DELETE /user/authorized/devices/{id}`), and only that device's.
 */
let gw: TestGateway;
let seq = 0;

beforeAll(async () => {
  gw = await startTestGateway({ env: RELAXED_LIMITS });
});

afterAll(() => finishApiSuite(gw));

async function newUser(): Promise<{ username: string; password: string; sub: string }> {
  seq += 1;
  const user = { username: `farDevice${seq}`, password: `Passw0rd!far${seq}` };
  gw.secrets.add(user.password);
  const { sub } = await gw.emu.createUser(user);
  return { ...user, sub };
}

interface Device {
  agent: TestAgent;
  sid: string;
  did: string;
}

async function browserSignIn(user: { username: string; password: string }): Promise<Device> {
  const agent = gw.agent();
  const res = await submitForm(agent, '/login', '/login', { username: user.username, password: user.password });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/');
  const sid = sessionIdFromCookie(res.headers['set-cookie']);
  const did = (await gw.store.read(sid))?.did;
  if (!did) throw new Error('the signed-in session holds no device id');
  return { agent, sid, did };
}

/** A sign-in made straight at CloudBase (another app of the same user): never the gateway's to end. */
async function outsideSignIn(user: { username: string; password: string }, deviceId: string): Promise<string> {
  const res = await fetch(`${gw.emulator.url}/auth/v1/signin?client_id=test-client`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-device-id': deviceId,
      authorization: `Basic ${Buffer.from('test-client:test-secret').toString('base64')}`,
    },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { refresh_token: string };
  gw.secrets.add(body.refresh_token);
  return body.refresh_token;
}

/** Whether CloudBase still refreshes `refreshToken` (it rotates: the answer's new token is kept for the leak guard). */
async function refreshes(refreshToken: string): Promise<boolean> {
  const res = await fetch(`${gw.emulator.url}/auth/v1/token?client_id=test-client`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-device-id': 'test-refresh-probe-device',
      authorization: `Basic ${Buffer.from('test-client:test-secret').toString('base64')}`,
    },
    body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  const body = (await res.json()) as { refresh_token?: string; access_token?: string };
  if (body.refresh_token) gw.secrets.add(body.refresh_token);
  if (body.access_token) gw.secrets.add(body.access_token);
  return res.status === 200 && typeof body.access_token === 'string';
}

/** The live refresh tokens CloudBase holds for the user's sessions on `deviceId`. */
function upstreamRefreshTokens(sub: string, deviceId: string): string[] {
  const state = gw.emulator.state;
  const sessions = new Set([...state.sessions.values()].filter((s) => s.sub === sub && s.deviceId === deviceId).map((s) => s.id));
  return [...state.refreshTokens].filter(([, r]) => sessions.has(r.sessionId) && !r.used).map(([token]) => token);
}

/** The session's stored secrets no longer open (as after its key left TOKEN_ENCRYPTION_KEYS). */
async function makeUnreadable(sid: string): Promise<void> {
  const key = gw.store.keys.session(sid);
  const d = JSON.parse((await gw.redis.hget(key, 'd'))!) as Record<string, unknown>;
  expect(typeof d.x).toBe('string');
  d.x = `${String(d.x).slice(0, -8)}AAAAAAAA`;
  await gw.redis.hset(key, 'd', JSON.stringify(d));
}

/** The session's data is gone from Redis (lost in a failover), its index entry left behind. */
async function loseData(sid: string): Promise<void> {
  await gw.redis.del(gw.store.keys.session(sid));
}

async function signedIn(agent: TestAgent): Promise<boolean> {
  return (await agent.get('/account/sessions')).status === 200;
}

describe('signing out one device whose session the gateway cannot read', () => {
  it('ends that device at CloudBase (its refresh fails) and no other device', async () => {
    const user = await newUser();
    const me = await browserSignIn(user);
    const lost = await browserSignIn(user);
    const bystander = await browserSignIn(user);
    const outside = await outsideSignIn(user, 'outside-app-device-0001');
    const lostTokens = upstreamRefreshTokens(user.sub, lost.did);
    expect(lostTokens).toHaveLength(1);
    gw.secrets.add(lostTokens[0]!);

    // the page listed it; its data became unreadable before the click
    const csrf = await csrfFrom(me.agent, '/account/sessions');
    await makeUnreadable(lost.sid);
    const before = (await gw.emu.stats())[`DELETE /auth/v1/user/authorized/devices/${lost.did}`] ?? 0;
    const res = await me.agent.post(`/account/sessions/${publicSessionId(lost.sid)}/revoke`).type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/sessions?notice=session_revoked');

    expect(upstreamRefreshTokens(user.sub, lost.did)).toEqual([]);
    expect(await refreshes(lostTokens[0]!)).toBe(false);
    expect(await gw.index.members(user.sub)).not.toContain(lost.sid);
    expect(await refreshes(outside)).toBe(true);
    expect(upstreamRefreshTokens(user.sub, me.did)).toHaveLength(1);
    expect(upstreamRefreshTokens(user.sub, bystander.did)).toHaveLength(1);
    expect(await signedIn(me.agent)).toBe(true);
    expect(await signedIn(bystander.agent)).toBe(true);
    // exactly one device call, by the device id the session signed in with
    expect(((await gw.emu.stats())[`DELETE /auth/v1/user/authorized/devices/${lost.did}`] ?? 0) - before).toBe(1);
  });

  it('drops a session it finds unreadable or lost from the sessions page and ends its device at CloudBase', async () => {
    const user = await newUser();
    const me = await browserSignIn(user);
    const unreadable = await browserSignIn(user);
    const lost = await browserSignIn(user);
    const kept = await browserSignIn(user);
    const doomed = [unreadable, lost].flatMap((d) => upstreamRefreshTokens(user.sub, d.did));
    expect(doomed).toHaveLength(2);
    for (const t of doomed) gw.secrets.add(t);
    await makeUnreadable(unreadable.sid);
    await loseData(lost.sid);

    const page = await me.agent.get('/account/sessions?lang=en');
    expect(page.status).toBe(200);
    expect(page.text.match(/<li data-session=/g)).toHaveLength(2);
    for (const t of doomed) expect(await refreshes(t)).toBe(false);
    expect(upstreamRefreshTokens(user.sub, kept.did)).toHaveLength(1);
    expect(upstreamRefreshTokens(user.sub, me.did)).toHaveLength(1);
    expect(await signedIn(kept.agent)).toBe(true);
  });

  it('still answers 404 for a session id the user never had, calling CloudBase for nothing', async () => {
    const user = await newUser();
    const me = await browserSignIn(user);
    const calls = Object.entries(await gw.emu.stats()).filter(([k]) => k.includes('/user/authorized/devices/')).reduce((n, [, v]) => n + v, 0);
    const res = await failedPost(me.agent, '/account/sessions', '/account/sessions/AAAAAAAAAAAAAAAAAAAAAA/revoke', {});
    expect(res.location).toBe('/account/sessions');
    expect(res.errorStatus).toBe(404);
    const after = Object.entries(await gw.emu.stats()).filter(([k]) => k.includes('/user/authorized/devices/')).reduce((n, [, v]) => n + v, 0);
    expect(after).toBe(calls);
  });
});

describe('signing out the other devices while some of their sessions cannot be read', () => {
  it('ends each of them at CloudBase by its device, keeps the caller\'s device and sign-ins made elsewhere', async () => {
    const user = await newUser();
    const me = await browserSignIn(user);
    const unreadable = await browserSignIn(user);
    const lost = await browserSignIn(user);
    const readable = await browserSignIn(user);
    const app: MobileClient = mobile(gw);
    expect((await app.post('/api/session/login', { username: user.username, password: user.password })).status).toBe(200);
    const outside = await outsideSignIn(user, 'outside-app-device-0002');
    const doomed = [unreadable, lost, readable].flatMap((d) => upstreamRefreshTokens(user.sub, d.did));
    expect(doomed).toHaveLength(3);
    for (const t of doomed) gw.secrets.add(t);

    await makeUnreadable(unreadable.sid);
    await loseData(lost.sid);
    const res = await submitForm(me.agent, '/account/sessions', '/account/sessions/revoke-others', {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/sessions?notice=others_revoked');

    for (const d of [unreadable, lost, readable]) expect(upstreamRefreshTokens(user.sub, d.did)).toEqual([]);
    for (const t of doomed) expect(await refreshes(t)).toBe(false);
    expect((await app.get('/api/session')).status).toBe(401);
    expect(await gw.index.members(user.sub)).toEqual([me.sid]);
    expect(upstreamRefreshTokens(user.sub, me.did)).toHaveLength(1);
    expect(await signedIn(me.agent)).toBe(true);
    expect(await refreshes(outside)).toBe(true);
  });

  it('"sign out everywhere" that CloudBase did not confirm ends the lost ones by device too', async () => {
    const user = await newUser();
    const me = await browserSignIn(user);
    const lost = await browserSignIn(user);
    const doomed = upstreamRefreshTokens(user.sub, lost.did);
    for (const t of doomed) gw.secrets.add(t);
    await loseData(lost.sid);
    await gw.emu.setConfig({ fail: { 'DELETE /auth/v1/user/revoke/all': 'unavailable' } });
    try {
      const res = await submitForm(me.agent, '/account/sessions', '/account/sessions/revoke-all', {});
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login?notice=signed_out_everywhere');
    } finally {
      await gw.emu.setConfig({ fail: {} });
    }
    expect(upstreamRefreshTokens(user.sub, lost.did)).toEqual([]);
    expect(await refreshes(doomed[0]!)).toBe(false);
    expect(await signedIn(me.agent)).toBe(false);
  });

  it('does the same from the JSON API (token mode)', async () => {
    const user = await newUser();
    const app: MobileClient = mobile(gw);
    expect((await app.post('/api/session/login', { username: user.username, password: user.password })).status).toBe(200);
    const lost = await browserSignIn(user);
    const lostTokens = upstreamRefreshTokens(user.sub, lost.did);
    for (const t of lostTokens) gw.secrets.add(t);
    await loseData(lost.sid);

    const res = await app.post('/api/sessions/revoke-others', {});
    expect(res.status).toBe(200);
    expect(upstreamRefreshTokens(user.sub, lost.did)).toEqual([]);
    expect(await refreshes(lostTokens[0]!)).toBe(false);
    expect((await app.get('/api/session')).status).toBe(200);
  });
});
