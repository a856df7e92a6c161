/**
 * A flaky CloudBase as seen by signed-in sessions, over a real Redis and the emulator's fault injection: refresh
 * failures back off per session and across instances instead of hammering CloudBase, a still-valid access token keeps
 * serving, short-lived tokens are not refreshed on every request, and sign-ins fail clearly without being retried.
 * Calls are counted at the emulator.
 */
import { createServer, type Server } from 'node:http';
import supertest from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { spa } from '../support/api.js';
import { cookiePair, sessionIdFromCookie, waitFor } from '../support/sessions.js';
import { createApp } from '../../src/app.js';
import { compose } from '../../src/compose.js';
import { createLogger } from '../../src/logger.js';
import { createRedisClient, waitReady, type RedisClient } from '../../src/session/redis.js';
import { DEFAULT_REFRESH_BACKOFF } from '../../src/session/tokens.js';
import { Writable } from 'node:stream';

interface Signed {
  agent: TestAgent;
  cookie: string;
  sid: string;
  username: string;
}

let gw: TestGateway;
let clockOffsetMs = 0;
const clock = () => Date.now() + clockOffsetMs;
let seq = 0;

/** A second gateway instance in this process: its own Redis connection, CloudBase client and app, same config. */
interface Instance {
  request(path: string, cookie: string): Promise<supertest.Response>;
  close(): Promise<void>;
}

async function secondInstance(of: TestGateway): Promise<Instance> {
  const redis: RedisClient = createRedisClient(of.config.redis)!;
  await waitReady(redis);
  // Its log lines go where the first instance's go, so the leak guard reads them too.
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (of.logs.push(c.toString('utf8')), cb()) });
  const app = createApp(compose(of.config, createLogger(of.config.logLevel, sink), { redis, now: clock }));
  const server: Server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    request: (path, cookie) => supertest(server).get(path).set('Cookie', cookie),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

async function signIn(ttlS: number): Promise<Signed> {
  seq += 1;
  const user = { username: `flaky${seq}`, password: `Passw0rd!flaky${seq}` };
  gw.secrets.add(user.password);
  await gw.emu.createUser(user);
  await gw.emu.setConfig({ access_token_ttl_s: ttlS });
  const agent = gw.agent();
  const res = await submitForm(agent, '/login', '/login', user);
  await gw.emu.setConfig({ access_token_ttl_s: 7200 });
  expect(res.status).toBe(303);
  const setCookie = res.headers['set-cookie'] as unknown as string[];
  return { agent, cookie: cookiePair(setCookie), sid: sessionIdFromCookie(setCookie), username: user.username };
}

const calls = async (call: string) => (await gw.emu.stats())[call] ?? 0;
const refreshes = () => calls('POST /auth/v1/token');

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

