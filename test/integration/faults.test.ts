import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import supertest from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { followFailure } from '../support/prg.js';
import { freePort, startRedis, type RedisServer } from '../support/redis-server.js';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';
import { buildGateway, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { createApp } from '../../src/app.js';
import { compose } from '../../src/compose.js';
import { createCloudbaseClient } from '../../src/cloudbase/client.js';
import { createLogger } from '../../src/logger.js';
import { sessionIdFromCookie } from '../support/sessions.js';

const run = promisify(execFile);

/**
 * Redis and CloudBase going away and coming back, and SIGTERM during a request. Only statuses, bodies and call counts
 * are asserted; every request carries its own timeout, so "fast" means "answered before the client gave up".
 */
const TIMEOUT = { response: 4000, deadline: 6000 };
const PASSWORD = 'Faults-test-password-1';

async function signIn(agent: TestAgent, username: string) {
  return submitForm(agent, '/login?lang=en', '/login', { username, password: PASSWORD });
}

describe('when Redis goes away and comes back', () => {
  let redisServer: RedisServer;
  let gw: TestGateway;

  beforeAll(async () => {
    redisServer = await startRedis();
    gw = await startTestGateway({ redisServer });
    gw.secrets.add(PASSWORD);
    await gw.emu.createUser({ username: 'redis-fault', password: PASSWORD });
  });

  afterAll(async () => {
    gw.assertNoLeaks();
    await gw.close();
    await redisServer.stop();
  });

  it('fails closed with 503 (a page for browsers, JSON for the API), /readyz 503, /healthz 200, then heals', async () => {
    const agent = gw.agent();
    expect((await signIn(agent, 'redis-fault')).headers.location).toBe('/');
    expect((await agent.get('/api/session').timeout(TIMEOUT)).status).toBe(200);
    const port = redisServer.port;

    await redisServer.stop();

    const page = await agent.get('/?lang=en').timeout(TIMEOUT);
    expect(page.status).toBe(503);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('Sessions are unavailable right now');
    expect(page.headers['retry-after']).toBeDefined();

    const api = await agent.get('/api/session').timeout(TIMEOUT);
    expect(api.status).toBe(503);
    expect(api.type).toBe('application/json');
    expect(api.body.error.code).toBe('store_unavailable');

    // A visitor without a session still cannot start one: the sign-in form needs a stored CSRF secret.
    const fresh = await gw.agent().get('/login').timeout(TIMEOUT);
    expect(fresh.status).toBe(503);
    // Nor can anyone sign in, and CloudBase is not asked while the limits cannot be checked.
    const before = (await gw.emu.stats())['POST /auth/v1/signin'] ?? 0;
    const login = await gw
      .agent()
      .post('/api/session/login')
      .timeout(TIMEOUT)
      .set('x-csrf', '1')
      .send({ username: 'redis-fault', password: PASSWORD });
    expect(login.status).toBe(503);
    expect((await gw.emu.stats())['POST /auth/v1/signin'] ?? 0).toBe(before);

    expect((await gw.agent().get('/readyz').timeout(TIMEOUT)).status).toBe(503);
    expect((await gw.agent().get('/healthz').timeout(TIMEOUT)).status).toBe(200);

    // Redis returns (empty: the old sessions are gone) on the same port; no restart of the gateway.
    redisServer = await startRedis([], port);
    await waitFor(async () => (await gw.agent().get('/readyz').timeout(TIMEOUT)).status === 200);
    const after = await agent.get('/?lang=en').timeout(TIMEOUT);
    expect(after.status).toBe(200);
    expect(after.text).toContain('You are not signed in.');
    expect((await signIn(agent, 'redis-fault')).headers.location).toBe('/');
    expect((await agent.get('/api/session').timeout(TIMEOUT)).body.authenticated).toBe(true);
  });
});

describe('when Redis stalls past two command timeouts (CLIENT PAUSE)', () => {
  let redisServer: RedisServer;
  let gw: TestGateway;
  /** longer than two of the client's 1.5 s command timeouts: every read of the session fails meanwhile */
  const PAUSE_MS = 3600;

  beforeAll(async () => {
    redisServer = await startRedis();
    gw = await startTestGateway({ redisServer });
    gw.secrets.add(PASSWORD);
    await gw.emu.createUser({ username: 'redis-stall', password: PASSWORD });
  });

  afterAll(async () => {
    gw.assertNoLeaks();
    await gw.close();
    await redisServer.stop();
  });

  it('answers 503 while stalled, and the signed-in session survives: no tombstone, 200 once Redis answers', async () => {
    const agent = gw.agent();
    const signedIn = await signIn(agent, 'redis-stall');
    expect(signedIn.status).toBe(303);
    const sid = sessionIdFromCookie(signedIn.headers['set-cookie']);
    expect((await agent.get('/api/session').timeout(TIMEOUT)).body.authenticated).toBe(true);

    // The test's own connection, so the gateway's client stays "ready" and its reads time out rather than refused.
    await run('redis-cli', ['-p', String(redisServer.port), 'CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL']);
    const stalled = await Promise.all([
      agent.get('/account?lang=en').timeout(TIMEOUT),
      agent.get('/api/session').timeout(TIMEOUT),
      agent.get('/?lang=en').timeout(TIMEOUT),
      agent.get('/api/sessions').timeout(TIMEOUT),
    ]);
    for (const res of stalled) {
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
    }
    expect(stalled[0].text).toContain('Sessions are unavailable right now');
    expect(stalled[1].body.error.code).toBe('store_unavailable');

    await waitFor(async () => (await gw.redis.ping()) === 'PONG');
    expect(await gw.redis.exists(gw.store.keys.tombstone(sid))).toBe(0);
    expect(await gw.redis.exists(gw.store.keys.session(sid))).toBe(1);
    const after = await agent.get('/api/session').timeout(TIMEOUT);
    expect(after.status).toBe(200);
    expect(after.body.authenticated).toBe(true);
    expect((await agent.get('/account?lang=en').timeout(TIMEOUT)).status).toBe(200);
  });
});

describe('when Redis is killed mid-request and restarted with its data (append-only file)', () => {
  let redisServer: RedisServer;
  let gw: TestGateway;
  let dataDir: string;
  const persistent = () => ['--dir', dataDir, '--appendonly', 'yes', '--appendfsync', 'always'];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cbg-redis-aof-'));
    redisServer = await startRedis(persistent());
    gw = await startTestGateway({ redisServer });
    gw.secrets.add(PASSWORD);
    await gw.emu.createUser({ username: 'redis-killed', password: PASSWORD });
  });

  afterAll(async () => {
    gw.assertNoLeaks();
    await gw.close();
    await redisServer.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the requests it cut answer 503 (or succeed on the retry), and the session is there again with Redis', async () => {
    const agent = gw.agent();
    const signedIn = await signIn(agent, 'redis-killed');
    expect(signedIn.status).toBe(303);
    const sid = sessionIdFromCookie(signedIn.headers['set-cookie']);

    // Hold the session reads inside Redis, then kill it under them.
    await run('redis-cli', ['-p', String(redisServer.port), 'CLIENT', 'PAUSE', '2000', 'ALL']);
    const cut = Promise.all([agent.get('/account?lang=en').timeout(TIMEOUT), agent.get('/api/session').timeout(TIMEOUT)]);
    // Both reads sent and awaiting Redis's answer (ioredis's queue of commands sent).
    const sent = gw.redis as unknown as { commandQueue: { length: number } };
    await waitFor(async () => sent.commandQueue.length >= 2);
    const port = redisServer.port;
    await redisServer.stop();
    redisServer = await startRedis(persistent(), port);
    // A cut read is retried once over the reconnect, so it may even succeed; a failed one is a 503, never a sign-out.
    for (const res of await cut) expect([200, 503]).toContain(res.status);
    await waitFor(async () => (await gw.agent().get('/readyz').timeout(TIMEOUT)).status === 200);
    expect(await gw.redis.exists(gw.store.keys.tombstone(sid))).toBe(0);
    expect(await gw.redis.exists(gw.store.keys.session(sid))).toBe(1);
    const after = await agent.get('/api/session').timeout(TIMEOUT);
    expect(after.status).toBe(200);
    expect(after.body.authenticated).toBe(true);
    expect((await agent.get('/account?lang=en').timeout(TIMEOUT)).status).toBe(200);
  });
});

