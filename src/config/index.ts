import { hkdfSync, randomBytes } from 'node:crypto';
import { envSchema } from './schema.js';
import { weakSecretReason } from './secret-strength.js';

export interface RedisNode {
  host: string;
  port: number;
}

export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly production: boolean;
  readonly port: number;
  readonly host: string | undefined;
  /** Origin the browser sees; undefined means "the request's own origin" (development only, warned). */
  readonly publicOrigin: string | undefined;
  /** express `trust proxy` value. */
  readonly trustProxy: boolean | number | string;
  readonly session: {
    readonly secrets: readonly string[];
    readonly idleTimeoutS: number;
    readonly absoluteTimeoutS: number;
    /** `__Host-` prefix and Secure when PUBLIC_ORIGIN is https. */
    readonly secureCookie: boolean;
    readonly cookieName: string;
  };
  /**
   * Keys sealing the tokens in stored sessions (TOKEN_ENCRYPTION_KEYS): the first seals, all open. `key` is 32 bytes
   * in base64url; `id`, when given, is written beside what the key sealed.
   */
  readonly tokenKeys: readonly TokenKey[];
  readonly redis: {
    readonly url: string | undefined;
    readonly clusterNodes: readonly RedisNode[] | undefined;
    readonly keyPrefix: string;
  };
  readonly cloudbase: {
    /** True when CLOUDBASE_ENV_ID is unset: the bundled emulator runs in-process. */
    readonly embeddedEmulator: boolean;
    readonly envId: string;
    readonly region: string;
    readonly clientId: string;
    readonly clientSecret: string | undefined;
    /** Undefined only with the embedded emulator, whose URL is known once it listens. */
    readonly apiOrigin: string | undefined;
    readonly timeoutMs: number;
  };
  readonly proxy: {
    readonly routes: Readonly<Record<string, string>>;
    readonly timeoutMs: number;
  };
  readonly refreshSkewS: number;
  /** SIGTERM: how long to keep accepting (readiness 503) before closing the listener, then how long in-flight requests may take */
  readonly shutdown: { readonly delayMs: number; readonly graceMs: number };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly emulatorPort: number;
  /** The metrics listener, apart from the public port; port 0 takes any free port. */
  readonly metrics: {
    readonly host: string;
    readonly port: number;
  };
  /** What the pages show: the app's name (unset: "Account" in the page's language), and the terms and privacy links (when set, sign-up asks for consent). */
  readonly pages: { readonly appName: string | undefined; readonly termsUrl: string | undefined; readonly privacyUrl: string | undefined };
  /** Abuse limits; every count is per window and shared by all instances on one Redis. */
  readonly limits: LimitsConfig;
  /** Things worth telling an operator at start-up (never secrets). */
  readonly warnings: readonly string[];
}

export interface TokenKey {
  readonly id?: string;
  readonly key: string;
}

export interface LimitsConfig {
  readonly login: {
    /** password attempts per account (normalised) from unknown devices, all addresses together, within windowS */
    readonly failuresPerAccount: number;
    /** the same from one client address: the tight limit on a stranger */
    readonly failuresPerAccountIp: number;
    /** password attempts from one device that signed in to the account before (its own limit) */
    readonly failuresPerDevice: number;
    /** password attempts per client IP across accounts within windowS */
    readonly failuresPerIp: number;
    readonly windowS: number;
    /** first block; each further block doubles, up to blockMaxS */
    readonly blockS: number;
    readonly blockMaxS: number;
    /** a failed sign-in is answered no sooner than this after it started (0: off) */
    readonly failureMinMs: number;
  };
  readonly sms: {
    /** seconds between two codes to one number (0: off) */
    readonly cooldownS: number;
    readonly perPhoneHour: number;
    readonly perPhoneDay: number;
    readonly perIpHour: number;
    readonly perSessionHour: number;
    /** wrong codes allowed per verification before a new code is needed */
    readonly codeGuesses: number;
  };
  /** anonymous sign-ins per client IP per hour: each one can create a user upstream */
  readonly anonymousPerIpHour: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const EMULATOR_ENV_ID = 'local-emulator';

function parseTrustProxy(v: string | undefined, problems: string[]): boolean | number | string {
  if (v === undefined) return false;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  if (/^[0-9a-fA-F.:/,\s a-z]+$/.test(v)) return v;
  problems.push(`TRUST_PROXY must be true, false, a hop count, or a list of addresses/subnets, got "${v}"`);
  return false;
}

function parseProxyRoutes(v: string | undefined, problems: string[]): Record<string, string> {
  if (v === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    problems.push('PROXY_ROUTES must be a JSON object like {"orders": "https://orders.internal"}');
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push('PROXY_ROUTES must be a JSON object like {"orders": "https://orders.internal"}');
    return {};
  }
  const routes: Record<string, string> = Object.create(null);
  for (const [name, target] of Object.entries(parsed)) {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/i.test(name)) {
      problems.push(`PROXY_ROUTES: route name "${name}" may hold only letters, digits, _ and - (at most 63)`);
      continue;
    }
    let url: URL;
    try {
      url = new URL(String(target));
    } catch {
      problems.push(`PROXY_ROUTES: "${name}" must map to an http(s) URL, got ${JSON.stringify(target)}`);
      continue;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
      problems.push(`PROXY_ROUTES: "${name}" must be a plain http(s) URL without credentials, query or fragment`);
      continue;
    }
    routes[name] = url.href.replace(/\/+$/, '');
  }
  return Object.freeze(routes);
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}={0,1}$/;

