import { createHash } from 'node:crypto';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError, storeUnavailable } from '../http/errors.js';
import { normalizePhone } from '../phone.js';
import type { BackoffLimiters, LimitKind, Limiters } from './limits.js';

/** Keys never hold what they count: a username, a phone number or a session id is hashed first. */
function digest(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 22);
}

/**
 * One key per account however it is typed: full-width characters folded, case ignored, and a phone number in any
 * spelling (`138…`, `+86 138…`, `0086-138…`) reduced to CloudBase's `+86 ` form.
 */
export function accountKey(username: string): string {
  const folded = username.normalize('NFKC').trim();
  const phone = /^[+\d\s().-]+$/.test(folded) ? normalizePhone(folded) : undefined;
  return digest(`a:${phone ?? folded.toLowerCase()}`);
}

/** One key per phone number however it is spelled. */
export function phoneKey(phone: string): string {
  const normal = normalizePhone(phone) ?? phone.normalize('NFKC').replace(/\D+/g, '');
  return digest(`p:${normal}`);
}

/** IPv4 (also IPv4-mapped IPv6) as is; IPv6 by its /64, which one subscriber usually holds whole. */
export function ipKey(ip: string): string {
  return digest(ipScope(ip));
}

/** The part of an address that identifies one client: all of IPv4, the /64 of IPv6. */
export function ipScope(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return `4:${mapped[1]}`;
  if (!ip.includes(':')) return `4:${ip}`;
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `6:${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}`;
}

/** What the limits are told about a call: the client address and the session, when known. */
export interface Requester {
  ip?: string | undefined;
  sessionKey?: string | undefined;
}

export interface LimitGuardOptions {
  /** called once per refused attempt, with what refused it (metrics) */
  onReject?: (kind: LimitKind) => void;
}

const secondsOf = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

const tooManyAttempts = (ms: number) =>
  new AppError(429, 'too_many_attempts', 'err.too_many_attempts', { retryAfterS: secondsOf(ms) });
const rateLimited = (ms: number) => new AppError(429, 'rate_limited', 'err.rate_limited', { retryAfterS: secondsOf(ms) });
const tooManyGuesses = (ms: number) => new AppError(429, 'rate_limited', 'err.too_many_guesses', { retryAfterS: secondsOf(ms) });

/**
 * A limiter call: a RateLimiterRes whether the points were granted or not; a store failure becomes the same 503 as a
 * session store failure, so a limit is never skipped because Redis is away (fail closed).
 */
async function settle(p: Promise<RateLimiterRes | null | boolean>): Promise<RateLimiterRes | null> {
  try {
    const r = await p;
    return r instanceof RateLimiterRes ? r : null;
  } catch (e) {
    if (e instanceof RateLimiterRes) return e;
    throw storeUnavailable(e);
  }
}

/** The wait left on a counter that is spent (`consumed >= limit`), or 0. */
function waitMs(res: RateLimiterRes | null, limit: number): number {
  if (!res || res.consumedPoints < limit) return 0;
  return res.msBeforeNext > 0 ? res.msBeforeNext : 1000;
}

/**
 * The abuse limits as the auth service uses them. Every check happens before CloudBase is called, so a refused
 * attempt never reaches it.
 *
 * Passwords: failures are counted per account and per IP in a window; reaching the limit blocks for `blockS`, and
 * every further failure while the count stands blocks again for twice as long, up to `blockMaxS`. A success clears
 * the account's count and back-off, so the owner is slowed, never locked out.
 */
