import { hkdfSync, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { apiOriginOf, envFields, publicOriginOf, type Env } from './env.js';
import { crossFieldRules } from './rules.js';
import { cookieName } from './cookies.js';

const EMULATOR_ENV_ID = 'local-emulator';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
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

/**
 * A user-index entry (session/user-index.ts) is 53 bytes plus the sealing key's id; Redis keeps a hash in its compact
 * form while every value is at most 64 bytes (its default hash-max-listpack-value).
 */
const COMPACT_KEY_ID_CHARS = 11;

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

  const sealingId = tokenKeys[0]?.id;
  if (sealingId !== undefined && sealingId.length > COMPACT_KEY_ID_CHARS) {
    warnings.push(
      `TOKEN_ENCRYPTION_KEYS: the first key's id "${sealingId}" is longer than ${COMPACT_KEY_ID_CHARS} characters, so Redis keeps each user's session index in its larger form (about 170 bytes more per session); a shorter id avoids it`,
    );
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
  if (!embeddedEmulator && env.EMULATOR_PROVIDERS !== undefined) {
    warnings.push('EMULATOR_PROVIDERS is ignored while CLOUDBASE_ENV_ID is set (no embedded emulator; `npm run emulator` reads it)');
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
      cookieName: cookieName('session', secureCookie),
    },
    /**
     * Keys sealing the tokens in stored sessions (TOKEN_ENCRYPTION_KEYS): the first seals, all open. `key` is 32 bytes
     * in base64url; `id`, when given, is written beside what the key sealed.
     */
    tokenKeys,
    redis: {
      url: env.REDIS_URL,
      clusterNodes: env.REDIS_CLUSTER_NODES,
      keyPrefix: env.REDIS_KEY_PREFIX,
      /** WAIT after the session write of a sign-in: replicas to wait for (0: none) and for how long at most */
      wait: { replicas: env.REDIS_WAIT_REPLICAS, timeoutMs: env.REDIS_WAIT_TIMEOUT_MS },
    },
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
    /** EMULATOR_PROVIDERS as written (undefined: the emulator's defaults; empty: none); read only with the embedded emulator */
    emulatorProviders: env.EMULATOR_PROVIDERS,
    /** The metrics listener, apart from the public port; port 0 takes any free port. */
    metrics: { host: metricsHost, port: env.METRICS_PORT },
    /** What the pages show: the app's name (unset: "Account" in the page's language), and the terms and privacy links (when set, sign-up asks for consent). */
    pages: { appName: env.APP_NAME, termsUrl: env.TERMS_URL, privacyUrl: env.PRIVACY_URL },
    /** Third-party providers offered as sign-in buttons, in order (empty: none). */
    providers: env.AUTH_PROVIDERS,
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
