import cookieSignature from 'cookie-signature';
import supertest from 'supertest';
import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { cookiePair, sessionIdFromCookie } from '../support/sessions.js';
import { serializeSession } from '../../src/session/sealed-session.js';
import { createTokenCipher } from '../../src/session/token-cipher.js';

/**
 * Sessions written before the compact format (format 1: the whole session in `d` with its secrets sealed in base64 in
 * `d.x`, a JSON view in `u`) still work after a deploy: read, answered, and stored compactly at their next write.
 */
const IDLE_S = 600;
let clock = Date.now();
let gw: TestGateway;
const PASSWORD = 'Passw0rd!format-1';

beforeAll(async () => {
  gw = await startTestGateway({ now: () => clock, env: { SESSION_IDLE_TIMEOUT_S: String(IDLE_S) } });
  gw.secrets.add(PASSWORD);
  await gw.emu.createUser({ username: 'formats', password: PASSWORD, name: 'Fay' });
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

/** Rewrites a session as the previous release stored it (sealed with the same keys). */
async function rewriteAsFormat1(sid: string): Promise<void> {
  const { _v, ...sess } = (await gw.store.read(sid))!;
  const key = gw.store.keys.session(sid);
  const view = { created: sess.created, seen: sess.seen, signedIn: !!sess.auth, token: !!sess.tok, user: sess.user };
  await gw.redis.hdel(key, 'k');
  await gw.redis.hset(key, { v: String(_v), d: serializeSession(sess, sid, createTokenCipher(gw.config.tokenKeys)), u: JSON.stringify(view) });
}

it('reads a session of the previous format, answers it like any other, and stores it compactly at its next write', async () => {
  clock = Date.now();
  const signedIn = await submitForm(gw.agent(), '/login', '/login', { username: 'formats', password: PASSWORD });
  expect(signedIn.status).toBe(303);
  expect(signedIn.headers.location).toBe('/');
  const sid = sessionIdFromCookie(signedIn.headers['set-cookie']);
  const cookie = cookiePair(signedIn.headers['set-cookie']);
  const compact = await gw.store.read(sid);
  const answer = (await supertest(gw.server).get('/api/session').set('Cookie', cookie)).body;
  expect(answer).toMatchObject({ authenticated: true, user: { name: 'Fay', username: 'formats', email: null } });

  await rewriteAsFormat1(sid);
  const key = gw.store.keys.session(sid);
  expect(JSON.parse((await gw.redis.hget(key, 'd'))!)).toMatchObject({ user: { name: 'Fay' }, x: expect.stringMatching(/\./) });
  expect(await gw.store.read(sid)).toEqual(compact);
  expect(await gw.store.readView(sid)).toMatchObject({ signedIn: true, token: false, user: { name: 'Fay' } });
  expect((await supertest(gw.server).get('/api/session').set('Cookie', cookie)).body).toEqual(answer);
  const account = await supertest(gw.server).get('/account?lang=en').set('Cookie', cookie);
  expect(account.status).toBe(200);
  expect(account.text).toContain('Fay');

  // Activity due: the full stack writes the session, now in the compact format, and reads it back the same.
  clock += (IDLE_S / 2 + 5) * 1000;
  expect((await supertest(gw.server).get('/api/session').set('Cookie', cookie)).status).toBe(200);
  const stored = await gw.redis.hgetall(key);
  expect(stored.u).toMatch(/^2\|/);
  expect(stored.k).toBeDefined();
  expect(JSON.parse(stored.d!)).not.toHaveProperty('user');
  expect(JSON.parse(stored.d!)).not.toHaveProperty('cookie');
  // (the account page gave it a CSRF secret)
  expect(await gw.store.read(sid)).toEqual({ ...compact, csrf: expect.any(String), seen: clock, _v: expect.any(Number) });
  const lean = await supertest(gw.server).get('/api/session').set('Cookie', cookie);
  expect(lean.body).toEqual({ ...answer, expires_at: new Date(clock + IDLE_S * 1000).toISOString() });
});

it('signs out, without an error, a format 1 session whose secrets no key opens', async () => {
  const signedIn = await submitForm(gw.agent(), '/login', '/login', { username: 'formats', password: PASSWORD });
  const sid = sessionIdFromCookie(signedIn.headers['set-cookie']);
  const key = gw.store.keys.session(sid);
  await rewriteAsFormat1(sid);
  const d = JSON.parse((await gw.redis.hget(key, 'd'))!) as { x: string };
  await gw.redis.hset(key, 'd', JSON.stringify({ ...d, x: `${d.x.slice(0, -4)}AAAA` }));
  const cookie = `${gw.config.session.cookieName}=${encodeURIComponent(`s:${cookieSignature.sign(sid, gw.config.session.secrets[0]!)}`)}`;
  const res = await supertest(gw.server).get('/account').set('Cookie', cookie);
  expect(res.status).toBe(303);
  expect(await gw.redis.exists(key)).toBe(0);
});
