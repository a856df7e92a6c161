import { createServer, type Server, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import supertest from 'supertest';
import type { Express } from 'express';
import type TestAgent from 'supertest/lib/agent.js';
import { loadConfig, withApiOrigin, type Config } from '../../src/config/index.js';
import { createLogger } from '../../src/logger.js';
import { createApp, type AppDeps } from '../../src/app.js';
import { compose } from '../../src/compose.js';
import type { VersionedRedisStore } from '../../src/session/store.js';
import type { RedisRefreshLock } from '../../src/session/refresh-lock.js';
import type { RedisUserIndex } from '../../src/session/user-index.js';
import { answerClientErrors } from '../../src/http/client-errors.js';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.js';
import { createRedisClient, waitReady, type RedisClient } from '../../src/session/redis.js';
import { startRedis, type RedisServer } from './redis-server.js';
import { startTestEmulator, type RunningEmulator } from './emulator.js';
import { findLeaks } from './leak-guard.js';

/** Everything the gateway sent back, for the leak guard. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

export interface TestGateway {
  config: Config;
  /** the Express app behind `server` (e.g. to list its routes) */
  app: Express;
  server: Server;
  redisServer: RedisServer;
  redis: RedisClient;
  store: VersionedRedisStore;
  /** the sessions' refresh locks and back-off markers */
  refreshLock: RedisRefreshLock;
  /** the per-user session index */
  index: RedisUserIndex;
  emulator: RunningEmulator;
  logs: string[];
  /** this gateway's metrics (served by `metricsServer`, never on the app's port) */
  metrics: Metrics;
  /** the metrics listener on its own loopback port, as `startGateway` runs it */
  metricsServer: MetricsServer;
  transcript: Exchange[];
  /** Secrets the tests typed (passwords): the leak guard looks for them too. */
  secrets: Set<string>;
  /** A cookie-keeping client, like one browser. */
  agent(): TestAgent;
  emu: EmulatorControl;
  /** Fails if any response, header, cookie or log line carried a token, password or SMS code. */
  assertNoLeaks(): void;
  close(): Promise<void>;
}

export interface EmulatorControl {
  sms(phone: string): Promise<string>;
  /** the last code the emulator "mailed" to this address */
  mail(email: string): Promise<string>;
  setConfig(patch: Record<string, unknown>): Promise<void>;
  stats(): Promise<Record<string, number>>;
  createUser(user: { username?: string; phone_number?: string; email?: string; password?: string; name?: string }): Promise<{ sub: string }>;
  reset(): Promise<void>;
}

export function emulatorControl(url: string): EmulatorControl {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/__emulator${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    sms: async (phone) => String((await call('GET', `/sms?phone_number=${encodeURIComponent(phone)}`)).verification_code),
    mail: async (email) => String((await call('GET', `/sms?email=${encodeURIComponent(email)}`)).verification_code),
    setConfig: async (patch) => {
      await call('PUT', '/config', patch);
    },
    stats: async () => (await call('GET', '/stats')).calls as Record<string, number>,
    createUser: async (user) => (await call('POST', '/users', user)) as { sub: string },
    reset: async () => {
      await call('POST', '/reset');
    },
  };
}

function recordResponses(res: ServerResponse, method: string, url: string, transcript: Exchange[]): void {
  const chunks: Buffer[] = [];
  const write = res.write.bind(res) as (...a: unknown[]) => boolean;
  const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
  // Headers handed to writeHead (the proxy's lean path writes them all there) are not kept by getHeaders().
  const written: Record<string, unknown> = {};
  const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
  res.writeHead = (status: number, ...rest: unknown[]) => {
    const headers = rest.find((r) => typeof r === 'object' && r !== null);
    if (Array.isArray(headers)) for (let i = 0; i < headers.length; i += 2) written[String(headers[i]).toLowerCase()] = headers[i + 1];
    else if (headers) for (const [k, v] of Object.entries(headers)) written[k.toLowerCase()] = v;
    return writeHead(status, ...rest);
  };
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (chunk) chunks.push(Buffer.from(chunk as Buffer));
    return write(chunk, ...rest);
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as Buffer));
    transcript.push({ method, url, status: res.statusCode, headers: { ...written, ...res.getHeaders() }, body: Buffer.concat(chunks).toString('utf8') });
    return end(chunk, ...rest);
  }) as ServerResponse['end'];
}

/**
 * The whole gateway in this process over real HTTP: a throwaway redis-server, the emulator on a free port, the real
 * app. `env` is applied over a test default environment.
 */
