import { createHash } from 'node:crypto';
import cookieSignature from 'cookie-signature';
import supertest from 'supertest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectApiError, mobile, RELAXED_LIMITS, sessionCookieOf, spa, type MobileClient, finishApiSuite } from '../support/api.js';
import { COOKIES } from '../../src/config/cookies.js';

let gw: TestGateway;
let clock = Date.now();
const PASSWORD = 'Passw0rd!api-tokens';
const OTHER_PASSWORD = 'Passw0rd!api-other';
const login = { username: 'api-tokens', password: PASSWORD };

beforeAll(async () => {
  gw = await startTestGateway({ env: RELAXED_LIMITS, now: () => clock });
  await gw.emu.createUser({ username: 'api-tokens', password: PASSWORD, name: 'Tia' });
  await gw.emu.createUser({ username: 'api-other', password: OTHER_PASSWORD, name: 'Otto' });
  gw.secrets.add(PASSWORD);
  gw.secrets.add(OTHER_PASSWORD);
});

beforeEach(() => {
  clock = Date.now();
});

afterAll(() => finishApiSuite(gw));

async function signedInMobile(body = login, userAgent = 'okhttp/4.12.0'): Promise<MobileClient> {
  const app = mobile(gw);
  const res = await app.call('post', '/api/session/login', body, { 'User-Agent': userAgent });
  expect(res.status).toBe(200);
  return app;
}

const withToken = (path: string, token: string) => supertest(gw.server).get(path).set('Authorization', `Session ${token}`);

async function revokes(): Promise<number> {
  return (await gw.emu.stats())['POST /auth/v1/revoke'] ?? 0;
}

