import { hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  boolFromEnv,
  clusterNodes,
  intFromEnv,
  listFromEnv,
  looksRandom,
  optionalString,
  originString,
  proxyRoutes,
  tokenKeys,
  trustProxy,
} from './fields.js';
import { weakSecretReason } from './secret-strength.js';

/** The environment, variable by variable: each rule names its variable so errors can be acted on. */
const envFields = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).optional().default('development'),
  PORT: intFromEnv('PORT', 3000, 0, 65535),
  HOST: optionalString,
  PUBLIC_ORIGIN: originString('PUBLIC_ORIGIN'),
  TRUST_PROXY: trustProxy,
  SESSION_SECRET: listFromEnv,
  TOKEN_ENCRYPTION_KEYS: tokenKeys,
  SESSION_IDLE_TIMEOUT_S: intFromEnv('SESSION_IDLE_TIMEOUT_S', 30 * 60, 60, 31 * 24 * 3600),
  SESSION_ABSOLUTE_TIMEOUT_S: intFromEnv('SESSION_ABSOLUTE_TIMEOUT_S', 7 * 24 * 3600, 60, 366 * 24 * 3600),
  REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\/.+/.test(v), {
    message: 'REDIS_URL must start with redis:// or rediss://',
  }),
  REDIS_CLUSTER_NODES: clusterNodes,
  REDIS_KEY_PREFIX: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? 'cbg:' : v))
    .refine((v) => /^[A-Za-z0-9:_.-]{1,64}$/.test(v), {
      message: 'REDIS_KEY_PREFIX may hold only letters, digits and : _ . - (at most 64)',
    }),
  CLOUDBASE_ENV_ID: optionalString.refine((v) => v === undefined || /^[a-z0-9][a-z0-9-]{1,62}$/i.test(v), {
    message: 'CLOUDBASE_ENV_ID must look like an environment id (letters, digits and -)',
  }),
  CLOUDBASE_REGION: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? 'ap-shanghai' : v.trim()))
    .refine((v) => /^[a-z]{2}-[a-z]+(-\d+)?$/.test(v), { message: 'CLOUDBASE_REGION must look like ap-shanghai' }),
  CLOUDBASE_CLIENT_ID: optionalString,
  CLOUDBASE_CLIENT_SECRET: optionalString,
  CLOUDBASE_API_ORIGIN: originString('CLOUDBASE_API_ORIGIN'),
  CLOUDBASE_TIMEOUT_MS: intFromEnv('CLOUDBASE_TIMEOUT_MS', 5000, 100, 60000),
  PROXY_ROUTES: proxyRoutes,
  PROXY_TIMEOUT_MS: intFromEnv('PROXY_TIMEOUT_MS', 15000, 100, 300000),
  REFRESH_SKEW_S: intFromEnv('REFRESH_SKEW_S', 60, 0, 3600),
  SHUTDOWN_DELAY_MS: intFromEnv('SHUTDOWN_DELAY_MS', 0, 0, 60_000),
  SHUTDOWN_GRACE_MS: intFromEnv('SHUTDOWN_GRACE_MS', 10_000, 100, 600_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
  // empty means unset, as .env.example leaves it
  LOG_FORMAT: optionalString.pipe(z.enum(['json', 'pretty']).optional()),
  // Read by env-file.ts before this schema runs; listed here so every variable the gateway reads is in one place.
  ENV_FILE: z.string().optional(),
  EMULATOR_PORT: intFromEnv('EMULATOR_PORT', 8787, 0, 65535),
  METRICS_PORT: intFromEnv('METRICS_PORT', 9464, 0, 65535),
  METRICS_HOST: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9.:-]{1,253}$/.test(v), {
    message: 'METRICS_HOST must be an address or host name to bind, e.g. 127.0.0.1',
  }),
  CLOUDBASE_ALLOW_HTTP: boolFromEnv('CLOUDBASE_ALLOW_HTTP'),
  // Abuse limits (shared by every instance through Redis): see .env.example and the README's "For operators".
  LIMIT_LOGIN_FAILURES: intFromEnv('LIMIT_LOGIN_FAILURES', 5, 1, 1000),
  LIMIT_LOGIN_ACCOUNT_IP_FAILURES: intFromEnv('LIMIT_LOGIN_ACCOUNT_IP_FAILURES', 3, 1, 1000),
  LIMIT_LOGIN_DEVICE_FAILURES: intFromEnv('LIMIT_LOGIN_DEVICE_FAILURES', 5, 1, 1000),
  LIMIT_LOGIN_IP_FAILURES: intFromEnv('LIMIT_LOGIN_IP_FAILURES', 50, 1, 100000),
  LIMIT_LOGIN_FAILURE_MIN_MS: intFromEnv('LIMIT_LOGIN_FAILURE_MIN_MS', 500, 0, 10000),
  LIMIT_LOGIN_WINDOW_S: intFromEnv('LIMIT_LOGIN_WINDOW_S', 15 * 60, 1, 7 * 24 * 3600),
  LIMIT_LOGIN_BLOCK_S: intFromEnv('LIMIT_LOGIN_BLOCK_S', 60, 1, 24 * 3600),
  LIMIT_LOGIN_BLOCK_MAX_S: intFromEnv('LIMIT_LOGIN_BLOCK_MAX_S', 15 * 60, 1, 7 * 24 * 3600),
  LIMIT_SMS_COOLDOWN_S: intFromEnv('LIMIT_SMS_COOLDOWN_S', 60, 0, 3600),
  LIMIT_SMS_PER_PHONE_HOUR: intFromEnv('LIMIT_SMS_PER_PHONE_HOUR', 5, 1, 100000),
  LIMIT_SMS_PER_PHONE_DAY: intFromEnv('LIMIT_SMS_PER_PHONE_DAY', 10, 1, 100000),
  LIMIT_SMS_PER_IP_HOUR: intFromEnv('LIMIT_SMS_PER_IP_HOUR', 30, 1, 1000000),
  LIMIT_SMS_PER_SESSION_HOUR: intFromEnv('LIMIT_SMS_PER_SESSION_HOUR', 5, 1, 100000),
  LIMIT_CODE_GUESSES: intFromEnv('LIMIT_CODE_GUESSES', 5, 1, 1000),
  LIMIT_ANONYMOUS_PER_IP_HOUR: intFromEnv('LIMIT_ANONYMOUS_PER_IP_HOUR', 30, 1, 1000000),
});

