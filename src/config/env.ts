import { z } from 'zod';
import {
  boolFromEnv,
  clusterNodes,
  intFromEnv,
  listFromEnv,
  optionalString,
  originString,
  pageLink,
  proxyRoutes,
  tokenKeys,
  trustProxy,
} from './fields.js';
import { authProviders } from './providers.js';

/** The environment, variable by variable: each rule names its variable so errors can be acted on. */
export const envFields = z.object({
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
  // How many replicas must hold a session written at sign-in before the sign-in is answered (0: do not wait).
  REDIS_WAIT_REPLICAS: intFromEnv('REDIS_WAIT_REPLICAS', 0, 0, 16),
  // at most 1000: the wait is a Redis command, and every command is bounded at 1.5 s (src/session/redis.ts)
  REDIS_WAIT_TIMEOUT_MS: intFromEnv('REDIS_WAIT_TIMEOUT_MS', 250, 10, 1000),
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
  // The embedded emulator's providers, kept as written: the composition root has the emulator parse it (config/ does
  // not import emulator/), and only when the emulator is embedded. Empty means none, so it is not optionalString.
  EMULATOR_PROVIDERS: z.string().optional(),
  METRICS_PORT: intFromEnv('METRICS_PORT', 9464, 0, 65535),
  METRICS_HOST: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9.:-]{1,253}$/.test(v), {
    message: 'METRICS_HOST must be an address or host name to bind, e.g. 127.0.0.1',
  }),
  CLOUDBASE_ALLOW_HTTP: boolFromEnv('CLOUDBASE_ALLOW_HTTP'),
  // What people see: the name in the header and titles, and the documents sign-up asks them to accept.
  APP_NAME: optionalString.refine((v) => v === undefined || v.length <= 60, { message: 'APP_NAME must be at most 60 characters' }),
  TERMS_URL: pageLink('TERMS_URL'),
  PRIVACY_URL: pageLink('PRIVACY_URL'),
  // Third-party sign-in buttons on /login and /signup (CloudBase provider ids, optional `=Display name`).
  AUTH_PROVIDERS: authProviders,
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


export type Env = z.output<typeof envFields>;

/** CloudBase's API origin: CLOUDBASE_API_ORIGIN, else derived from the env id and region; undefined for the embedded emulator. */
export function apiOriginOf(env: Env): string | undefined {
  if (env.CLOUDBASE_ENV_ID === undefined) return undefined;
  return env.CLOUDBASE_API_ORIGIN ?? `https://${env.CLOUDBASE_ENV_ID}.${env.CLOUDBASE_REGION}.tcb-api.tencentcloudapi.com`;
}

export function publicOriginOf(env: Env): string | undefined {
  return env.PUBLIC_ORIGIN ? new URL(env.PUBLIC_ORIGIN).origin : undefined;
}