describe('token mode sign-in', () => {
  it('answers with a session_token and sets no cookie', async () => {
    const res = await supertest(gw.server).post('/api/session/login').set('X-Session-Mode', 'token').send(login);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ authenticated: true, user: { name: 'Tia' }, session_token: expect.stringMatching(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/) });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('authenticates later calls with Authorization: Session, with or without X-Session-Mode', async () => {
    const app = await signedInMobile();
    const res = await withToken('/api/session', app.token!);
    expect(res.status).toBe(200);
    expect(res.body.user.name).toBe('Tia');
    expect(res.body.session_token).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('signs a guest in', async () => {
    const app = mobile(gw);
    const res = await app.post('/api/session/anonymous', {});
    expect(res.body).toMatchObject({ user: { anonymous: true }, session_token: expect.any(String) });
    expect((await app.get('/api/session')).body.user.anonymous).toBe(true);
  });

  it('keeps only a hash of the secret in the session', async () => {
    const app = await signedInMobile();
    const [sid, secret] = app.token!.split('.') as [string, string];
    const stored = await gw.store.read(sid);
    expect(stored?.tok).toBe(createHash('sha256').update(secret).digest('base64url'));
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('needs no X-CSRF, and signing out ends the token (revoked upstream)', async () => {
    const app = await signedInMobile();
    const before = await revokes();
    const res = await supertest(gw.server).delete('/api/session').set('Authorization', `Session ${app.token}`);
    expect(res.status).toBe(204);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await revokes()).toBe(before + 1);
    expect((await withToken('/api/session', app.token!)).status).toBe(401);
  });

  it('has the same idle timeout as a cookie session', async () => {
    const app = await signedInMobile();
    clock += gw.config.session.idleTimeoutS * 1000 + 1000;
    expectApiError(await withToken('/api/sessions', app.token!), 401, 'session_expired');
    expect((await withToken('/api/session', app.token!)).status).toBe(401);
  });
});

describe('a bad session token', () => {
  let valid: string;
  beforeAll(async () => {
    valid = (await signedInMobile()).token!;
  });

  const [sid, secret] = [() => valid.split('.')[0]!, () => valid.split('.')[1]!];
  const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);

  it.each([
    ['garbage', () => 'garbage'],
    ['empty', () => ''],
    ['the right id with a wrong secret', () => `${sid()}.${flip(secret())}`],
    ['the right id with a short secret', () => `${sid()}.${secret().slice(1)}`],
    ['an extra dot', () => `${valid}.x`],
    ['an unknown id', () => `${flip(sid())}.${secret()}`],
    ['an oversized token', () => `${'a'.repeat(8000)}.${secret()}`],
    ['non-ASCII', () => `${sid()}.${secret().slice(1)}é`],
  ])('is signed out, never an error: %s', async (_what, token) => {
    const me = await supertest(gw.server).get('/api/session').set('Authorization', `Session ${token()}`);
    expect(me.status).toBe(401);
    expect(me.body).toEqual({ authenticated: false });
    expectApiError(await supertest(gw.server).get('/api/sessions').set('Authorization', `Session ${token()}`), 401, 'not_signed_in');
  });

  it('leaves the session it named alone', async () => {
    await supertest(gw.server).get('/api/session').set('Authorization', `Session ${sid()}.${flip(secret())}`);
    expect((await withToken('/api/session', valid)).status).toBe(200);
  });

  it('accepts the scheme in any case', async () => {
    expect((await supertest(gw.server).get('/api/session').set('Authorization', `session ${valid}`)).status).toBe(200);
  });

  it('cannot be used as a cookie, even correctly signed', async () => {
    const cookie = `${COOKIES.session}=${encodeURIComponent(`s:${cookieSignature.sign(sid(), gw.config.session.secrets[0]!)}`)}`;
    expect((await supertest(gw.server).get('/api/session').set('Cookie', cookie)).status).toBe(401);
    expect((await withToken('/api/session', valid)).status).toBe(200);
  });

  it('cannot name a browser session', async () => {
    const browser = spa(gw);
    const res = await browser.post('/api/session/login', login);
    const signed = decodeURIComponent(sessionCookieOf(res)!.split(';')[0]!.split('=')[1]!);
    const browserSid = signed.slice(2, signed.lastIndexOf('.'));
    const forged = `${browserSid}.${'A'.repeat(43)}`;
    expect((await supertest(gw.server).get('/api/session').set('Authorization', `Session ${forged}`)).status).toBe(401);
    expect((await browser.get('/api/session')).status).toBe(200);
  });
});

describe('sessions across transports', () => {
  it('lists browser and token sessions of the user, the current one first', async () => {
    const browser = spa(gw);
    await browser.call('post', '/api/session/login', login, { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36' });
    const phone = await signedInMobile(login, 'okhttp/4.12.0');
    const list = await browser.get('/api/sessions');
    expect(list.status).toBe(200);
    const first = list.body.sessions[0];
    expect(first).toMatchObject({ current: true, kind: 'browser', device: 'Chrome on Linux' });
    const fromPhone = await withToken('/api/sessions', phone.token!);
    const mine = fromPhone.body.sessions.find((s: { current: boolean }) => s.current);
    expect(mine).toMatchObject({ kind: 'token', device: 'Android app' });
    expect(list.body.sessions.map((s: { id: string }) => s.id)).toContain(mine.id);
  });

  it('a browser ends a token session: revoked upstream, the token is dead', async () => {
    const browser = spa(gw);
    await browser.post('/api/session/login', login);
    const phone = await signedInMobile();
    const id = (await withToken('/api/sessions', phone.token!)).body.sessions.find((s: { current: boolean }) => s.current).id;
    const before = await revokes();
    const res = await browser.del(`/api/sessions/${id}`);
    expect(res.status).toBe(204);
    expect(await revokes()).toBe(before + 1);
    expect((await withToken('/api/session', phone.token!)).status).toBe(401);
    expect((await browser.get('/api/session')).status).toBe(200);
  });

  it('a token session ends a browser session (no X-CSRF needed)', async () => {
    const browser = spa(gw);
    await browser.post('/api/session/login', login);
    const id = (await browser.get('/api/sessions')).body.sessions.find((s: { current: boolean }) => s.current).id;
    const phone = await signedInMobile();
    const res = await supertest(gw.server).delete(`/api/sessions/${id}`).set('Authorization', `Session ${phone.token}`);
    expect(res.status).toBe(204);
    expect((await browser.get('/api/session')).status).toBe(401);
  });

  it('revoke-others ends every other session of the user, whatever its transport', async () => {
    const fresh = { username: 'api-tokens', password: PASSWORD };
    const browser = spa(gw);
    await browser.post('/api/session/login', fresh);
    const phoneA = await signedInMobile(fresh);
    const phoneB = await signedInMobile(fresh);
    const before = await revokes();
    const res = await phoneA.post('/api/sessions/revoke-others');
    expect(res.status).toBe(200);
    expect(res.body.revoked).toBeGreaterThanOrEqual(2);
    expect(await revokes()).toBe(before + res.body.revoked);
    expect((await browser.get('/api/session')).status).toBe(401);
    expect((await withToken('/api/session', phoneB.token!)).status).toBe(401);
    expect((await withToken('/api/session', phoneA.token!)).status).toBe(200);
    expect((await phoneA.get('/api/sessions')).body.sessions).toHaveLength(1);
  });

  it('ending the current session signs out', async () => {
    const phone = await signedInMobile();
    const id = (await phone.get('/api/sessions')).body.sessions[0].id;
    expect((await phone.del(`/api/sessions/${id}`)).status).toBe(204);
    expect((await withToken('/api/session', phone.token!)).status).toBe(401);
  });

  it("cannot end an unknown session or another user's (404)", async () => {
    const other = await signedInMobile({ username: 'api-other', password: OTHER_PASSWORD });
    const otherId = (await other.get('/api/sessions')).body.sessions[0].id;
    const phone = await signedInMobile();
    expectApiError(await phone.del('/api/sessions/no-such-session'), 404, 'session_not_found');
    expectApiError(await phone.del(`/api/sessions/${otherId}`), 404, 'session_not_found');
    expect((await withToken('/api/session', other.token!)).status).toBe(200);
  });

  it('needs a signed-in caller (401)', async () => {
    expectApiError(await spa(gw).get('/api/sessions'), 401, 'not_signed_in');
    expectApiError(await spa(gw).post('/api/sessions/revoke-others'), 401, 'not_signed_in');
    expectApiError(await spa(gw).del('/api/sessions/x'), 401, 'not_signed_in');
  });

  it('needs X-CSRF from a browser', async () => {
    const browser = spa(gw);
    await browser.post('/api/session/login', login);
    expectApiError(await browser.agent.post('/api/sessions/revoke-others'), 403, 'csrf_failed');
  });
});
