import type TestAgent from 'supertest/lib/agent.js';
import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';

const IDLE_MS = 600_000;
const ABSOLUTE_MS = 3_600_000;
const PASSWORD = 'Passw0rd!timeouts';

let gw: TestGateway;
/** The gateway's clock: tests move it; Redis keys still expire in real time, which the tests never wait for. */
let clock = Date.now();
let t0 = clock;

/** Moves the gateway's clock to `s` seconds after the test's sign-in. */
function at(s: number): void {
  clock = t0 + s * 1000;
}

interface SignedIn {
  agent: TestAgent;
  /** the session cookie as a Cookie header, for replaying it from another client */
  cookie: string;
  sid: string;
}

async function signIn(): Promise<SignedIn> {
  const agent = gw.agent();
  const res = await submitForm(agent, '/login', '/login', { username: 'timer', password: PASSWORD });
  expect(res.status).toBe(303);
  const name = gw.config.session.cookieName;
  const cookie = ((res.headers['set-cookie'] as unknown as string[]) ?? []).find((c) => c.startsWith(`${name}=`))!.split(';')[0]!;
  // The cookie holds `s:<sid>.<signature>`, URL-encoded.
  const sid = /^s:([^.]+)\./.exec(decodeURIComponent(cookie.slice(name.length + 1)))![1]!;
  return { agent, cookie, sid };
}

const sessionKey = (sid: string) => gw.store.keys.session(sid);
const version = async (sid: string) => Number(await gw.redis.hget(sessionKey(sid), 'v'));

async function home(cookie: string): Promise<string> {
  return (await gw.agent().get('/?lang=en').set('Cookie', cookie)).text;
}

async function expectSignedIn(cookie: string): Promise<void> {
  expect(await home(cookie)).toContain('You are signed in as Timer.');
}

/** PTTL of the session key: never past the idle window, nor past what the absolute limit leaves at `elapsedS`. */
async function expectTtlWithinLimits(sid: string, elapsedS: number): Promise<void> {
  const pttl = await gw.redis.pttl(sessionKey(sid));
  expect(pttl).toBeGreaterThan(0);
  expect(pttl).toBeLessThanOrEqual(IDLE_MS);
  expect(pttl).toBeLessThanOrEqual(ABSOLUTE_MS - elapsedS * 1000);
}

beforeAll(async () => {
  gw = await startTestGateway({
    now: () => clock,
    env: { SESSION_IDLE_TIMEOUT_S: '600', SESSION_ABSOLUTE_TIMEOUT_S: '3600' },
  });
  gw.secrets.add(PASSWORD);
  await gw.emu.createUser({ username: 'timer', password: PASSWORD, name: 'Timer' });
});

// Pre-login sessions are stamped with real time: start every test with the clock on it.
beforeEach(() => {
  clock = t0 = Date.now();
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

describe('the idle timeout', () => {
  it('ends the session on the server, even when the cookie is replayed', async () => {
    const { cookie, sid } = await signIn();
    await expectSignedIn(cookie);
    at(601);
    const page = await home(cookie);
    expect(page).toContain('You are not signed in.');
    expect(page).toContain('Your session has ended. Sign in again.');
    expect(await gw.redis.exists(sessionKey(sid))).toBe(0);
    at(0);
    expect(await home(cookie)).toContain('You are not signed in.');
  });

  it('is pushed back by activity: requests every 400 s keep the session past 600 s in total', async () => {
    const { cookie, sid } = await signIn();
    for (const s of [400, 800, 1200]) {
      at(s);
      await expectSignedIn(cookie);
      await expectTtlWithinLimits(sid, s);
    }
    at(1200 + 601);
    expect(await home(cookie)).toContain('You are not signed in.');
  });

  it('sends a timed-out visitor of a signed-in page to sign in, saying the session ended', async () => {
    const { agent } = await signIn();
    at(700);
    const res = await agent.get('/account');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?notice=session_expired&returnTo=%2Faccount');
    const login = await agent.get(`${res.headers.location}&lang=en`);
    expect(login.text).toContain('Your session has ended. Sign in again.');
  });
});

describe('the absolute timeout', () => {
  it('ends the session even with constant activity, and the TTL never outlives it', async () => {
    const { cookie, sid } = await signIn();
    await expectTtlWithinLimits(sid, 0);
    expect(await gw.redis.pttl(sessionKey(sid))).toBeGreaterThan(IDLE_MS - 10_000);
    for (let s = 400; s < 3600; s += 400) {
      at(s);
      await expectSignedIn(cookie);
      await expectTtlWithinLimits(sid, s);
    }
    // At 3200 s the idle window would reach 3800 s: the absolute limit (3600 s) is what bounds the key.
    expect(await gw.redis.pttl(sessionKey(sid))).toBeLessThanOrEqual(400_000);
    at(3600);
    const page = await home(cookie);
    expect(page).toContain('You are not signed in.');
    expect(page).toContain('Your session has ended. Sign in again.');
    expect(await gw.redis.exists(sessionKey(sid))).toBe(0);
  });
});

describe('writing activity back', () => {
  it('does not rewrite an unchanged session within half the idle window, and does after it', async () => {
    const { cookie, sid } = await signIn();
    const v0 = await version(sid);
    expect(v0).toBeGreaterThan(0);
    at(10);
    await expectSignedIn(cookie);
    at(290);
    await expectSignedIn(cookie);
    expect(await version(sid)).toBe(v0);
    at(301);
    await expectSignedIn(cookie);
    expect(await version(sid)).toBe(v0 + 1);
    at(320);
    await expectSignedIn(cookie);
    expect(await version(sid)).toBe(v0 + 1);
  });
});