/** `[id:]key,…`, each key 32 bytes in base64 or base64url. Problems name the entry by position, never its value. */
function parseTokenKeys(v: string, problems: string[], production: boolean): TokenKey[] {
  const keys: TokenKey[] = [];
  const ids = new Set<string>();
  for (const [i, entry] of v.split(',').entries()) {
    const item = entry.trim();
    const where = `TOKEN_ENCRYPTION_KEYS: entry ${i + 1}`;
    const colon = item.indexOf(':');
    const id = colon >= 0 ? item.slice(0, colon).trim() : undefined;
    const key = (colon >= 0 ? item.slice(colon + 1) : item).trim();
    if (item === '') problems.push(`${where} is empty (remove the extra comma)`);
    else if (id !== undefined && !KEY_ID.test(id)) {
      problems.push(`${where}: its id may hold only letters, digits, _ and - (1 to 32), before a ':'`);
    } else if (id !== undefined && ids.has(id)) problems.push(`${where}: the id "${id}" is used twice`);
    else if (!BASE64_KEY.test(key) || Buffer.from(key, 'base64').length !== 32) {
      problems.push(`${where} must be 32 random bytes in base64 or base64url (e.g. from: openssl rand -base64 32)`);
    } else if (production && !looksRandom(Buffer.from(key, 'base64'))) {
      problems.push(`${where} is not random (text or a repeated pattern in base64); make one with: openssl rand -base64 32`);
    } else {
      if (id !== undefined) ids.add(id);
      keys.push({ ...(id !== undefined ? { id } : {}), key: Buffer.from(key, 'base64').toString('base64url') });
    }
  }
  return keys;
}

/**
 * 32 random bytes are all printable ASCII with odds of about 1e-17 and repeat bytes rarely: a key that is text
 * ("change-me…" in base64) or a pattern is a placeholder, whatever it looks like once encoded.
 */
