/**
 * Several gateway PROCESSES (`node dist/main.js`) sharing one Redis (single server or a three-master cluster) and one
 * emulator run in the test process, plus a cookie-keeping HTTP client to drive them.
 */
import { createRedisClient, waitReady, type RedisClient } from '../../src/session/redis.js';
import type { VersionedRedisStore } from '../../src/session/store.js';
import type { RedisUserIndex } from '../../src/session/user-index.js';
import { createSharedSessions } from '../../src/session/shared.js';
import { COOKIES, loadConfig, type Config } from '../../src/config/index.js';
import { createTokenCipher } from '../../src/session/token-cipher.js';
import { startRedis } from './redis-server.js';
import { startRedisCluster, type RedisClusterHandle } from './redis-cluster.js';
import { startTestEmulator, type RunningEmulator } from './emulator.js';
import { emulatorControl, type EmulatorControl, type Exchange } from './gateway.js';
import { buildGateway, startServerProcess, type ServerProcess } from './server-process.js';
import { findLeaks } from './leak-guard.js';
import { sessionIdFromCookie } from './sessions.js';

const KEY_PREFIX = 'cbg:';
const COOKIE = COOKIES.session;
/** Longer than any answer the gateway may give (its Redis and CloudBase timeouts are a few seconds). */
export const HANG_MS = 20_000;

export interface RedisBackend {
  /** How the gateway processes reach it (REDIS_URL or REDIS_CLUSTER_NODES). */
  env: Record<string, string>;
  /** The same, as the gateway's config has it: the test's own client is made the gateway's way. */
  config: Pick<Config['redis'], 'url' | 'clusterNodes' | 'keyPrefix'>;
  /** a Redis Cluster's nodes and faults (absent for a single server) */
  cluster?: RedisClusterHandle;
  stop(): Promise<void>;
}

export type StartBackend = () => Promise<RedisBackend>;

export const singleRedis: StartBackend = async () => {
  const server = await startRedis();
  return {
    env: { REDIS_URL: server.url },
    config: { url: server.url, clusterNodes: undefined, keyPrefix: KEY_PREFIX },
    stop: () => server.stop(),
  };
};

/** Three masters, no replicas (cluster-node-timeout 2 s). */
export const redisCluster: StartBackend = () => clusterBackend({ masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 2000 });

/**
 * Three masters with one replica each and a short cluster-node-timeout (1 s), so a killed master's replica takes over
 * within a few seconds; `cluster` on the backend inflicts the faults.
 */
export const redisClusterWithReplicas: StartBackend = () => clusterBackend({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });

async function clusterBackend(opts: Parameters<typeof startRedisCluster>[0]): Promise<RedisBackend> {
  const cluster = await startRedisCluster(opts);
  return {
    env: { REDIS_CLUSTER_NODES: cluster.seeds.join(',') },
    config: { url: undefined, clusterNodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), keyPrefix: KEY_PREFIX },
    cluster,
    stop: () => cluster.stop(),
  };
}

export interface Answer {
  status: number;
  location: string | null;
  retryAfter: string | null;
  text: string;
}

/** One browser: keeps the session cookie, never follows redirects, records every exchange for the leak guard. */
export class WebClient {
  constructor(
    private readonly transcript: Exchange[],
    public cookie?: string,
  ) {}

  /** Cookies other than the session's (the pre-login CSRF cookie), kept as a browser keeps them. */
  private readonly others = new Map<string, string>();

  /** Another client on the same session (e.g. a second tab, or the same cookie sent to another instance). */
  sharing(): WebClient {
    const tab = new WebClient(this.transcript, this.cookie);
    for (const [name, pair] of this.others) tab.others.set(name, pair);
    return tab;
  }

  get sid(): string {
    return sessionIdFromCookie(this.cookie ? [this.cookie] : []);
  }

  get(base: string, path: string): Promise<Answer> {
    return this.send(base, path, { method: 'GET' });
  }

