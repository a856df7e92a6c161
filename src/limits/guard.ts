// Over ~250 lines on purpose: every limit's take-before-the-call and give-back rule stands beside the others, so a
// race between them (the class of bug these rules close) is visible in one file. Key derivation is in keys.ts.
import { randomBytes } from 'node:crypto';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError, storeUnavailable } from '../errors/app-error.js';
import { accountKey, digest, ipKey, ipScope, phoneKey } from './keys.js';
import type { BackoffLimit, LimitKind, Limiters } from './limits.js';
import type { Gate, SettleOp } from './gates.js';
import type { PendingWrites } from '../session/writes.js';
import { createDeviceProofs } from './device.js';

export { accountKey, ipKey, ipScope, phoneKey } from './keys.js';

/** What the limits are told about a call: the client address and the session, when known. */
export interface Requester {
  ip?: string | undefined;
  sessionKey?: string | undefined;
}

export interface LimitGuardOptions {
  /** called once per refused attempt, with what refused it (metrics) */
  onReject?: (kind: LimitKind) => void;
  /** SESSION_SECRET's list: the first signs device proofs, every one verifies */
  secrets?: readonly string[];
}

const secondsOf = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

const tooManyAttempts = (ms: number) =>
  new AppError('too_many_attempts', { retryAfterS: secondsOf(ms) });
const rateLimited = (ms: number) => new AppError('rate_limited', { retryAfterS: secondsOf(ms) });
const tooManyGuesses = (ms: number) => new AppError('rate_limited', { messageKey: 'err.too_many_guesses', retryAfterS: secondsOf(ms) });

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

/** How a password attempt that was let through ended. */
export type AttemptOutcome =
  /** CloudBase accepted the password */
  | 'success'
  /** CloudBase judged it (a wrong password, an unknown account, a lock-out): the attempt stays counted */
  | 'failure'
  /** CloudBase did not judge the password (captcha asked, CloudBase unreachable): the attempt is given back */
  | 'void';

export interface PasswordAttempt {
  /** a device proof naming this account was presented and is valid: the attempt was judged on the device's limit */
  knownDevice: boolean;
  /**
   * Settles the attempt. On 'failure', throws 429 `too_many_attempts` when this attempt was the one let through past
   * the limit (it holds the block). On 'success', returns the device proof to hand back (cookie or `device_token`).
   */
  settle(outcome: 'success'): Promise<string>;
  settle(outcome: 'failure' | 'void'): Promise<void>;
  /**
   * 'success' with its writes left to the sign-in, which sends them with the new session's in one round trip (a path
   * that stores no session calls `pending.flush()`).
   */
  succeed(): { proof: string; pending: PendingWrites | undefined };
}

/** A gate passed: `blockMs` > 0 when this attempt took the block to get through. */
interface Pass {
  gate: Gate<LimitKind>;
  blockMs: number;
}

/**
 * The abuse limits as the auth service uses them. Every limit takes its point atomically before CloudBase is called
 * (Redis INCR in a Lua script), so however many attempts race, no more than the limit reach CloudBase; a refused attempt
 * never reaches it.
 *
 * Passwords (OWASP's answer to lock-out by strangers): an attempt from a device that signed in to the account before
 * (a valid device proof) is judged on that device's own limit only. Any other attempt is judged per (account, address)
 * tightly, per account more loosely and per address across accounts. Each limit lets `threshold` attempts through in
 * its window; the last of them, and each one after, must first take the limit's block (`blockS`, doubling per further
 * block up to `blockMaxS`), so past the limit one attempt at a time goes through, once per block. A success clears the
 * account's limits and back-off (the owner is slowed, never locked out) and gives the address its point back, so only
 * failures stay counted. All of an attempt's limits are checked and taken in one step (gates.ts).
 */