function looksRandom(key: Buffer): boolean {
  const printable = key.every((b) => b >= 0x20 && b < 0x7f);
  return !printable && new Set(key).size >= 16;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/**
 * Reads and validates the environment once. Throws ConfigError listing every problem, each naming its variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const result = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? 'environment');
      problems.push(issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`);
    }
    throw new ConfigError(problems);
  }
  const raw = result.data;
  const production = raw.NODE_ENV === 'production';
  const warnings: string[] = [];

  const trustProxy = parseTrustProxy(raw.TRUST_PROXY, problems);
  const proxyRoutes = parseProxyRoutes(raw.PROXY_ROUTES, problems);

  let secrets = (raw.SESSION_SECRET ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (secrets.length === 0) {
    if (production) problems.push('SESSION_SECRET is required in production (comma-separated; the first signs)');
    else {
      secrets = [randomBytes(32).toString('base64url')];
      warnings.push('SESSION_SECRET is not set: using a random secret, so sessions end when the process restarts');
    }
  } else if (production) {
    // Every secret verifies cookies, so an old weak one is as bad as a weak first one.
    secrets.forEach((secret, i) => {
      const weak = weakSecretReason(secret);
      if (weak) {
        problems.push(
          `SESSION_SECRET: secret ${i + 1} of ${secrets.length} is ${weak}; in production every secret must be at least 32 random characters (e.g. \`openssl rand -base64 48\`)`,
        );
      }
    });
  }

  let tokenKeys: TokenKey[] = [];
  if (raw.TOKEN_ENCRYPTION_KEYS !== undefined) tokenKeys = parseTokenKeys(raw.TOKEN_ENCRYPTION_KEYS, problems, production);
  else if (production) {
    problems.push('TOKEN_ENCRYPTION_KEYS is required in production (comma-separated 32-byte base64 keys; the first encrypts)');
  } else if (secrets.length > 0) {
    const derived = Buffer.from(hkdfSync('sha256', secrets[0]!, 'cbg token keys', 'derived from SESSION_SECRET', 32));
    tokenKeys = [{ id: 'dev', key: derived.toString('base64url') }];
    warnings.push('TOKEN_ENCRYPTION_KEYS is not set: tokens in sessions are sealed with a key derived from SESSION_SECRET (development only)');
  }

  if (raw.SESSION_ABSOLUTE_TIMEOUT_S < raw.SESSION_IDLE_TIMEOUT_S) {
    problems.push('SESSION_ABSOLUTE_TIMEOUT_S must not be shorter than SESSION_IDLE_TIMEOUT_S');
  }
  if (raw.LIMIT_LOGIN_BLOCK_MAX_S < raw.LIMIT_LOGIN_BLOCK_S) {
    problems.push('LIMIT_LOGIN_BLOCK_MAX_S must not be shorter than LIMIT_LOGIN_BLOCK_S');
  }
  if (raw.LIMIT_SMS_PER_PHONE_DAY < raw.LIMIT_SMS_PER_PHONE_HOUR) {
    problems.push('LIMIT_SMS_PER_PHONE_DAY must not be lower than LIMIT_SMS_PER_PHONE_HOUR');
  }

  const clusterNodes = raw.REDIS_CLUSTER_NODES?.split(',').map((n) => {
    const [host, port] = n.trim().split(':') as [string, string];
    return { host, port: Number(port) };
  });
  if (raw.REDIS_URL && clusterNodes) problems.push('Set either REDIS_URL or REDIS_CLUSTER_NODES, not both');
  if (production && !raw.REDIS_URL && !clusterNodes) {
    problems.push('REDIS_URL is required in production (or REDIS_CLUSTER_NODES for Redis Cluster)');
  }
  if (!production && !raw.REDIS_URL && !clusterNodes) {
    warnings.push('REDIS_URL is not set: sessions live in this process only and are lost on restart (development only)');
  }

  const embeddedEmulator = raw.CLOUDBASE_ENV_ID === undefined;
  if (production) {
    if (embeddedEmulator) problems.push('CLOUDBASE_ENV_ID is required in production (the emulator is for development)');
    if (!raw.CLOUDBASE_CLIENT_ID) problems.push('CLOUDBASE_CLIENT_ID is required in production');
    if (!raw.CLOUDBASE_CLIENT_SECRET) problems.push('CLOUDBASE_CLIENT_SECRET is required in production');
  }
  const envId = raw.CLOUDBASE_ENV_ID ?? EMULATOR_ENV_ID;
  const apiOrigin = embeddedEmulator
    ? undefined
    : (raw.CLOUDBASE_API_ORIGIN ?? `https://${envId}.${raw.CLOUDBASE_REGION}.tcb-api.tencentcloudapi.com`);
  if (production && apiOrigin?.startsWith('http:')) {
    if (raw.CLOUDBASE_ALLOW_HTTP) {
      warnings.push(`CLOUDBASE_API_ORIGIN is plain http (${apiOrigin}): the client secret and every token cross the network in clear; CLOUDBASE_ALLOW_HTTP=true says that network is private`);
    } else {
      problems.push(
        'CLOUDBASE_API_ORIGIN must be https in production: the client secret and the tokens would cross the network in clear (set CLOUDBASE_ALLOW_HTTP=true only for a private network you trust)',
      );
    }
  }
  if (embeddedEmulator && raw.CLOUDBASE_API_ORIGIN) {
    warnings.push('CLOUDBASE_API_ORIGIN is ignored while CLOUDBASE_ENV_ID is unset (the embedded emulator is used)');
  }

  const publicOrigin = raw.PUBLIC_ORIGIN ? new URL(raw.PUBLIC_ORIGIN).origin : undefined;
  if (production && !publicOrigin?.startsWith('https:')) {
    problems.push(
      `PUBLIC_ORIGIN must be the https origin people use in production, e.g. https://app.example.com (got ${publicOrigin ?? 'nothing'}): without it session cookies are not Secure and Origin checks trust the Host header`,
    );
  }
  const secureCookie = publicOrigin?.startsWith('https:') ?? false;

  const metricsHost = raw.METRICS_HOST ?? '127.0.0.1';
  if (raw.METRICS_PORT !== 0 && raw.METRICS_PORT === raw.PORT) problems.push(`METRICS_PORT must differ from PORT (both ${raw.PORT})`);
  if (!isLoopback(metricsHost)) {
    warnings.push(`METRICS_HOST=${metricsHost}: /metrics is served to anything that reaches that address; keep its port off the public network`);
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze({
    nodeEnv: raw.NODE_ENV,
    production,
    port: raw.PORT,
    host: raw.HOST,
    publicOrigin,
    trustProxy,
    session: {
      secrets,
      idleTimeoutS: raw.SESSION_IDLE_TIMEOUT_S,
      absoluteTimeoutS: raw.SESSION_ABSOLUTE_TIMEOUT_S,
      secureCookie,
      cookieName: secureCookie ? '__Host-cbg.sid' : 'cbg.sid',
    },
    tokenKeys,
    redis: { url: raw.REDIS_URL, clusterNodes, keyPrefix: raw.REDIS_KEY_PREFIX },
    cloudbase: {
      embeddedEmulator,
      envId,
      region: raw.CLOUDBASE_REGION,
      clientId: raw.CLOUDBASE_CLIENT_ID ?? envId,
      clientSecret: raw.CLOUDBASE_CLIENT_SECRET,
      apiOrigin,
      timeoutMs: raw.CLOUDBASE_TIMEOUT_MS,
    },
    proxy: { routes: proxyRoutes, timeoutMs: raw.PROXY_TIMEOUT_MS },
    refreshSkewS: raw.REFRESH_SKEW_S,
    shutdown: { delayMs: raw.SHUTDOWN_DELAY_MS, graceMs: raw.SHUTDOWN_GRACE_MS },
    logLevel: raw.LOG_LEVEL,
    emulatorPort: raw.EMULATOR_PORT,
    metrics: { host: metricsHost, port: raw.METRICS_PORT },
    pages: { appName: raw.APP_NAME, termsUrl: raw.TERMS_URL, privacyUrl: raw.PRIVACY_URL },
    limits: {
      login: {
        failuresPerAccount: raw.LIMIT_LOGIN_FAILURES,
        failuresPerAccountIp: raw.LIMIT_LOGIN_ACCOUNT_IP_FAILURES,
        failuresPerDevice: raw.LIMIT_LOGIN_DEVICE_FAILURES,
        failuresPerIp: raw.LIMIT_LOGIN_IP_FAILURES,
        windowS: raw.LIMIT_LOGIN_WINDOW_S,
        blockS: raw.LIMIT_LOGIN_BLOCK_S,
        blockMaxS: raw.LIMIT_LOGIN_BLOCK_MAX_S,
        failureMinMs: raw.LIMIT_LOGIN_FAILURE_MIN_MS,
      },
      sms: {
        cooldownS: raw.LIMIT_SMS_COOLDOWN_S,
        perPhoneHour: raw.LIMIT_SMS_PER_PHONE_HOUR,
        perPhoneDay: raw.LIMIT_SMS_PER_PHONE_DAY,
        perIpHour: raw.LIMIT_SMS_PER_IP_HOUR,
        perSessionHour: raw.LIMIT_SMS_PER_SESSION_HOUR,
        codeGuesses: raw.LIMIT_CODE_GUESSES,
      },
      anonymousPerIpHour: raw.LIMIT_ANONYMOUS_PER_IP_HOUR,
    },
    warnings,
  } satisfies Config);
}

/** The same config with the embedded emulator's URL filled in, once it listens. */
export function withApiOrigin(config: Config, apiOrigin: string): Config {
  return deepFreeze({ ...config, cloudbase: { ...config.cloudbase, apiOrigin } });
}
