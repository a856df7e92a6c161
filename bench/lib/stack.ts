import { BENCH_ENV } from './env.js';
import { resolve } from 'node:path';
import { startNodeService, startRedis, type Service } from './procs.js';

export { BENCH_ENV } from './env.js';

export interface Stack {
  redis: Service;
  emulator: Service;
  echo: Service;
  bff: Service;
  bare?: Service;
  stock?: Service;
  bareProxy?: Service;
  all(): Service[];
  stop(): Promise<void>;
}

/**
 * The BFF measured: this checkout's dist/main.js, or BENCH_BFF_DIR's (another checkout's build, e.g. an older
 * commit's, to compare two versions the same hour on the same machine; the emulator and baselines stay this one's).
 */
export function bffScript(dir = process.env.BENCH_BFF_DIR): string {
  return dir ? resolve(dir, 'dist/main.js') : 'dist/main.js';
}

export interface StackOptions {
  /** start the bare-express, stock-session and bare-proxy baselines too */
  baselines: boolean;
  /** extra node flags for the BFF process (e.g. --cpu-prof) */
  bffNodeArgs?: string[];
}

/**
 * Everything the scenarios run against, each as its own process on loopback: redis-server, the emulator, the echo
 * upstream, the BFF in production mode (LOG_LEVEL=warn), and the baselines (bare Express, the stock session stack, a bare
 * reverse proxy in front of the same echo upstream). Built code only: `npm run bench` builds
 * dist/ and dist-bench/ first.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const started: Service[] = [];
  const keep = <T extends Service>(s: T) => (started.push(s), s);
  try {
    const redis = keep(await startRedis());
    const emulator = keep(
      await startNodeService({
        name: 'emulator',
        script: 'dist/emulator/main.js',
        env: {
          NODE_ENV: 'production',
          CLOUDBASE_ENV_ID: BENCH_ENV.envId,
          CLOUDBASE_CLIENT_ID: BENCH_ENV.clientId,
          CLOUDBASE_CLIENT_SECRET: BENCH_ENV.clientSecret,
        },
        readyPath: '/__emulator/config',
        portVariable: 'EMULATOR_PORT',
      }),
    );
    const echo = keep(
      await startNodeService({ name: 'echo-upstream', script: 'dist-bench/bench/baselines/echo-upstream.js', env: {}, readyPath: '/' }),
    );
    const bff = keep(
      await startNodeService({
        name: 'bff',
        script: bffScript(),
        env: {
          NODE_ENV: 'production',
          LOG_LEVEL: 'warn',
          REDIS_URL: redis.url,
          REDIS_KEY_PREFIX: BENCH_ENV.keyPrefix,
          SESSION_SECRET: BENCH_ENV.sessionSecret,
          TOKEN_ENCRYPTION_KEYS: BENCH_ENV.tokenKeys,
          CLOUDBASE_ENV_ID: BENCH_ENV.envId,
          CLOUDBASE_CLIENT_ID: BENCH_ENV.clientId,
          CLOUDBASE_CLIENT_SECRET: BENCH_ENV.clientSecret,
          CLOUDBASE_API_ORIGIN: emulator.url,
          // the emulator on loopback: the only http CloudBase production accepts is an explicit private one
          CLOUDBASE_ALLOW_HTTP: 'true',
          PUBLIC_ORIGIN: BENCH_ENV.publicOrigin,
          // the bench plays the TLS proxy in front of the BFF
          TRUST_PROXY: 'loopback',
          PROXY_ROUTES: JSON.stringify({ [BENCH_ENV.proxyName]: echo.url }),
          REFRESH_SKEW_S: String(BENCH_ENV.refreshSkewS),
          METRICS_PORT: '0',
          // The scale measurement signs one user in thousands of times, ten at a time: a password attempt holds a
          // point of the per-account limits until it settles, so the defaults (5 and 3) would refuse the eleventh
          // concurrent one. Every limiter check still runs; only the allowances are larger.
          LIMIT_LOGIN_FAILURES: '1000',
          LIMIT_LOGIN_ACCOUNT_IP_FAILURES: '1000',
        },
        readyPath: '/healthz',
        ...(opts.bffNodeArgs ? { nodeArgs: opts.bffNodeArgs } : {}),
      }),
    );
    let bare: Service | undefined;
    let stock: Service | undefined;
    let bareProxy: Service | undefined;
    if (opts.baselines) {
      bareProxy = keep(
        await startNodeService({
          name: 'bare-proxy',
          script: 'dist-bench/bench/baselines/bare-proxy.js',
          env: { NODE_ENV: 'production', UPSTREAM_URL: echo.url },
          readyPath: '/',
        }),
      );
      bare = keep(
        await startNodeService({
          name: 'bare-express',
          script: 'dist-bench/bench/baselines/bare-express.js',
          env: { NODE_ENV: 'production' },
          readyPath: '/',
        }),
      );
      stock = keep(
        await startNodeService({
          name: 'stock-session',
          script: 'dist-bench/bench/baselines/stock-session.js',
          env: { NODE_ENV: 'production', REDIS_URL: redis.url, SESSION_SECRET: BENCH_ENV.sessionSecret },
          readyPath: '/session',
        }),
      );
    }
    return {
      redis,
      emulator,
      echo,
      bff,
      ...(bare ? { bare } : {}),
      ...(stock ? { stock } : {}),
      ...(bareProxy ? { bareProxy } : {}),
      all: () => [...started],
      stop: () => stopAll(started),
    };
  } catch (e) {
    await stopAll(started);
    throw e;
  }
}

/** Stops in reverse start order: the BFF before the Redis and emulator it depends on. */
async function stopAll(services: Service[]): Promise<void> {
  for (const s of [...services].reverse()) await s.stop().catch(() => undefined);
}