type Env = z.output<typeof envFields>;

const EMULATOR_ENV_ID = 'local-emulator';

/** A variable that failed its own rule holds z.NEVER here; rules over several variables skip it (it is reported already). */
const valid = (...values: unknown[]) => values.every((v) => v !== z.NEVER);

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function apiOriginOf(env: Env): string | undefined {
  if (env.CLOUDBASE_ENV_ID === undefined) return undefined;
  return env.CLOUDBASE_API_ORIGIN ?? `https://${env.CLOUDBASE_ENV_ID}.${env.CLOUDBASE_REGION}.tcb-api.tencentcloudapi.com`;
}

function publicOriginOf(env: Env): string | undefined {
  return env.PUBLIC_ORIGIN ? new URL(env.PUBLIC_ORIGIN).origin : undefined;
}

/**
 * Rules over several variables and the production posture. They run even when some variable failed its own rule
 * (`when`), so start-up lists every problem at once; a rule whose input failed is skipped.
 */
function crossFieldRules(env: Env, ctx: z.RefinementCtx): void {
  const problem = (variable: keyof Env, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
  const production = env.NODE_ENV === 'production';

  const secrets = env.SESSION_SECRET;
  if (valid(secrets) && secrets.length === 0 && production) {
    problem('SESSION_SECRET', 'SESSION_SECRET is required in production (comma-separated; the first signs)');
  } else if (valid(secrets) && production) {
    // Every secret verifies cookies, so an old weak one is as bad as a weak first one.
    secrets.forEach((secret, i) => {
      const weak = weakSecretReason(secret);
      if (weak) {
        problem(
          'SESSION_SECRET',
          `SESSION_SECRET: secret ${i + 1} of ${secrets.length} is ${weak}; in production every secret must be at least 32 random characters (e.g. \`openssl rand -base64 48\`)`,
        );
      }
    });
  }

  const keys = env.TOKEN_ENCRYPTION_KEYS;
  if (keys === undefined && production) {
    problem('TOKEN_ENCRYPTION_KEYS', 'TOKEN_ENCRYPTION_KEYS is required in production (comma-separated 32-byte base64 keys; the first encrypts)');
  } else if (keys !== undefined && valid(keys) && production) {
    keys.forEach(({ key }, i) => {
      if (!looksRandom(Buffer.from(key, 'base64url'))) {
        problem(
          'TOKEN_ENCRYPTION_KEYS',
          `TOKEN_ENCRYPTION_KEYS: entry ${i + 1} is not random (text or a repeated pattern in base64); make one with: openssl rand -base64 32`,
        );
      }
    });
  }

  if (valid(env.SESSION_IDLE_TIMEOUT_S, env.SESSION_ABSOLUTE_TIMEOUT_S) && env.SESSION_ABSOLUTE_TIMEOUT_S < env.SESSION_IDLE_TIMEOUT_S) {
    problem('SESSION_ABSOLUTE_TIMEOUT_S', 'SESSION_ABSOLUTE_TIMEOUT_S must not be shorter than SESSION_IDLE_TIMEOUT_S');
  }
  if (valid(env.LIMIT_LOGIN_BLOCK_S, env.LIMIT_LOGIN_BLOCK_MAX_S) && env.LIMIT_LOGIN_BLOCK_MAX_S < env.LIMIT_LOGIN_BLOCK_S) {
    problem('LIMIT_LOGIN_BLOCK_MAX_S', 'LIMIT_LOGIN_BLOCK_MAX_S must not be shorter than LIMIT_LOGIN_BLOCK_S');
  }
  if (valid(env.LIMIT_SMS_PER_PHONE_HOUR, env.LIMIT_SMS_PER_PHONE_DAY) && env.LIMIT_SMS_PER_PHONE_DAY < env.LIMIT_SMS_PER_PHONE_HOUR) {
    problem('LIMIT_SMS_PER_PHONE_DAY', 'LIMIT_SMS_PER_PHONE_DAY must not be lower than LIMIT_SMS_PER_PHONE_HOUR');
  }

  if (env.REDIS_URL && env.REDIS_CLUSTER_NODES) problem('REDIS_URL', 'Set either REDIS_URL or REDIS_CLUSTER_NODES, not both');
  if (production && !env.REDIS_URL && !env.REDIS_CLUSTER_NODES) {
    problem('REDIS_URL', 'REDIS_URL is required in production (or REDIS_CLUSTER_NODES for Redis Cluster)');
  }

  if (production) {
    if (env.CLOUDBASE_ENV_ID === undefined) {
      problem('CLOUDBASE_ENV_ID', 'CLOUDBASE_ENV_ID is required in production (the emulator is for development)');
    }
    if (!env.CLOUDBASE_CLIENT_ID) problem('CLOUDBASE_CLIENT_ID', 'CLOUDBASE_CLIENT_ID is required in production');
    if (!env.CLOUDBASE_CLIENT_SECRET) problem('CLOUDBASE_CLIENT_SECRET', 'CLOUDBASE_CLIENT_SECRET is required in production');
    if (valid(env.CLOUDBASE_API_ORIGIN, env.CLOUDBASE_ALLOW_HTTP) && apiOriginOf(env)?.startsWith('http:') && !env.CLOUDBASE_ALLOW_HTTP) {
      problem(
        'CLOUDBASE_API_ORIGIN',
        'CLOUDBASE_API_ORIGIN must be https in production: the client secret and the tokens would cross the network in clear (set CLOUDBASE_ALLOW_HTTP=true only for a private network you trust)',
      );
    }
    const publicOrigin = valid(env.PUBLIC_ORIGIN) ? publicOriginOf(env) : undefined;
    if (valid(env.PUBLIC_ORIGIN) && !publicOrigin?.startsWith('https:')) {
      problem(
        'PUBLIC_ORIGIN',
        `PUBLIC_ORIGIN must be the https origin people use in production, e.g. https://app.example.com (got ${publicOrigin ?? 'nothing'}): without it session cookies are not Secure and Origin checks trust the Host header`,
      );
    }
  }

  if (production && env.LOG_FORMAT === 'pretty') {
    problem('LOG_FORMAT', 'LOG_FORMAT=pretty is for development: production logs are JSON lines (and pino-pretty is a development dependency)');
  }

  if (valid(env.PORT, env.METRICS_PORT) && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
    problem('METRICS_PORT', `METRICS_PORT must differ from PORT (both ${env.PORT})`);
  }
}

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export function deepFreeze<T>(o: T): DeepReadonly<T> {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o as DeepReadonly<T>;
}

/** The checked environment as the application uses it, with what an operator should hear at start-up. */
function toConfig(env: Env) {
  const production = env.NODE_ENV === 'production';
  /** Things worth telling an operator at start-up (never secrets). */
  const warnings: string[] = [];

  let secrets = env.SESSION_SECRET;
  if (secrets.length === 0) {
    secrets = [randomBytes(32).toString('base64url')];
    warnings.push('SESSION_SECRET is not set: using a random secret, so sessions end when the process restarts');
  }

  let tokenKeys = env.TOKEN_ENCRYPTION_KEYS;
  if (tokenKeys === undefined) {
    const derived = Buffer.from(hkdfSync('sha256', secrets[0]!, 'cbg token keys', 'derived from SESSION_SECRET', 32));
    tokenKeys = [{ id: 'dev', key: derived.toString('base64url') }];
    warnings.push('TOKEN_ENCRYPTION_KEYS is not set: tokens in sessions are sealed with a key derived from SESSION_SECRET (development only)');
  }

  if (!env.REDIS_URL && !env.REDIS_CLUSTER_NODES) {
    warnings.push('REDIS_URL is not set: sessions live in this process only and are lost on restart (development only)');
  }

  const embeddedEmulator = env.CLOUDBASE_ENV_ID === undefined;
  const envId = env.CLOUDBASE_ENV_ID ?? EMULATOR_ENV_ID;
  const apiOrigin = apiOriginOf(env);
  if (production && apiOrigin?.startsWith('http:')) {
    warnings.push(`CLOUDBASE_API_ORIGIN is plain http (${apiOrigin}): the client secret and every token cross the network in clear; CLOUDBASE_ALLOW_HTTP=true says that network is private`);
  }
  if (embeddedEmulator && env.CLOUDBASE_API_ORIGIN) {
    warnings.push('CLOUDBASE_API_ORIGIN is ignored while CLOUDBASE_ENV_ID is unset (the embedded emulator is used)');
  }

  /** Origin the browser sees; undefined means "the request's own origin" (development only, warned). */
  const publicOrigin = publicOriginOf(env);
  /** `__Host-` prefix and Secure when PUBLIC_ORIGIN is https. */
  const secureCookie = publicOrigin?.startsWith('https:') ?? false;

  const metricsHost = env.METRICS_HOST ?? '127.0.0.1';
  if (!isLoopback(metricsHost)) {
    warnings.push(`METRICS_HOST=${metricsHost}: /metrics is served to anything that reaches that address; keep its port off the public network`);
  }

  return deepFreeze({
    nodeEnv: env.NODE_ENV,
    production,
    port: env.PORT,
    host: env.HOST,
    publicOrigin,
    /** express `trust proxy` value. */
    trustProxy: env.TRUST_PROXY,
    session: {
      secrets,
      idleTimeoutS: env.SESSION_IDLE_TIMEOUT_S,
      absoluteTimeoutS: env.SESSION_ABSOLUTE_TIMEOUT_S,
      secureCookie,
      cookieName: secureCookie ? '__Host-cbg.sid' : 'cbg.sid',
    },
    /**
     * Keys sealing the tokens in stored sessions (TOKEN_ENCRYPTION_KEYS): the first seals, all open. `key` is 32 bytes
     * in base64url; `id`, when given, is written beside what the key sealed.
     */
    tokenKeys,
    redis: { url: env.REDIS_URL, clusterNodes: env.REDIS_CLUSTER_NODES, keyPrefix: env.REDIS_KEY_PREFIX },
    cloudbase: {
      /** True when CLOUDBASE_ENV_ID is unset: the bundled emulator runs in-process. */
      embeddedEmulator,
      envId,
      region: env.CLOUDBASE_REGION,
      clientId: env.CLOUDBASE_CLIENT_ID ?? envId,
      clientSecret: env.CLOUDBASE_CLIENT_SECRET,
      /** Undefined only with the embedded emulator, whose URL is known once it listens. */
      apiOrigin,
      timeoutMs: env.CLOUDBASE_TIMEOUT_MS,
    },
    proxy: { routes: env.PROXY_ROUTES, timeoutMs: env.PROXY_TIMEOUT_MS },
    refreshSkewS: env.REFRESH_SKEW_S,
    /** SIGTERM: how long to keep accepting (readiness 503) before closing the listener, then how long in-flight requests may take */
    shutdown: { delayMs: env.SHUTDOWN_DELAY_MS, graceMs: env.SHUTDOWN_GRACE_MS },
    logLevel: env.LOG_LEVEL,
    /** undefined: pretty on a terminal outside production, JSON otherwise */
    logFormat: env.LOG_FORMAT,
    emulatorPort: env.EMULATOR_PORT,
    /** The metrics listener, apart from the public port; port 0 takes any free port. */
    metrics: { host: metricsHost, port: env.METRICS_PORT },
    /** Abuse limits; every count is per window and shared by all instances on one Redis. */
    limits: {
      login: {
        /** password attempts per account (normalised) from unknown devices, all addresses together, within windowS */
        failuresPerAccount: env.LIMIT_LOGIN_FAILURES,
        /** the same from one client address: the tight limit on a stranger */
        failuresPerAccountIp: env.LIMIT_LOGIN_ACCOUNT_IP_FAILURES,
        /** password attempts from one device that signed in to the account before (its own limit) */
        failuresPerDevice: env.LIMIT_LOGIN_DEVICE_FAILURES,
        /** password attempts per client IP across accounts within windowS */
        failuresPerIp: env.LIMIT_LOGIN_IP_FAILURES,
        windowS: env.LIMIT_LOGIN_WINDOW_S,
        /** first block; each further block doubles, up to blockMaxS */
        blockS: env.LIMIT_LOGIN_BLOCK_S,
        blockMaxS: env.LIMIT_LOGIN_BLOCK_MAX_S,
        /** a failed sign-in is answered no sooner than this after it started (0: off) */
        failureMinMs: env.LIMIT_LOGIN_FAILURE_MIN_MS,
      },
      sms: {
        /** seconds between two codes to one number (0: off) */
        cooldownS: env.LIMIT_SMS_COOLDOWN_S,
        perPhoneHour: env.LIMIT_SMS_PER_PHONE_HOUR,
        perPhoneDay: env.LIMIT_SMS_PER_PHONE_DAY,
        perIpHour: env.LIMIT_SMS_PER_IP_HOUR,
        perSessionHour: env.LIMIT_SMS_PER_SESSION_HOUR,
        /** wrong codes allowed per verification before a new code is needed */
        codeGuesses: env.LIMIT_CODE_GUESSES,
      },
      /** anonymous sign-ins per client IP per hour: each one can create a user upstream */
      anonymousPerIpHour: env.LIMIT_ANONYMOUS_PER_IP_HOUR,
    },
    warnings,
  });
}

/** The whole configuration: variables, the rules between them, and the shape the application reads. */
export const configSchema = envFields.superRefine(crossFieldRules, { when: () => true }).transform(toConfig);

export type Config = z.output<typeof configSchema>;
