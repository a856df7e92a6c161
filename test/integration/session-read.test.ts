import cookieSignature from 'cookie-signature';
import supertest from 'supertest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { mobile, RELAXED_LIMITS, spa, type SpaClient } from '../support/api.js';
import { sessionIdFromCookie } from '../support/sessions.js';
import { signedSessionId } from '../../src/routes/api/session-read.js';
import { COOKIES } from '../../src/config/cookies.js';

// GET /api/session is served without express-session when nothing but a read is needed; these pin down that it
// answers exactly like the full stack and hands every other case to it.
const IDLE_S = 600;
let clock = Date.now();
let gw: TestGateway;
const PASSWORD = 'Passw0rd!lean-read';

beforeAll(async () => {
  gw = await startTestGateway({
    now: () => clock,
    env: { ...RELAXED_LIMITS, SESSION_SECRET: 'current-secret-0123456789abcdef-xyz,previous-secret-0123456789abcdef-xy', SESSION_IDLE_TIMEOUT_S: String(IDLE_S) },
  });
  await gw.emu.createUser({ username: 'lean-reader', password: PASSWORD, name: 'Lena' });
  gw.secrets.add(PASSWORD);
});

beforeEach(() => {
  clock = Date.now();
});

afterAll(async () => {
  try {
    gw.assertNoLeaks();
  } finally {
    await gw.close();
  }
});

async function signedIn(): Promise<{ app: SpaClient; sid: string }> {
  const app = spa(gw);
  const res = await app.post('/api/session/login', { username: 'lean-reader', password: PASSWORD });
  expect(res.status).toBe(200);
  return { app, sid: sessionIdFromCookie(res.headers['set-cookie']) };
}

const version = async (sid: string) => Number(await gw.redis.hget(gw.store.keys.session(sid), 'v'));

describe('when the lean read takes the session id out of a cookie', () => {
  const secrets = ['new-secret', 'old-secret'];
  const cookie = (sid: string, secret: string) => `${COOKIES.session}=${encodeURIComponent(`s:${cookieSignature.sign(sid, secret)}`)}`;

  it('reads a cookie signed with any configured secret', () => {
    expect(signedSessionId(`a=1; ${cookie('abc', 'new-secret')}`, COOKIES.session, secrets)).toBe('abc');
    expect(signedSessionId(cookie('abc', 'old-secret'), COOKIES.session, secrets)).toBe('abc');
  });

  it.each([
    ['no cookie header', undefined],
    ['another cookie only', 'other=1'],
    ['an unknown secret', cookie('abc', 'someone-else')],
    ['no s: prefix', `${COOKIES.session}=abc.def`],
    ['broken percent-encoding', `${COOKIES.session}=s%3Aabc%zz`],
    ['an oversized header', `${COOKIES.session}=${'x'.repeat(9000)}`],
  ])('refuses %s', (_what, header) => {
    expect(signedSessionId(header, COOKIES.session, secrets)).toBeUndefined();
  });
});

describe('when a signed-in read takes the lean path', () => {
  it('answers a signed-in read without writing the session', async () => {
    const { app, sid } = await signedIn();
    const v = await version(sid);
    const first = await app.get('/api/session');
    const second = await app.get('/api/session');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ authenticated: true, user: { name: 'Lena', username: 'lean-reader', anonymous: false } });
    expect(second.body).toEqual(first.body);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(await version(sid)).toBe(v);
  });

  it('accepts a cookie signed with a previous SESSION_SECRET (rotation)', async () => {
    const { sid } = await signedIn();
    const old = `${COOKIES.session}=${encodeURIComponent(`s:${cookieSignature.sign(sid, 'previous-secret-0123456789abcdef-xy')}`)}`;
    const res = await supertest(gw.server).get('/api/session').set('Cookie', old);
    expect(res.status).toBe(200);
    const page = await supertest(gw.server).get('/?lang=en').set('Cookie', old);
    expect(page.text).toContain('You are signed in as Lena.');
  });

  it('answers 401 for a forged signature, like the full stack', async () => {
    const { app } = await signedIn();
    const jar = (app.agent as unknown as { jar: { getCookies(o: object): { toValueString(): string } } }).jar;
    const real = jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();
    const forged = `${real.slice(0, -3)}AAA`;
    const res = await supertest(gw.server).get('/api/session').set('Cookie', forged);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ authenticated: false });
  });

  it('hands the read to the full stack once activity is due to be recorded', async () => {
    const { app, sid } = await signedIn();
    const v = await version(sid);
    clock += (IDLE_S / 2 + 5) * 1000;
    expect((await app.get('/api/session')).status).toBe(200);
    expect(await version(sid)).toBe(v + 1);
    expect((await app.get('/api/session')).status).toBe(200);
    expect(await version(sid)).toBe(v + 1);
  });

  it('hands a timed-out session to the full stack, which ends it', async () => {
    const { app, sid } = await signedIn();
    clock += (IDLE_S + 5) * 1000;
    const res = await app.get('/api/session');
    expect(res.status).toBe(401);
    expect(await gw.redis.exists(gw.store.keys.session(sid))).toBe(0);
  });

  it('leaves token mode to the full stack', async () => {
    const app = mobile(gw);
    expect((await app.post('/api/session/login', { username: 'lean-reader', password: PASSWORD })).status).toBe(200);
    const res = await app.get('/api/session');
    expect(res.status).toBe(200);
    expect(res.body.user.name).toBe('Lena');
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