  /** The `_csrf` value of the first form on a page. */
  async csrf(base: string, pagePath: string): Promise<string> {
    const page = await this.get(base, pagePath);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!token) throw new Error(`no _csrf on ${pagePath} (status ${page.status})`);
    return token;
  }

  /** Posts a form with the `_csrf` of the page at `pagePath`, both on instance `base`. */
  async submit(base: string, pagePath: string, action: string, fields: Record<string, string> = {}): Promise<Answer> {
    return this.post(base, action, { _csrf: await this.csrf(base, pagePath), ...fields });
  }

  post(base: string, path: string, fields: Record<string, string>): Promise<Answer> {
    return this.send(base, path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  private cookieHeader(): string {
    return [this.cookie, ...this.others.values()].filter(Boolean).join('; ');
  }

  private async send(base: string, path: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
    const res = await fetch(`${base}${path}`, {
      ...init,
      headers: { ...init.headers, ...(this.cookieHeader() ? { cookie: this.cookieHeader() } : {}) },
      redirect: 'manual',
      // A bound, not a measurement: a request the gateway never answers fails the test instead of hanging it.
      signal: AbortSignal.timeout(HANG_MS),
    });
    const text = await res.text();
    const setCookie = res.headers.getSetCookie();
    const pair = setCookie.find((c) => c.startsWith(`${COOKIE}=`))?.split(';')[0];
    if (pair !== undefined) this.cookie = pair === `${COOKIE}=` ? undefined : pair;
    for (const c of setCookie) {
      const other = c.split(';')[0]!;
      const name = other.slice(0, other.indexOf('='));
      if (name === COOKIE || !name) continue;
      if (other === `${name}=`) this.others.delete(name);
      else this.others.set(name, other);
    }
    this.transcript.push({
      method: init.method,
      url: path,
      status: res.status,
      headers: { ...Object.fromEntries(res.headers), 'set-cookie': setCookie },
      body: text,
    });
    return { status: res.status, location: res.headers.get('location'), retryAfter: res.headers.get('retry-after'), text };
  }
}

export interface SignedIn {
  client: WebClient;
  sid: string;
  sub: string;
  username: string;
}

export interface Fleet {
  backend: RedisBackend;
  /** base URLs of the gateway processes */
  urls: string[];
  processes: ServerProcess[];
  emulator: RunningEmulator;
  emu: EmulatorControl;
  /** the test's own view into the shared Redis */
  redis: RedisClient;
  store: VersionedRedisStore;
  /** the per-user session index the instances share */
  index: RedisUserIndex;
  /** Creates a user and signs in on instance `on`. */
  signIn(on?: number): Promise<SignedIn>;
  /** Creates a CloudBase user whose password the leak guard looks for. */
  createUser(): Promise<{ sub: string; username: string; password: string }>;
  /** A new cookie-less browser whose exchanges the leak guard checks. */
  newClient(): WebClient;
  /** Fails if any response or process log line carried a token, password or SMS code. */
  assertNoLeaks(): void;
  close(): Promise<void>;
}

/**
 * Builds the gateway once, starts the Redis backend, the emulator and `instances` gateway processes configured alike
 * (same session secret, same Redis, same CloudBase), and a Redis client for the test.
 */
export async function startFleet(startBackend: StartBackend, opts: { instances?: number; env?: Record<string, string> } = {}): Promise<Fleet> {
  buildGateway();
  const backend = await startBackend();
  const emulator = await startTestEmulator({ envId: 'test-env', clientId: 'test-client', clientSecret: 'test-secret' });
  const processes: ServerProcess[] = [];
  let redis: RedisClient | undefined;
  const close = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    if (redis) await redis.quit().catch(() => redis!.disconnect());
    await emulator.close();
    await backend.stop();
  };
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    SESSION_SECRET: 'multi-instance-secret-0123456789abcdef',
    CLOUDBASE_ENV_ID: 'test-env',
    CLOUDBASE_CLIENT_ID: 'test-client',
    CLOUDBASE_CLIENT_SECRET: 'test-secret',
    CLOUDBASE_API_ORIGIN: emulator.url,
    REFRESH_SKEW_S: '60',
    LOG_LEVEL: 'info',
    ...backend.env,
    ...opts.env,
  };
  try {
    processes.push(...(await Promise.all(Array.from({ length: opts.instances ?? 2 }, () => startServerProcess(env)))));
    redis = createRedisClient(backend.config)!;
    await waitReady(redis);
  } catch (e) {
    await close();
    throw e;
  }
  // The instances' keys, so the test reads the sessions they sealed.
  const { tokenKeys } = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: env.SESSION_SECRET, TOKEN_ENCRYPTION_KEYS: env.TOKEN_ENCRYPTION_KEYS });
  const cipher = createTokenCipher(tokenKeys);
  const { store, index } = createSharedSessions({ client: redis, prefix: KEY_PREFIX, ttlMs: () => 60_000, tombstoneMs: 60_000, cipher });
  const emu = emulatorControl(emulator.url);
  const urls = processes.map((p) => p.url);
  const transcript: Exchange[] = [];
  const secrets = new Set<string>();
  let seq = 0;
  const createUser = async () => {
    seq += 1;
    const user = { username: `fleet${seq}`, password: `Passw0rd!fleet${seq}` };
    secrets.add(user.password);
    const { sub } = await emu.createUser(user);
    return { sub, ...user };
  };

  return {
    backend,
    urls,
    processes,
    emulator,
    emu,
    redis,
    store,
    index,
    createUser,
    newClient: () => new WebClient(transcript),
    async signIn(on = 0) {
      const { sub, ...user } = await createUser();
      const client = new WebClient(transcript);
      const res = await client.submit(urls[on]!, '/login', '/login', user);
      // A failed sign-in answers 303 too, back to the form: only a 303 elsewhere is one.
      if (res.status !== 303 || res.location?.startsWith('/login')) throw new Error(`sign-in on instance ${on} answered ${res.status} → ${res.location}`);
      return { client, sid: client.sid, sub, username: user.username };
    },
    assertNoLeaks() {
      const logs = processes.flatMap((p) => p.lines);
      const leaks = findLeaks({ transcript, logs, emulator: emulator.state, secrets });
      if (leaks.length > 0) throw new Error(`Secrets leaked:\n${leaks.join('\n')}`);
    },
    close,
  };
}
