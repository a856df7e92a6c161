import { z } from 'zod';

const intFromEnv = (name: string, def: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      if (!/^\d+$/.test(v.trim())) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number, got "${v}"` });
        return z.NEVER;
      }
      const n = Number(v.trim());
      if (n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be between ${min} and ${max}, got ${n}` });
        return z.NEVER;
      }
      return n;
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const originString = (name: string) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && (u.pathname === '/' || u.pathname === '') && !u.search;
      } catch {
        return false;
      }
    },
    { message: `${name} must be an origin like https://app.example.com (scheme and host, no path)` },
  );

const boolFromEnv = (name: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const t = v?.trim().toLowerCase();
      if (t === undefined || t === '' || t === 'false') return false;
      if (t === 'true') return true;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false, got "${v}"` });
      return z.NEVER;
    });

const pageLink = (name: string) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      if (v.startsWith('/') && !v.startsWith('//')) return true;
      try {
        const u = new URL(v);
        return u.protocol === 'https:' || u.protocol === 'http:';
      } catch {
        return false;
      }
    },
    { message: `${name} must be an http(s) URL or a path on this site starting with /` },
  );

/** The raw environment, variable by variable: each rule names its variable so errors can be acted on. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).optional().default('development'),
  PORT: intFromEnv('PORT', 3000, 0, 65535),
  HOST: optionalString,
  PUBLIC_ORIGIN: originString('PUBLIC_ORIGIN'),
  TRUST_PROXY: optionalString,
  SESSION_SECRET: optionalString,
  TOKEN_ENCRYPTION_KEYS: optionalString,
  SESSION_IDLE_TIMEOUT_S: intFromEnv('SESSION_IDLE_TIMEOUT_S', 30 * 60, 60, 31 * 24 * 3600),
  SESSION_ABSOLUTE_TIMEOUT_S: intFromEnv('SESSION_ABSOLUTE_TIMEOUT_S', 7 * 24 * 3600, 60, 366 * 24 * 3600),
  REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\/.+/.test(v), {
    message: 'REDIS_URL must start with redis:// or rediss://',
  }),
  REDIS_CLUSTER_NODES: optionalString.refine(
    (v) => v === undefined || v.split(',').every((n) => /^[^\s:,]+:\d{1,5}$/.test(n.trim())),
    { message: 'REDIS_CLUSTER_NODES must be a comma-separated list of host:port' },
  ),
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
  PROXY_ROUTES: optionalString,
  PROXY_TIMEOUT_MS: intFromEnv('PROXY_TIMEOUT_MS', 15000, 100, 300000),
  REFRESH_SKEW_S: intFromEnv('REFRESH_SKEW_S', 60, 0, 3600),
  SHUTDOWN_DELAY_MS: intFromEnv('SHUTDOWN_DELAY_MS', 0, 0, 60_000),
  SHUTDOWN_GRACE_MS: intFromEnv('SHUTDOWN_GRACE_MS', 10_000, 100, 600_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
  EMULATOR_PORT: intFromEnv('EMULATOR_PORT', 8787, 0, 65535),
  METRICS_PORT: intFromEnv('METRICS_PORT', 9464, 0, 65535),
  METRICS_HOST: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9.:-]{1,253}$/.test(v), {
    message: 'METRICS_HOST must be an address or host name to bind, e.g. 127.0.0.1',
  }),
  CLOUDBASE_ALLOW_HTTP: boolFromEnv('CLOUDBASE_ALLOW_HTTP'),
  // Abuse limits (shared by every instance through Redis): see .env.example and the README's "For operators".
  // What people see: the name in the header and titles, and the documents sign-up asks them to accept.
  APP_NAME: optionalString.refine((v) => v === undefined || v.length <= 60, { message: 'APP_NAME must be at most 60 characters' }),
  TERMS_URL: pageLink('TERMS_URL'),
  PRIVACY_URL: pageLink('PRIVACY_URL'),
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

export type RawEnv = z.infer<typeof envSchema>;
