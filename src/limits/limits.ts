import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimitsConfig } from '../config/index.js';
import type { RedisClient } from '../session/redis.js';
import { memoryGates, redisGates, type GateStore } from './gates.js';

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

/** A password limit: what its refusals count as, and the attempts in the window before each further one needs its block. */
export interface BackoffLimit {
  kind: LimitKind;
  threshold: number;
}

export interface Limiters {
  config: LimitsConfig;
  login: { account: BackoffLimit; accountIp: BackoffLimit; device: BackoffLimit; ip: BackoffLimit; reauth: BackoffLimit };
  /** the password limits' counters, checked and taken for all of an attempt's limits at once (gates.ts) */
  gates: GateStore;
  /** per-window counters: `points` is the limit; no cooldown limiter when LIMIT_SMS_COOLDOWN_S is 0 */
  /** anonymous sign-ins per IP */
  anonymous: RateLimiterAbstract;
  sms: Record<Extract<LimitKind, 'sms_phone_hour' | 'sms_phone_day' | 'sms_ip' | 'sms_session' | 'code_guesses'>, RateLimiterAbstract> & {
    sms_cooldown: RateLimiterAbstract | undefined;
  };
}

const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;

/**
 * Builds every limiter from the config: in Redis (shared by all instances; single-key Lua, or one slot's keys, so Redis
 * Cluster works too) or, with the development store, in this process. Keys live under `<REDIS_KEY_PREFIX>rl:<name>:`.
 */
export function createLimiters(config: LimitsConfig, redis: RedisClient | undefined, keyPrefix: string): Limiters {
  const make = (name: string, points: number, duration: number): RateLimiterAbstract =>
    redis
      ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `${keyPrefix}rl:${name}`, points, duration })
      : new RateLimiterMemory({ keyPrefix: `rl:${name}`, points, duration });

  const backoff = (kind: LimitKind, threshold: number): BackoffLimit => ({ kind, threshold });
  const times = { windowMs: config.login.windowS * 1000, blockMs: config.login.blockS * 1000, blockMaxMs: config.login.blockMaxS * 1000 };

  return {
    config,
    gates: redis ? redisGates(redis, keyPrefix, times) : memoryGates(times),
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