describe('when refreshes fail (CloudBase unavailable)', () => {
  let other: Instance;

  beforeAll(async () => {
    other = await secondInstance(gw);
  });

  afterAll(async () => {
    await other.close();
  });

  it('a session with an expired token backs off, growing, shared by both instances, then recovers', async () => {
    const s = await signIn(61);
    clockOffsetMs += 62_000; // the access token has expired: every request needs a refresh
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/token': 'unavailable' } });
    const before = await refreshes();

    // Requests alternate between the two instances for a little over 2 + 4 s of back-off.
    const retryAfter = new Set<string>();
    let answered = 0;
    const started = Date.now();
    while (Date.now() - started < 6500) {
      const res = answered % 2 === 0 ? await s.agent.get('/account?lang=en') : await other.request('/account?lang=en', s.cookie);
      expect(res.status).toBe(503);
      expect(res.text).toContain('not reachable');
      retryAfter.add(String(res.headers['retry-after']));
      answered += 1;
      await new Promise((r) => setTimeout(r, 20));
    }
    const asked = (await refreshes()) - before;
    // Without the back-off every one of these requests would have asked CloudBase.
    expect(answered).toBeGreaterThan(20);
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(asked).toBeLessThanOrEqual(4);
    // Retry-After is the back-off, growing: 2 s, then 4 s (then 8 s).
    expect(retryAfter).toContain('2');
    expect(retryAfter).toContain('4');
    expect([...retryAfter].filter((v) => !['2', '4', '8'].includes(v))).toEqual([]);
    // Requests that met the back-off are counted for alerting (this instance's registry).
    expect(await gw.metrics.registry.metrics()).toMatch(/token_refreshes_total\{outcome="backoff"\} [1-9]/);
    // The session and its refresh token are kept.
    expect((await gw.store.read(s.sid))?.auth?.rt).toEqual(expect.any(String));

    await gw.emu.setConfig({ fail: {} });
    await waitFor('the back-off to end', async () => (await gw.redis.pttl(gw.store.keys.refreshFailed(s.sid))) < 0, 70_000);
    const healed = await other.request('/account?lang=en', s.cookie);
    expect(healed.status).toBe(200);
    expect(healed.text).toContain(s.username);
    expect(await gw.redis.exists(gw.store.keys.refreshFailures(s.sid))).toBe(0);
  }, 90_000);

  it('a session whose token is still valid keeps working and asks CloudBase once per back-off', async () => {
    const s = await signIn(61);
    clockOffsetMs += 32_000; // due for refresh, 29 s still to live
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/token': 'unavailable' } });
    const before = await refreshes();
    for (let i = 0; i < 30; i++) {
      const res = i % 2 === 0 ? await s.agent.get('/account?lang=en') : await other.request('/account?lang=en', s.cookie);
      expect(res.status).toBe(200);
      expect(res.text).toContain(s.username);
    }
    // 30 requests in well under the first 2 s back-off: one call (a slow machine may need a second back-off step).
    expect((await refreshes()) - before).toBeGreaterThanOrEqual(1);
    expect((await refreshes()) - before).toBeLessThanOrEqual(2);
  });

  it('the back-off doubles per consecutive failure up to its bound, and a success starts it afresh', async () => {
    const sid = `backoff-bound-${Date.now()}`;
    const steps: number[] = [];
    for (let i = 0; i < 8; i++) steps.push(await gw.refreshLock.markFailed(sid, DEFAULT_REFRESH_BACKOFF));
    expect(steps).toEqual([2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(await gw.refreshLock.backoffMs(sid)).toBeGreaterThan(30_000);
    await gw.refreshLock.clearFailures(sid);
    expect(await gw.refreshLock.backoffMs(sid)).toBe(0);
    expect(await gw.refreshLock.markFailed(sid, DEFAULT_REFRESH_BACKOFF)).toBe(2000);
    await gw.refreshLock.clearFailures(sid);
  });
});

describe('when access tokens live shorter than REFRESH_SKEW_S (60 s)', () => {
  it('refreshes about every half lifetime, not on every request', async () => {
    const s = await signIn(20);
    await gw.emu.setConfig({ access_token_ttl_s: 20 });
    const before = await refreshes();
    // 40 requests, one per gateway second: 40 s of 20 s tokens.
    for (let i = 0; i < 40; i++) {
      clockOffsetMs += 1000;
      const res = await s.agent.get('/account?lang=en');
      expect(res.status).toBe(200);
    }
    const asked = (await refreshes()) - before;
    // Due 10 s before expiry: at most one refresh per 10 s (4 in 40 s); every request would refresh with a 60 s window.
    expect(asked).toBeGreaterThanOrEqual(3);
    expect(asked).toBeLessThanOrEqual(4);
  });
});

describe('when a share of CloudBase calls fail (fail_rate, seeded)', () => {
  it('sign-ins fail clearly and are never retried; signed-in sessions keep working; reads are retried', async () => {
    const people = await Promise.all([1, 2, 3].map(() => signIn(7200)));
    const creds = Array.from({ length: 12 }, (_, i) => ({ username: `flaky-login${i}`, password: `Passw0rd!login${i}` }));
    for (const c of creds) {
      gw.secrets.add(c.password);
      await gw.emu.createUser(c);
    }
    await gw.emu.setConfig({ seed: 11, fail_rate: { '*': 0.3 } });
    const signinsBefore = await calls('POST /auth/v1/signin');
    const profileBefore = await calls('GET /auth/v1/user/me');

    const outcomes: number[] = [];
    for (const c of creds) {
      const res = await spa(gw).post('/api/session/login', c);
      outcomes.push(res.status);
      if (res.status !== 200) {
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe('upstream_unavailable');
        expect(res.body.error.message).toMatch(/not reachable/i);
        expect(res.headers['retry-after']).toBeDefined();
      }
    }
    expect(outcomes).toContain(200);
    expect(outcomes).toContain(503);
    // One sign-in call per attempt: a POST is never retried.
    expect((await calls('POST /auth/v1/signin')) - signinsBefore).toBe(creds.length);

    let accountPages = 0;
    for (let round = 0; round < 5; round++) {
      for (const p of people) {
        // The session read is Redis only: CloudBase's faults do not touch it.
        const session = await p.agent.get('/api/session');
        expect(session.status).toBe(200);
        expect(session.body.authenticated).toBe(true);
        const page = await p.agent.get('/account?lang=en');
        accountPages += 1;
        expect([200, 503]).toContain(page.status);
        if (page.status === 200) expect(page.text).toContain(p.username);
      }
    }
    // The profile read (a GET) is retried after a 503, so CloudBase saw more reads than there were pages.
    expect((await calls('GET /auth/v1/user/me')) - profileBefore).toBeGreaterThan(accountPages);
    await gw.emu.setConfig({ fail_rate: {} });
    for (const p of people) expect((await p.agent.get('/account?lang=en')).status).toBe(200);
  });
});
