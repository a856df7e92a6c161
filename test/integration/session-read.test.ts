import cookieSignature from 'cookie-signature';
import supertest from 'supertest';
import { finishSuite, startTestGateway, type TestGateway } from '../support/gateway.js';
import { mobile, RELAXED_LIMITS, spa, type SpaClient } from '../support/api.js';
import { sessionIdFromCookie } from '../support/sessions.js';
import { signedSessionId } from '../../src/http/signed-cookie.js';
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

afterAll(() => finishSuite(gw));

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

  it('finds the cookie by its whole name, wherever it is in the header', () => {
    const valid = cookie('abc', 'new-secret');
    const name = COOKIES.session;
    expect(signedSessionId(`x${name}=junk; a=${name}=junk;${valid}`, name, secrets)).toBe('abc');
    expect(signedSessionId(`${name}; other=1;  ${valid.replace('=', ' = ')} ;b=2`, name, secrets)).toBe('abc');
    expect(signedSessionId(`${name}=${decodeURIComponent(valid.slice(name.length + 1))}`, name, secrets)).toBe('abc');
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

describe('the lean read answers as the full stack would', () => {
  /** Headers that differ between any two answers (time, id, length) or are the transport's. */
  const PER_ANSWER = new Set(['date', 'x-request-id', 'content-length', 'connection', 'keep-alive']);
  const lasting = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers).filter(([name]) => !PER_ANSWER.has(name)));

  it('sends the same body and the same headers as the full stack for the same session', async () => {
    const { app, sid } = await signedIn();
    clock += (IDLE_S / 2 + 5) * 1000;
    const v = await version(sid);
    const full = await app.get('/api/session');
    expect(await version(sid)).toBe(v + 1); // the full stack answered this one (it recorded the activity)
    const lean = await app.get('/api/session');
    expect(await version(sid)).toBe(v + 1);
    expect(lean.status).toBe(200);
    expect(lean.text).toBe(full.text);
    expect(lasting(lean.headers)).toEqual(lasting(full.headers));
    expect(lean.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(lean.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends the full stack’s 401 and its headers to a visitor without a session', async () => {
    const lean = await supertest(gw.server).get('/api/session');
    const full = await supertest(gw.server).get('/api/session').set('X-Session-Mode', 'cookie');
    expect(lean.status).toBe(401);
    expect(lean.text).toBe('{"authenticated":false}');
    expect(full.status).toBe(401);
    expect(lean.text).toBe(full.text);
    expect(lasting(lean.headers)).toEqual(lasting(full.headers));
  });

  it('counts each answer in the metrics and logs it under its own request id, never one the client chose', async () => {
    const { app } = await signedIn();
    const scrape = async () => {
      const text = await (await fetch(gw.metricsServer.url)).text();
      const line = text.split('\n').find((l) => l.startsWith('http_requests_total{') && l.includes('route="/api/session"') && l.includes('method="GET"') && l.includes('status="200"'));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    const before = await scrape();
    const answers = [await app.get('/api/session'), await app.agent.get('/api/session').set('X-Request-Id', 'client-chosen-id-0001')];
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(await scrape()).toBe(before + 2);
    for (const res of answers) {
      const id = res.headers['x-request-id'] as string;
      expect(id).not.toBe('client-chosen-id-0001');
      const line = gw.logs.find((l) => l.includes('"request completed"') && l.includes(id));
      expect(line && JSON.parse(line)).toMatchObject({ req: { id, method: 'GET', path: '/api/session' }, res: { statusCode: 200 } });
    }
  });
});
