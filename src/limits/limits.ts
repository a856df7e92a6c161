import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimitsConfig } from '../config/index.js';
import type { RedisClient } from '../session/redis.js';

/** What a rejection was about: the label of `rate_limit_rejections_total`. */
export type LimitKind =
  | 'login_account'
  | 'login_account_ip'
  | 'login_device'
  | 'login_ip'
  | 'reauth_session'
  | 'sms_cooldown'
  | 'sms_phone_hour'
  | 'sms_phone_day'
  | 'sms_ip'
  | 'sms_session'
  | 'code_guesses'
  | 'anonymous_ip';

/** Counters whose limit is compared by the guard itself (an attempt count, a strike count, a block flag). */
export interface BackoffLimiters {
  /** what refusals by these counters are counted as */
  kind: LimitKind;
  /** password attempts in the window, taken before each call and given back on success */
  failures: RateLimiterAbstract;
  /** how many times the failures crossed the limit (drives the doubling), kept for a day */
  strikes: RateLimiterAbstract;
  /** set while blocked; its TTL is the wait. Taking it is how an attempt past the limit gets through, one at a time */
  block: RateLimiterAbstract;
  /** attempts in the window before each further one needs the block */
  threshold: number;
}

export interface Limiters {
  config: LimitsConfig;
  login: { account: BackoffLimiters; accountIp: BackoffLimiters; device: BackoffLimiters; ip: BackoffLimiters; reauth: BackoffLimiters };
  /** per-window counters: `points` is the limit; no cooldown limiter when LIMIT_SMS_COOLDOWN_S is 0 */
  /** anonymous sign-ins per IP */
  anonymous: RateLimiterAbstract;
  sms: Record<Extract<LimitKind, 'sms_phone_hour' | 'sms_phone_day' | 'sms_ip' | 'sms_session' | 'code_guesses'>, RateLimiterAbstract> & {
    sms_cooldown: RateLimiterAbstract | undefined;
  };
}

const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;
/** Effectively unlimited points: the guard compares counts against its own thresholds. */
const UNCAPPED = 1_000_000_000;

/**
 * Builds every limiter from the config: in Redis (shared by all instances; single-key Lua, so Redis Cluster works too)
 * or, with the development store, in this process. Keys live under `<REDIS_KEY_PREFIX>rl:<name>:`.
 */
export function createLimiters(config: LimitsConfig, redis: RedisClient | undefined, keyPrefix: string): Limiters {
  const make = (name: string, points: number, duration: number): RateLimiterAbstract =>
    redis
      ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `${keyPrefix}rl:${name}`, points, duration })
      : new RateLimiterMemory({ keyPrefix: `rl:${name}`, points, duration });

  const backoff = (name: LimitKind, threshold: number): BackoffLimiters => ({
    kind: name,
    failures: make(`${name}:f`, UNCAPPED, config.login.windowS),
    strikes: make(`${name}:s`, UNCAPPED, DAY_S),
    block: make(`${name}:b`, 1, 1),
    threshold,
  });

  return {
    config,
    login: {
      account: backoff('login_account', config.login.failuresPerAccount),
      accountIp: backoff('login_account_ip', config.login.failuresPerAccountIp),
      device: backoff('login_device', config.login.failuresPerDevice),
      ip: backoff('login_ip', config.login.failuresPerIp),
      reauth: backoff('reauth_session', config.login.failuresPerDevice),
    },
    anonymous: make('anonymous_ip', config.anonymousPerIpHour, HOUR_S),
    sms: {
      sms_cooldown: config.sms.cooldownS > 0 ? make('sms_cooldown', 1, config.sms.cooldownS) : undefined,
      sms_phone_hour: make('sms_phone_hour', config.sms.perPhoneHour, HOUR_S),
      sms_phone_day: make('sms_phone_day', config.sms.perPhoneDay, DAY_S),
      sms_ip: make('sms_ip', config.sms.perIpHour, HOUR_S),
      sms_session: make('sms_session', config.sms.perSessionHour, HOUR_S),
      // A verification code lives at most this long upstream; its guess counter need not outlive it.
      code_guesses: make('code_guesses', config.sms.codeGuesses, HOUR_S),
    },
  };
}