export function createLimitGuard(limiters: Limiters, opts: LimitGuardOptions = {}) {
  const { login, sms, gates } = limiters;
  // Without secrets (unit tests), proofs hold for this process only.
  const devices = createDeviceProofs(opts.secrets ?? [randomBytes(32).toString('base64url')]);

  const refuse = (kind: LimitKind, err: AppError): never => {
    opts.onReject?.(kind);
    throw err;
  };

  const gate = (limit: BackoffLimit, key: string): Gate<LimitKind> => ({
    kind: limit.kind,
    key,
    threshold: limit.threshold,
    ...(limit === login.ip ? { kept: true } : {}),
  });

  /** Takes a point of every gate, or refuses having taken none; the attempt is then settled by how it ended. */
  async function through(list: Gate<LimitKind>[]): Promise<{ settle(outcome: AttemptOutcome): Promise<void>; succeedLater(): PendingWrites | undefined }> {
    const entry = await gates.enter(list);
    if ('refused' in entry) refuse(list[entry.refused]!.kind, tooManyAttempts(entry.waitMs));
    const passes: Pass[] = list.map((g, i) => ({ gate: g, blockMs: (entry as { blockMs: number[] }).blockMs[i] ?? 0 }));
    const giveBack = (p: Pass): SettleOp => ({ gate: p.gate, op: 'giveBack', blockMs: p.blockMs });
    // The account (or the device) starts afresh. The address only gets this attempt back: its past failures stay,
    // so a known password cannot buy a spray more guesses, and a busy NAT's good sign-ins never count.
    const success = () => passes.map((p): SettleOp => (p.gate.kind === login.ip.kind ? giveBack(p) : { gate: p.gate, op: 'clear', blockMs: p.blockMs }));
    return {
      succeedLater: () => gates.settleLater(success()),
      async settle(outcome) {
        if (outcome === 'success') {
          await gates.settle(success());
        } else if (outcome === 'void') {
          await gates.settle(passes.map(giveBack));
        } else {
          const held = passes.filter((p) => p.blockMs > 0).sort((x, y) => y.blockMs - x.blockMs)[0];
          if (held) refuse(held.gate.kind, tooManyAttempts(held.blockMs));
        }
      },
    };
  }

  return {
    /**
     * Before a password sign-in: takes a point of every limit that judges this attempt, or refuses it (429
     * `too_many_attempts`, the longest wait) having taken nothing. `deviceProof` is the cookie or `X-Device-Token`.
     */
    async reservePasswordAttempt(username: string, who: Requester & { deviceProof?: string | undefined } = {}): Promise<PasswordAttempt> {
      const account = accountKey(username);
      const nonce = devices.verify(who.deviceProof, account);
      const judged: Gate<LimitKind>[] = nonce
        ? [gate(login.device, digest(`${account}.${nonce}`))]
        : [
            gate(login.account, account),
            ...(who.ip ? [gate(login.accountIp, digest(`${account}.${ipScope(who.ip)}`)), gate(login.ip, ipKey(who.ip))] : []),
          ];

      const attempt = await through(judged);
      async function settleAttempt(outcome: AttemptOutcome): Promise<string | undefined> {
        await attempt.settle(outcome);
        return outcome === 'success' ? devices.issue(who.deviceProof, account) : undefined;
      }
      return {
        knownDevice: nonce !== undefined,
        settle: settleAttempt as PasswordAttempt['settle'],
        succeed: () => ({ pending: attempt.succeedLater(), proof: devices.issue(who.deviceProof, account) }),
      };
    },

    /**
     * Before a signed-in session proves its password again (changing it, deleting the account): the session has a
     * limit of its own (LIMIT_LOGIN_DEVICE_FAILURES), so a stolen session cannot be used to guess the password.
     */
    async reserveReauthAttempt(who: Requester = {}): Promise<{ settle(outcome: AttemptOutcome): Promise<void> }> {
      return through(who.sessionKey ? [gate(login.reauth, digest(`s:${who.sessionKey}`))] : []);
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
      // Then take, atomically: of racing sends that all looked, the counters let through no more than the limits; a
      // send refused here gives back what it took, so losing a race costs no allowance either.
      const taken = worst(await Promise.all(checks.map(([, l, k]) => settle(l.consume(k)))), (r, l) => waitMs(r, l.points + 1));
      if (taken) {
        await Promise.all(checks.map(([, l, k]) => settle(l.reward(k))));
        refuse(taken.kind, rateLimited(taken.ms));
      }

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
