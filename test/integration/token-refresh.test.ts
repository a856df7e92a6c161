/**
 * Proactive, single-flight token refresh in one gateway over a real Redis and the emulator, through GET /account
 * (which needs a fresh access token). The gateway's clock is moved on instead of waiting for tokens to age.
 */
import type TestAgent from 'supertest/lib/agent.js';
import { csrfFrom, startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { cookiePair, issuedTokens, sessionIdFromCookie, waitFor } from '../support/sessions.js';

interface Signed {
  agent: TestAgent;
  /** the session cookie's `name=value`, for a second client on the same session */
  cookie: string;
  sid: string;
  sub: string;
  username: string;
}

const SIGNED_OUT = '/login?returnTo=%2Faccount';
const EXPIRED = '/login?notice=session_expired&returnTo=%2Faccount';
const ENDED_UPSTREAM = '/login?notice=ended_upstream&returnTo=%2Faccount';

let gw: TestGateway;
let clockOffsetMs = 0;
const clock = () => Date.now() + clockOffsetMs;
let seq = 0;

async function signIn(g: TestGateway = gw): Promise<Signed> {
  seq += 1;
  const user = { username: `refresh${seq}`, password: `Passw0rd!refresh${seq}` };
  g.secrets.add(user.password);
  const { sub } = await g.emu.createUser(user);
  const agent = g.agent();
  const res = await submitForm(agent, '/login', '/login', user);
  expect(res.status).toBe(303);
  const setCookie = res.headers['set-cookie'] as unknown as string[];
  return { agent, cookie: cookiePair(setCookie), sid: sessionIdFromCookie(setCookie), sub, username: user.username };
}

/**
 * Signs in with a 61 s access token, then moves the gateway's clock 32 s on: the token (refreshed once less than
 * half its lifetime is left, since that is shorter than the 60 s skew) is now due, with 29 s still to live. Tokens
 * minted afterwards last two hours, so a second refresh could only be a bug.
 */
async function signInDueForRefresh(g: TestGateway = gw): Promise<Signed> {
  await g.emu.setConfig({ access_token_ttl_s: 61 });
  const signed = await signIn(g);
  await g.emu.setConfig({ access_token_ttl_s: 7200 });
  clockOffsetMs += 32_000;
  return signed;
}

const refreshes = async (g: TestGateway = gw) => (await g.emu.stats())['POST /auth/v1/token'] ?? 0;
const burst = (agent: TestAgent, n: number) => Promise.all(Array.from({ length: n }, () => agent.get('/account')));
const storedAuth = async (g: TestGateway, sid: string) => (await g.store.read(sid))?.auth;

beforeAll(async () => {
  gw = await startTestGateway({ now: clock });
});

afterEach(async () => {
  await gw.emu.setConfig({ fail: {}, fail_rate: {}, latency: {}, latency_ms: 0, access_token_ttl_s: 7200 });
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

describe('proactive refresh', () => {
  it('refreshes a token that expires within the skew before using it, once', async () => {
    await gw.emu.setConfig({ access_token_ttl_s: 120 });
    const s = await signIn();
    await gw.emu.setConfig({ access_token_ttl_s: 7200 });
    const before = await refreshes();
    const first = await storedAuth(gw, s.sid);

    expect((await s.agent.get('/account')).status).toBe(200);
    expect(await refreshes()).toBe(before);

    // 59 s left: within the 60 s skew.
    clockOffsetMs += 61_000;
    const res = await s.agent.get('/account');
    expect(res.status).toBe(200);
    expect(res.text).toContain(s.username);
    expect(await refreshes()).toBe(before + 1);
    const next = await storedAuth(gw, s.sid);
    expect(next!.at).not.toBe(first!.at);
    expect(next!.rt).not.toBe(first!.rt);

    expect((await s.agent.get('/account')).status).toBe(200);
    expect(await refreshes()).toBe(before + 1);
  });

  it('50 concurrent requests cause exactly one refresh, all succeed with the one new token', async () => {
    const s = await signInDueForRefresh();
    const before = await refreshes();
    const answers = await burst(s.agent, 50);
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    expect(await refreshes()).toBe(before + 1);
    const issued = issuedTokens(gw.emulator.state, s.sub);
    expect(issued.access).toBe(2);
    const stored = await storedAuth(gw, s.sid);
    expect([...issued.liveRefresh]).toEqual([stored!.rt]);
  });

  it('waits out a lock whose holder died, then one successor refreshes', async () => {
    const s = await signInDueForRefresh();
    const before = await refreshes();
    await gw.redis.set(gw.store.keys.lock(s.sid), 'dead-holder', 'PX', 1500);
    const pending = burst(s.agent, 20);
    // While the dead holder's lock stands, nobody may refresh.
    for (;;) {
      const count = await refreshes();
      if ((await gw.redis.get(gw.store.keys.lock(s.sid))) !== 'dead-holder') break;
      expect(count).toBe(before);
      await new Promise((r) => setTimeout(r, 50));
    }
    const answers = await pending;
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    expect(await refreshes()).toBe(before + 1);
    expect(await gw.redis.exists(gw.store.keys.lock(s.sid))).toBe(0);
  });
});

describe('when the refresh fails', () => {
  it('invalid_grant signs every concurrent request out and deletes the session', async () => {
    const s = await signInDueForRefresh();
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/token': 'invalid_grant' } });
    const before = await refreshes();
    const answers = await burst(s.agent, 20);
    for (const res of answers) {
      expect(res.status).toBe(303);
      // A request that read the session only after it was deleted was not signed in, and may have been told why.
      expect([EXPIRED, SIGNED_OUT, ENDED_UPSTREAM]).toContain(res.headers.location);
    }
    expect(answers.some((r) => r.headers.location === EXPIRED)).toBe(true);
    expect(await refreshes()).toBe(before + 1);
    expect(await gw.redis.exists(gw.store.keys.session(s.sid))).toBe(0);
    expect(await gw.redis.exists(gw.store.keys.tombstone(s.sid))).toBe(1);
    expect(await gw.index.members(s.sub)).not.toContain(s.sid);
    // The next page learns why, if no request of the burst did; after that the browser is plainly signed out.
    expect([SIGNED_OUT, ENDED_UPSTREAM]).toContain((await s.agent.get('/account')).headers.location);
    expect((await s.agent.get('/account')).headers.location).toBe(SIGNED_OUT);
  });

  describe('by timing out', () => {
    let slow: TestGateway;

    beforeAll(async () => {
      slow = await startTestGateway({ env: { CLOUDBASE_TIMEOUT_MS: '1000' }, now: clock, redisServer: gw.redisServer });
    });

    afterAll(async () => {
      slow.assertNoLeaks();
      await slow.close();
    });

    it('serves a token that is still valid, keeps the session, and backs off instead of asking on every request', async () => {
      const s = await signInDueForRefresh(slow);
      const first = await storedAuth(slow, s.sid);
      const before = await refreshes(slow);
      // Only the refresh is slow: the account page's own CloudBase call is not.
      await slow.emu.setConfig({ latency: { 'POST /auth/v1/token': { ms: 1500 } } });
      const answers = await burst(s.agent, 10);
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
      expect(await refreshes(slow)).toBe(before + 1);
      expect(await storedAuth(slow, s.sid)).toEqual(first);
      // Backing off: more requests, and not one more call to CloudBase.
      const more = await burst(s.agent, 10);
      expect(more.map((r) => r.status)).toEqual(more.map(() => 200));
      expect(await refreshes(slow)).toBe(before + 1);
      expect(await slow.redis.pttl(slow.store.keys.refreshFailed(s.sid))).toBeGreaterThan(0);
      await slow.emu.setConfig({ latency: {} });
    });

    it('answers 503 with Retry-After once the token has expired, keeps the session, and refreshes once CloudBase is back', async () => {
      const s = await signInDueForRefresh(slow);
      clockOffsetMs += 30_000; // past the 61 s token's expiry
      const first = await storedAuth(slow, s.sid);
      await slow.emu.setConfig({ latency_ms: 1500 });
      const answers = await burst(s.agent, 10);
      for (const res of answers) {
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('2');
      }
      expect(await storedAuth(slow, s.sid)).toEqual(first);

      await slow.emu.setConfig({ latency_ms: 0 });
      await waitFor('the refresh back-off to end', async () => (await slow.redis.pttl(slow.store.keys.refreshFailed(s.sid))) < 0);
      const later = await s.agent.get('/account');
      expect(later.status).toBe(200);
      expect((await storedAuth(slow, s.sid))!.at).not.toBe(first!.at);
    });
  });
});

describe('sign-out racing a slow request', () => {
  it.each([
    ['with a fresh token', false, 'GET /auth/v1/user/me'],
    ['while it refreshes the token', true, 'POST /auth/v1/token'],
  ])('the session stays dead when the slow request ends after the sign-out (%s)', async (_what, due, slowCall) => {
    const s = due ? await signInDueForRefresh() : await signIn();
    const other = gw.agent().set('Cookie', s.cookie);
    const csrf = await csrfFrom(other, '/logout');
    const arrived = (await gw.emu.stats())[slowCall] ?? 0;

    await gw.emu.setConfig({ latency_ms: 800 });
    const slow = s.agent.get('/account').then((r) => r);
    await waitFor('the slow call to reach CloudBase', async () => ((await gw.emu.stats())[slowCall] ?? 0) > arrived);
    // Latency is taken on arrival: the slow call stays slow, the sign-out is quick.
    await gw.emu.setConfig({ latency_ms: 0 });
    const out = await other.post('/logout').type('form').send({ _csrf: csrf });
    expect(out.status).toBe(303);
    expect(await gw.redis.exists(gw.store.keys.tombstone(s.sid))).toBe(1);

    const res = await slow;
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(EXPIRED);
    expect(await gw.redis.exists(gw.store.keys.session(s.sid))).toBe(0);
    expect(await gw.redis.exists(gw.store.keys.tombstone(s.sid))).toBe(1);
    expect((await s.agent.get('/account')).headers.location).toBe(SIGNED_OUT);
  });
});
