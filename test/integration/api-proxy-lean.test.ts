import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import cookieSignature from 'cookie-signature';
import supertest from 'supertest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { cookiePair, sessionIdFromCookie, untilRefreshDue } from '../support/sessions.js';
import { expectApiError, finishApiSuite, mobile, RELAXED_LIMITS, spa, type SpaClient } from '../support/api.js';

/**
 * The proxy's plain case is answered before Express (src/proxy/lean.ts) from the session's version and an access token
 * opened once per version. These tests pin down what that path decides: it serves the plain case with no Redis call
 * once the version is cached (one small read after each opening; version-cache.test.ts covers the invalidations), never
 * serves a session that was ended or rewritten since, and hands every other case to the full stack.
 */

let gw: TestGateway;
let backend: Server;
/** what the backend received: each call's path and headers, and its body */
const received: { url: string; headers: IncomingHttpHeaders }[] = [];
const bodies: Buffer[] = [];
let clock = Date.now();
const PASSWORD = 'Passw0rd!lean-proxy';
const login = { username: 'lean-proxy', password: PASSWORD };
const IDLE_S = 600;

beforeAll(async () => {
  backend = createServer((req, res) => {
    received.push({ url: req.url!, headers: req.headers });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': 'yes' });
      res.end(JSON.stringify({ url: req.url }));
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  gw = await startTestGateway({
    now: () => clock,
    env: {
      ...RELAXED_LIMITS,
      SESSION_IDLE_TIMEOUT_S: String(IDLE_S),
      PROXY_ROUTES: JSON.stringify({ echo: `http://127.0.0.1:${(backend.address() as AddressInfo).port}/base` }),
    },
  });
  await gw.emu.createUser({ username: 'lean-proxy', password: PASSWORD, name: 'Lea' });
  gw.secrets.add(PASSWORD);
});

beforeEach(() => {
  received.length = 0;
  clock = Date.now();
});

afterAll(async () => {
  await finishApiSuite(gw);
  backend.closeAllConnections();
  await new Promise((r) => backend.close(r));
});

const sids = new WeakMap<SpaClient, string>();
const cookies = new WeakMap<SpaClient, string>();

async function signedIn(): Promise<SpaClient> {
  const app = spa(gw);
  const res = await app.post('/api/session/login', login);
  expect(res.status).toBe(200);
  sids.set(app, sessionIdFromCookie(res.headers['set-cookie'], gw.config.session.cookieName));
  cookies.set(app, cookiePair(res.headers['set-cookie'], gw.config.session.cookieName));
  return app;
}

/** Redis's own count of each command, since the server started. */
async function commandCounts(): Promise<Record<string, number>> {
  const text = await gw.redis.info('commandstats');
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) counts[m[1]!] = Number(m[2]);
  return counts;
}

/** What `run` made Redis do, for the commands named. */
async function commandsDuring(run: () => Promise<unknown>, names: string[]): Promise<Record<string, number>> {
  const before = await commandCounts();
  await run();
  const after = await commandCounts();
  return Object.fromEntries(names.map((n) => [n, (after[n] ?? 0) - (before[n] ?? 0)]));
}

const bearerOf = (i: number) => received[i]!.headers.authorization;

async function proxiedCount(status: string): Promise<number> {
  const metric = await gw.metrics.registry.getSingleMetric('http_requests_total')!.get();
  return metric.values.filter((s) => s.labels.route === '/api/proxy' && s.labels.status === status).reduce((sum, s) => sum + s.value, 0);
}

describe('when a signed-in session makes plain proxied calls', () => {
  it('reads its version from Redis once, then from the cache, writes nothing, and still answers with every gateway header, metric and log line', async () => {
    const app = await signedIn();
    const own = await app.get('/api/session');
    expect((await app.get('/api/proxy/echo/first')).status).toBe(200);
    const countedBefore = await proxiedCount('200');
    const logsBefore = gw.logs.length;
    const answers: Awaited<ReturnType<SpaClient['get']>>[] = [];
    const during = await commandsDuring(async () => {
      for (let i = 0; i < 7; i++) answers.push(await app.get(`/api/proxy/echo/plain/${i}?q=${i}`));
    }, ['hget', 'hmget', 'evalsha', 'hset', 'set']);
    // the version once (the first call opened the session), then nothing: the cached version serves the others
    expect(during).toEqual({ hget: 1, hmget: 0, evalsha: 0, hset: 0, set: 0 });
    for (const [i, res] of answers.entries()) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ url: `/base/plain/${i}?q=${i}` });
      expect(res.headers['x-backend']).toBe('yes');
      expect(res.headers['cache-control']).toBe('no-store');
      for (const name of ['content-security-policy', 'x-frame-options', 'x-content-type-options', 'referrer-policy', 'permissions-policy', 'cross-origin-opener-policy']) {
        expect([name, res.headers[name]]).toEqual([name, own.headers[name]]);
      }
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(received[i + 1]!.headers['x-request-id']).toBe(res.headers['x-request-id']);
      expect(bearerOf(i + 1)).toBe(bearerOf(0));
      expect(received[i + 1]!.headers.cookie).toBeUndefined();
    }
    expect(new Set(answers.map((a) => a.headers['x-request-id'])).size).toBe(answers.length);
    expect((await proxiedCount('200')) - countedBefore).toBe(7);
    const lines = gw.logs.slice(logsBefore).filter((l) => l.includes('request completed') && l.includes('/api/proxy/echo/plain/'));
    expect(lines).toHaveLength(7);
    expect(lines.join('\n')).not.toContain('q=');
  });

  it('serves a token session by its token the same way, and no other secret for the same session id', async () => {
    const phone = mobile(gw);
    expect((await phone.post('/api/session/login', login)).status).toBe(200);
    expect((await phone.get('/api/proxy/echo/token/0')).status).toBe(200);
    const during = await commandsDuring(async () => {
      for (let i = 1; i <= 3; i++) expect((await phone.get(`/api/proxy/echo/token/${i}`)).status).toBe(200);
    }, ['hget', 'hmget']);
    expect(during).toEqual({ hget: 1, hmget: 0 });
    const [sid, secret] = phone.token!.split('.') as [string, string];
    const forgedSecret = `${secret.slice(0, -4)}${secret.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const forged = await supertest(gw.server).get('/api/proxy/echo/forged').set('Authorization', `Session ${sid}.${forgedSecret}`);
    expectApiError(forged, 401, 'not_signed_in');
    // A cookie correctly signed for the token session's id does not open it either.
    const cookie = `${gw.config.session.cookieName}=${encodeURIComponent(`s:${cookieSignature.sign(sid, gw.config.session.secrets[0]!)}`)}`;
    expectApiError(await supertest(gw.server).get('/api/proxy/echo/cookie').set('Cookie', cookie), 401, 'not_signed_in');
    expect(received.map((r) => r.url)).toEqual([0, 1, 2, 3].map((i) => `/base/token/${i}`));
  });

  it('streams a token session\'s write through with its body, no CSRF header needed', async () => {
    const phone = mobile(gw);
    expect((await phone.post('/api/session/login', login)).status).toBe(200);
    expect((await phone.get('/api/proxy/echo/token-warm')).status).toBe(200);
    const body = Buffer.alloc(48 * 1024, 3);
    const during = await commandsDuring(async () => {
      const res = await phone.call('put', '/api/proxy/echo/upload', body, { 'Content-Type': 'application/octet-stream' });
      expect(res.status).toBe(200);
    }, ['hget', 'hmget']);
    expect(during).toEqual({ hget: 1, hmget: 0 });
    expect(received.at(-1)!.url).toBe('/base/upload');
    expect(bodies.at(-1)!.equals(body)).toBe(true);
  });
});

describe('when the session was ended after its token was opened', () => {
  it('refuses the signed-out cookie at once, replayed by whoever kept it', async () => {
    const app = await signedIn();
    for (let i = 0; i < 3; i++) expect((await app.get('/api/proxy/echo/before')).status).toBe(200);
    expect((await app.del('/api/session')).status).toBe(204);
    expectApiError(await app.get('/api/proxy/echo/after'), 401, 'not_signed_in');
    const replayed = await Promise.all(Array.from({ length: 5 }, () => supertest(gw.server).get('/api/proxy/echo/replayed').set('Cookie', cookies.get(app)!)));
    for (const res of replayed) expectApiError(res, 401, 'not_signed_in');
    expect(received.map((r) => r.url)).toEqual(['/base/before', '/base/before', '/base/before']);
  });

  it('lets no call through once another device has ended it, with calls in flight while it happens', async () => {
    const laptop = await signedIn();
    const phone = await signedIn();
    expect((await laptop.get('/api/proxy/echo/warm')).status).toBe(200);
    const inFlight = Array.from({ length: 25 }, (_v, i) => laptop.get(`/api/proxy/echo/race/${i}`));
    const revoked = await phone.post('/api/sessions/revoke-others');
    expect(revoked.status).toBe(200);
    const reachedBeforeRevokeAnswered = received.length;
    const during = await Promise.all(inFlight);
    for (const res of during) expect([200, 401]).toContain(res.status);
    const after = await Promise.all(Array.from({ length: 15 }, (_v, i) => laptop.get(`/api/proxy/echo/late/${i}`)));
    for (const res of after) expectApiError(res, 401, 'not_signed_in');
    expect(received.filter((r) => r.url.startsWith('/base/late/'))).toEqual([]);
    expect(received.length).toBeLessThanOrEqual(reachedBeforeRevokeAnswered + during.filter((r) => r.status === 200).length);
    expect((await phone.get('/api/proxy/echo/survivor')).status).toBe(200);
  });

  it('refuses a session removed from the store directly', async () => {
    const app = await signedIn();
    const sid = sids.get(app)!;
    expect((await app.get('/api/proxy/echo/kept')).status).toBe(200);
    await gw.store.remove(sid);
    expectApiError(await app.get('/api/proxy/echo/gone'), 401, 'not_signed_in');
    expect(received.map((r) => r.url)).toEqual(['/base/kept']);
  });
});

describe('when the session is not the plain case', () => {
  afterEach(async () => {
    await gw.emu.setConfig({ access_token_ttl_s: 7200 });
  });

  it('lets the full stack refresh a token that is due, then forwards the new token, never the old one', async () => {
    await gw.emu.setConfig({ access_token_ttl_s: 2 });
    const app = await signedIn();
    expect((await app.get('/api/proxy/echo/old')).status).toBe(200);
    const old = bearerOf(0);
    await untilRefreshDue(Date.now(), 2);
    clock = Date.now();
    const refreshesBefore = (await gw.emu.stats())['POST /auth/v1/token'] ?? 0;
    expect((await app.get('/api/proxy/echo/due')).status).toBe(200);
    expect((await gw.emu.stats())['POST /auth/v1/token']).toBe(refreshesBefore + 1);
    const fresh = bearerOf(1);
    expect(fresh).not.toBe(old);
    // the new version is opened once, then served lean again with the new token
    const during = await commandsDuring(async () => {
      for (let i = 0; i < 3; i++) expect((await app.get('/api/proxy/echo/next')).status).toBe(200);
    }, ['hget', 'hmget', 'evalsha']);
    expect(during).toEqual({ hget: 1, hmget: 1, evalsha: 0 });
    expect([bearerOf(2), bearerOf(3), bearerOf(4)]).toEqual([fresh, fresh, fresh]);
  });

  it('lets the full stack record activity when it is due, then serves the session lean again', async () => {
    const app = await signedIn();
    expect((await app.get('/api/proxy/echo/a')).status).toBe(200);
    const sid = sids.get(app)!;
    const seenBefore = (await gw.store.read(sid))!.seen;
    clock += (IDLE_S / 2 + 5) * 1000;
    expect((await app.get('/api/proxy/echo/b')).status).toBe(200);
    expect((await gw.store.read(sid))!.seen).toBe(clock);
    expect(seenBefore).toBeLessThan(clock);
    const during = await commandsDuring(() => app.get('/api/proxy/echo/c'), ['hget', 'hmget', 'evalsha']);
    // the write dropped the cached version: the first call after it reads the version (HGET) and opens the new one
    // (HMGET of the session), and that read is cached: the next calls make no Redis call
    expect(during).toEqual({ hget: 1, hmget: 1, evalsha: 0 });
    const again = await commandsDuring(async () => {
      for (const p of ['d', 'e', 'f']) expect((await app.get(`/api/proxy/echo/${p}`)).status).toBe(200);
    }, ['hget', 'hmget', 'evalsha']);
    expect(again).toEqual({ hget: 0, hmget: 0, evalsha: 0 });
  });

  it('hands a cookie-mode write to the full stack, which applies the CSRF rule', async () => {
    const app = await signedIn();
    expectApiError(await app.agent.post('/api/proxy/echo/w').send({ a: 1 }), 403, 'csrf_failed');
    expect((await app.call('post', '/api/proxy/echo/w', { a: 1 })).status).toBe(200);
    expect(received.map((r) => r.url)).toEqual(['/base/w']);
  });

  it('answers a backend failure met on the lean path as the full stack does (JSON error, gateway headers)', async () => {
    const app = await signedIn();
    expect((await app.get('/api/proxy/echo/up')).status).toBe(200);
    backend.closeAllConnections();
    const port = (backend.address() as AddressInfo).port;
    await new Promise((r) => backend.close(r));
    try {
      const res = await app.get('/api/proxy/echo/down');
      expectApiError(res, 502, 'upstream_unreachable');
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    } finally {
      await new Promise<void>((r) => backend.listen(port, '127.0.0.1', r));
    }
    expect((await app.get('/api/proxy/echo/back')).status).toBe(200);
  });
});