describe('when CloudBase is slow or down', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { CLOUDBASE_TIMEOUT_MS: '300' } });
    gw.secrets.add(PASSWORD);
    await gw.emu.createUser({ username: 'cb-fault', password: PASSWORD });
  });

  afterEach(async () => {
    await gw.emu.setConfig({ latency_ms: 0, fail: {} });
  });

  afterAll(async () => {
    gw.assertNoLeaks();
    await gw.close();
  });

  const signins = async () => (await gw.emu.stats())['POST /auth/v1/signin'] ?? 0;

  it('slower than the timeout: 504 with a clear message, and the sign-in was sent once', async () => {
    await gw.emu.setConfig({ latency_ms: 1500 });
    const before = await signins();
    const agent = gw.agent();
    const page = await followFailure(agent, await signIn(agent, 'cb-fault'));
    expect(page.errorStatus).toBe(504);
    expect(page.text).toContain('The sign-in service took too long to answer.');
    const api = await gw.agent().post('/api/session/login').timeout(TIMEOUT).set('x-csrf', '1').send({ username: 'cb-fault', password: PASSWORD });
    expect(api.status).toBe(504);
    expect(api.body.error.code).toBe('upstream_timeout');
    expect(await signins()).toBe(before + 2);
  });

  it('answering unavailable: 503, not retried', async () => {
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/signin': 'unavailable', 'POST /auth/v1/verification': 'unavailable' } });
    const before = await gw.emu.stats();
    const agent = gw.agent();
    const page = await followFailure(agent, await signIn(agent, 'cb-fault'));
    expect(page.errorStatus).toBe(503);
    expect(page.text).toContain('The sign-in service is not reachable right now.');
    const sms = await gw
      .agent()
      .post('/api/session/sms/send')
      .timeout(TIMEOUT)
      .set('x-csrf', '1')
      .send({ phone_number: '13700000001', purpose: 'login' });
    expect(sms.status).toBe(503);
    expect(sms.body.error.code).toBe('upstream_unavailable');
    const after = await gw.emu.stats();
    expect(after['POST /auth/v1/signin']).toBe((before['POST /auth/v1/signin'] ?? 0) + 1);
    expect(after['POST /auth/v1/verification']).toBe((before['POST /auth/v1/verification'] ?? 0) + 1);
  });

  it('not listening at all: 503 for pages and the API', async () => {
    const port = await freePort();
    const logs: string[] = [];
    const logger = createLogger('info', new Writable({ write: (c: Buffer, _e, cb) => (logs.push(c.toString()), cb()) }));
    const cloudbase = createCloudbaseClient({ apiOrigin: `http://127.0.0.1:${port}`, clientId: 'test-client', timeoutMs: 1000 });
    const app = createApp(compose(gw.config, logger, { redis: gw.redis, cloudbase }));
    const server: Server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const agent = supertest.agent(server);
      const page = await followFailure(agent, await submitForm(agent, '/login?lang=en', '/login', { username: 'x', password: 'y' }));
      expect(page.errorStatus).toBe(503);
      expect(page.text).toContain('The sign-in service is not reachable right now.');
      const api = await supertest(server).post('/api/session/anonymous').timeout(TIMEOUT).set('x-csrf', '1').send({});
      expect(api.status).toBe(503);
      expect(api.body.error.code).toBe('upstream_unavailable');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('SIGTERM during a request (the built server as a process)', () => {
  let redisServer: RedisServer;
  let emulator: RunningEmulator;
  let proc: ServerProcess | undefined;

  beforeAll(async () => {
    buildGateway();
    redisServer = await startRedis();
    emulator = await startTestEmulator({ clientId: 'test-client', clientSecret: 'test-secret' });
  }, 180_000);

  afterAll(async () => {
    await proc?.stop(2000);
    await emulator.close();
    await redisServer.stop();
  });

  it('finishes the request in flight, refuses new connections, closes Redis and exits 0', async () => {
    proc = await startServerProcess({
      NODE_ENV: 'production',
      // production refuses a guessable secret, plain-http CloudBase (the emulator here, on loopback) and no https origin
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      PUBLIC_ORIGIN: 'https://app.example.test',
      TOKEN_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
      REDIS_URL: redisServer.url,
      CLOUDBASE_ENV_ID: 'test-env',
      CLOUDBASE_CLIENT_ID: 'test-client',
      CLOUDBASE_CLIENT_SECRET: 'test-secret',
      CLOUDBASE_API_ORIGIN: emulator.url,
      CLOUDBASE_ALLOW_HTTP: 'true',
      LOG_LEVEL: 'info',
    });
    const control = await fetch(`${emulator.url}/__emulator/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'sigterm', password: PASSWORD }),
    });
    expect(control.status).toBe(201);
    await fetch(`${emulator.url}/__emulator/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latency_ms: 1000 }),
    });

    const inFlight = fetch(`${proc.url}/api/session/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf': '1' },
      body: JSON.stringify({ username: 'sigterm', password: PASSWORD }),
      signal: AbortSignal.timeout(8000),
    });
    // SIGTERM once the sign-in is surely in flight: CloudBase (the emulator) has it.
    await waitFor(async () => {
      const stats = (await (await fetch(`${emulator.url}/__emulator/stats`)).json()) as { calls: Record<string, number> };
      return (stats.calls['POST /auth/v1/signin'] ?? 0) >= 1;
    });
    const exited = new Promise<number | null>((resolve) => proc!.process.once('exit', (code) => resolve(code)));
    proc.process.kill('SIGTERM');

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { authenticated: boolean }).authenticated).toBe(true);

    await expect(fetch(`${proc.url}/healthz`, { signal: AbortSignal.timeout(3000) })).rejects.toThrow();
    expect(await exited).toBe(0);
    expect(proc.lines.some((l) => l.includes('shutting down'))).toBe(true);
  });
});

/** Polls until the condition holds (bounded by the test's own timeout). */
async function waitFor(cond: () => Promise<boolean>): Promise<void> {
  for (;;) {
    try {
      if (await cond()) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