export async function startTestGateway(
  opts: { env?: Record<string, string>; now?: () => number; redisServer?: RedisServer; app?: Pick<AppDeps, 'leanLogin'> } = {},
): Promise<TestGateway> {
  const redisServer = opts.redisServer ?? (await startRedis());
  const emulator = await startTestEmulator({ clientId: 'test-client', clientSecret: 'test-secret' });
  await emulatorControl(emulator.url).setConfig({ sms_cooldown_s: 0 });
  const config = withApiOrigin(
    loadConfig({
      NODE_ENV: 'test',
      SESSION_SECRET: 'test-session-secret-0123456789abcdef',
      REDIS_URL: redisServer.url,
      CLOUDBASE_ENV_ID: 'test-env',
      CLOUDBASE_CLIENT_ID: 'test-client',
      CLOUDBASE_CLIENT_SECRET: 'test-secret',
      CLOUDBASE_API_ORIGIN: emulator.url,
      LOG_LEVEL: 'debug',
      // Every test request comes from 127.0.0.1 and reuses a few numbers: the abuse limits are opened wide here, and
      // the tests of the limits set their own.
      LIMIT_SMS_COOLDOWN_S: '0',
      LIMIT_SMS_PER_PHONE_HOUR: '10000',
      LIMIT_SMS_PER_PHONE_DAY: '10000',
      LIMIT_SMS_PER_IP_HOUR: '100000',
      LIMIT_SMS_PER_SESSION_HOUR: '10000',
      LIMIT_LOGIN_FAILURES: '1000',
      LIMIT_LOGIN_ACCOUNT_IP_FAILURES: '1000',
      LIMIT_LOGIN_DEVICE_FAILURES: '1000',
      LIMIT_LOGIN_IP_FAILURES: '10000',
      LIMIT_LOGIN_FAILURE_MIN_MS: '0',
      LIMIT_CODE_GUESSES: '1000',
      LIMIT_ANONYMOUS_PER_IP_HOUR: '100000',
      ...opts.env,
    }),
    emulator.url,
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const redis = createRedisClient(config.redis)!;
  await waitReady(redis);
  const services = compose(config, logger, { redis, metrics: createMetrics({ processMetrics: false }), ...(opts.now ? { now: opts.now } : {}) });
  const { metrics } = services;
  const { store, lock: refreshLock, index } = services.sessions.shared!;
  const app = createApp({ ...services, ...opts.app });
  const transcript: Exchange[] = [];
  const server = createServer((req, res) => {
    recordResponses(res, req.method ?? '', req.url ?? '', transcript);
    app(req, res);
  });
  answerClientErrors(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const metricsServer = await startMetricsServer(metrics, { host: '127.0.0.1', port: 0 });
  const secrets = new Set<string>();

  const gw: TestGateway = {
    config,
    app,
    server,
    redisServer,
    redis,
    store,
    refreshLock,
    index,
    emulator,
    logs,
    metrics,
    metricsServer,
    transcript,
    secrets,
    agent: () => supertest.agent(server),
    emu: emulatorControl(emulator.url),
    assertNoLeaks() {
      const leaks = findLeaks({ transcript, logs, emulator: emulator.state, secrets });
      if (leaks.length > 0) throw new Error(`Secrets leaked:\n${leaks.join('\n')}`);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await metricsServer.close();
      await redis.quit().catch(() => redis.disconnect());
      await emulator.close();
      if (!opts.redisServer) await redisServer.stop();
    },
  };
  return gw;
}

/** Fetches a page and returns the `_csrf` value of its first form. */
export async function csrfFrom(agent: TestAgent, path: string): Promise<string> {
  const res = await agent.get(path);
  const m = /name="_csrf" value="([^"]+)"/.exec(res.text);
  if (!m) throw new Error(`no _csrf field on ${path} (status ${res.status})`);
  return m[1]!;
}

/** Posts a form the way a browser does, with the page's CSRF token. */
export async function submitForm(agent: TestAgent, pagePath: string, action: string, fields: Record<string, string>) {
  const token = await csrfFrom(agent, pagePath);
  return agent.post(action).type('form').send({ _csrf: token, ...fields });
}

/**
 * The end of a suite over one test gateway: nothing secret reached a response or a log (the leak guard), then the
 * gateway, its Redis and emulator stop (`DEBUG_LOGS=1` prints the gateway's error lines first).
 */
export async function finishSuite(gw: TestGateway): Promise<void> {
  if (process.env.DEBUG_LOGS) console.log(gw.logs.filter((l) => l.includes('"level":50')).join('\n'));
  try {
    gw.assertNoLeaks();
  } finally {
    await gw.close();
  }
}