export function createLimitGuard(limiters: Limiters, opts: LimitGuardOptions = {}) {
  const { login, sms, config } = limiters;

  const refuse = (kind: LimitKind, err: AppError): never => {
    opts.onReject?.(kind);
    throw err;
  };

  async function blockedMs(b: BackoffLimiters, key: string): Promise<number> {
    return waitMs(await settle(b.block.get(key)), 1);
  }

  /** Counts a failure; when the count reaches the threshold, blocks with a doubled wait. Returns the block in ms. */
  async function fail(b: BackoffLimiters, key: string): Promise<number> {
    const failures = await settle(b.failures.consume(key));
    if (!failures || failures.consumedPoints < b.threshold) return 0;
    const strikes = (await settle(b.strikes.consume(key)))?.consumedPoints ?? 1;
    const blockS = Math.min(config.login.blockS * 2 ** Math.min(strikes - 1, 30), config.login.blockMaxS);
    await settle(b.block.block(key, blockS));
    return blockS * 1000;
  }

  async function clear(b: BackoffLimiters, key: string): Promise<void> {
    await Promise.all([settle(b.failures.delete(key)), settle(b.strikes.delete(key)), settle(b.block.delete(key))]);
  }

  return {
    /** Before a password sign-in: 429 `too_many_attempts` while the account or the address is blocked. */
    async checkPasswordAttempt(username: string, who: Requester = {}): Promise<void> {
      const [account, ip] = await Promise.all([
        blockedMs(login.account, accountKey(username)),
        who.ip ? blockedMs(login.ip, ipKey(who.ip)) : 0,
      ]);
      if (account > 0 || ip > 0) refuse(account >= ip ? 'login_account' : 'login_ip', tooManyAttempts(Math.max(account, ip)));
    },

    /** After a wrong password: counts it; the failure that starts a block is answered 429 already. */
    async passwordFailed(username: string, who: Requester = {}): Promise<void> {
      const [account, ip] = await Promise.all([
        fail(login.account, accountKey(username)),
        who.ip ? fail(login.ip, ipKey(who.ip)) : 0,
      ]);
      if (account > 0 || ip > 0) refuse(account >= ip ? 'login_account' : 'login_ip', tooManyAttempts(Math.max(account, ip)));
    },

    /** After a good password: the account starts afresh (the address does not: one success must not hide a spray). */
    async passwordSucceeded(username: string): Promise<void> {
      await clear(login.account, accountKey(username));
    },

    /**
     * Before an SMS send: refused (429 `rate_limited`, with the longest wait) when any allowance of this number,
     * address or session is spent; otherwise takes one of each. `refund()` gives back the cooldown when the code
     * did not go out, so a person may retry at once after an upstream failure (the counts stay taken).
     */
    async takeSmsSend(phone: string, who: Requester = {}): Promise<{ refund(): Promise<void> }> {
      const pk = phoneKey(phone);
      const checks = (
        [
          ['sms_cooldown', sms.sms_cooldown, pk],
          ['sms_phone_hour', sms.sms_phone_hour, pk],
          ['sms_phone_day', sms.sms_phone_day, pk],
          ['sms_ip', who.ip ? sms.sms_ip : undefined, who.ip ? ipKey(who.ip) : ''],
          ['sms_session', who.sessionKey ? sms.sms_session : undefined, who.sessionKey ? digest(who.sessionKey) : ''],
        ] as [LimitKind, RateLimiterAbstract | undefined, string][]
      ).filter((c): c is [LimitKind, RateLimiterAbstract, string] => c[1] !== undefined);

      const worst = (results: (RateLimiterRes | null)[], over: (r: RateLimiterRes | null, l: RateLimiterAbstract) => number) => {
        let found: { kind: LimitKind; ms: number } | undefined;
        results.forEach((r, i) => {
          const [kind, limiter] = checks[i]!;
          const ms = over(r, limiter);
          if (ms > 0 && (!found || ms > found.ms)) found = { kind, ms };
        });
        return found;
      };

      // Look first, so a refused attempt spends nothing (a flood must not use up the owner's daily allowance).
      const before = worst(await Promise.all(checks.map(([, l, k]) => settle(l.get(k)))), (r, l) => waitMs(r, l.points));
      if (before) refuse(before.kind, rateLimited(before.ms));
      // Then take: two racing sends may both have looked; the counter decides.
      const taken = worst(await Promise.all(checks.map(([, l, k]) => settle(l.consume(k)))), (r, l) => waitMs(r, l.points + 1));
      if (taken) refuse(taken.kind, rateLimited(taken.ms));

      return {
        async refund() {
          if (sms.sms_cooldown) await settle(sms.sms_cooldown.delete(pk)).catch(() => undefined);
        },
      };
    },

    /** Before an anonymous sign-in, which can create a user upstream: `anonymousPerIpHour` per client IP. */
    async takeAnonymousSignIn(who: Requester = {}): Promise<void> {
      if (!who.ip) return;
      const limiter = limiters.anonymous;
      const res = await settle(limiter.consume(ipKey(who.ip)));
      const ms = waitMs(res, limiter.points + 1);
      if (ms > 0) refuse('anonymous_ip', rateLimited(ms));
    },

    /** Before checking a code: each verification gets `codeGuesses` tries, then a new code is needed. */
    async takeCodeGuess(verificationId: string): Promise<void> {
      const limiter = sms.code_guesses;
      const res = await settle(limiter.consume(digest(verificationId)));
      const ms = waitMs(res, limiter.points + 1);
      if (ms > 0) refuse('code_guesses', tooManyGuesses(ms));
    },
  };
}

export type LimitGuard = ReturnType<typeof createLimitGuard>;
