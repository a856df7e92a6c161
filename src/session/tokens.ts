import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { CloudbaseClient } from '../cloudbase/client.js';
import { CloudbaseError, UpstreamUnavailableError } from '../cloudbase/errors.js';
import { fromUpstream } from '../errors/upstream.js';
import { AppError, notSignedIn, sessionExpired, storeUnavailable } from '../errors/app-error.js';
import { CATALOGUE } from '../errors/catalogue.js';
import { toAuthTokens } from './auth-tokens.js';
import { callContext } from './context.js';
import type { VersionedSession } from './store.js';
import type { SharedSessions } from './shared.js';
import type { AuthTokens } from './types.js';

export interface TokenKeeperOptions {
  client: CloudbaseClient;
  /** absent with the in-process development store: then only the local single-flight applies */
  shared?: Pick<SharedSessions, 'store' | 'lock'>;
  skewS: number;
  /** the back-off after a transient refresh failure: doubles from baseMs per consecutive failure, up to maxMs */
  backoff?: { baseMs: number; maxMs: number };
  /** upstream timeout; the lock outlives it so a live holder never loses the lock mid-call */
  upstreamTimeoutMs: number;
  now: () => number;
  onRefresh?: (outcome: 'refreshed' | 'adopted' | 'invalid_grant' | 'unavailable' | 'lock_wait' | 'backoff') => void;
  /**
   * ends a session's index entry when its refresh token is spent; `live` when the session was still stored (CloudBase
   * ended it), not when it was already gone (signed out or ended here while this refresh was under way)
   */
  onSessionEnded?: (sub: string, sid: string, live: boolean) => Promise<void>;
}

interface Refreshed {
  tokens: AuthTokens;
  /** the stored version that holds these tokens, and the version it replaced (undefined: not written by us) */
  version?: number;
  replaced?: number;
}

const POLL_MS = 25;
export const DEFAULT_REFRESH_BACKOFF = { baseMs: 2000, maxMs: 60_000 };
/** The refresh window is REFRESH_SKEW_S, but never more than this share of the token's lifetime. */
export const REFRESH_WINDOW_SHARE = 0.5;
/** A token this close to its expiry is not handed out in place of a failed refresh: it could die in transit. */
const USABLE_MARGIN_MS = 2000;

const unavailable = (cause?: unknown, retryAfterMs = 2000) =>
  new AppError('upstream_unavailable', { retryAfterS: Math.max(1, Math.ceil(retryAfterMs / 1000)), cause });

/**
 * When a token is due for refresh: REFRESH_SKEW_S before it expires, clamped to a share of its lifetime, so a console
 * setting that makes tokens live shorter than the skew does not turn every request into a refresh. Tokens stored
 * without their lifetime (older sessions) use the skew alone.
 */
export function refreshDueAt(a: AuthTokens, skewS: number): number {
  const windowMs = a.lt ? Math.min(skewS * 1000, a.lt * 1000 * REFRESH_WINDOW_SHARE) : skewS * 1000;
  return a.exp - windowMs;
}

/** pause between attempts to keep freshly rotated tokens while Redis is unavailable (e.g. a Cluster failover) */
const KEEP_RETRY_MS = 100;

const storeDown = (e: unknown) => e instanceof AppError && e.code === 'store_unavailable';

/** Thrown by callUpstream when CloudBase refused a refresh token that another refresh had already rotated. */
class RotatedElsewhere extends Error {
  constructor(readonly session: VersionedSession) {
    super('refresh token rotated by another refresh');
  }
}

/**
 * Repeats a Redis step that must not be lost (CloudBase has already rotated the refresh token, and the new pair lives
 * only in this process) while the store is unavailable, until `deadline` (on the clock `now`): a Cluster failover takes a
 * few seconds, after which the write lands on the promoted replica.
 */
async function persistently<T>(step: () => Promise<T>, deadline: number, now: () => number): Promise<T> {
  for (;;) {
    try {
      return await step();
    } catch (e) {
      if (!storeDown(e) || now() + KEEP_RETRY_MS > deadline) throw e;
      await new Promise((r) => setTimeout(r, KEEP_RETRY_MS));
    }
  }
}

/**
 * A fresh CloudBase access token for the request's session. Refresh is single-flight per session across every
 * instance sharing the Redis: one in-flight promise per session in this process, then a Redis lock (SET NX PX with a
 * random token, released by compare-and-delete); the lock holder re-reads the session and re-checks before calling
 * CloudBase, so whoever arrives late (or still holds the old refresh token) adopts the new pair instead of replaying
 * the spent one.
 */
export function createTokenKeeper(opts: TokenKeeperOptions) {
  const { client, skewS } = opts;
  const store = opts.shared?.store;
  const lock = opts.shared?.lock;
  const backoff = opts.backoff ?? DEFAULT_REFRESH_BACKOFF;
  const { now } = opts;
  const lockTtlMs = opts.upstreamTimeoutMs + 2000;
  const inflight = new Map<string, Promise<Refreshed>>();
  const isFresh = (a: AuthTokens) => refreshDueAt(a, skewS) > now();
  const isUsable = (a: AuthTokens) => a.exp - USABLE_MARGIN_MS > now();
  const changed = (a: AuthTokens, started: AuthTokens) => a.rt !== started.rt || a.at !== started.at;

  async function callUpstream(req: Request, sid: string, auth: AuthTokens, deadline = now()): Promise<AuthTokens> {
    try {
      const next = toAuthTokens(await client.refreshToken(callContext(req, now), auth.rt!), now());
      // Keep the old refresh token only if CloudBase sent no new one.
      if (!next.rt && auth.rt) next.rt = auth.rt;
      opts.onRefresh?.('refreshed');
      return next;
    } catch (e) {
      if (e instanceof CloudbaseError && (e.error === 'invalid_grant' || e.error === 'unauthenticated')) {
        // Spent by another refresh (one that ran while this one's lock was lost, e.g. with a failed-over master)
        // rather than revoked: the session already holds the rotated pair, and it must not be deleted.
        const stored = store ? await persistently(() => store.read(sid), deadline, now) : null;
        if (stored?.auth && stored.auth.rt !== auth.rt) throw new RotatedElsewhere(stored);
        opts.onRefresh?.('invalid_grant');
        await store?.remove(sid);
        await opts.onSessionEnded?.(auth.sub, sid, !!stored?.auth);
        throw sessionExpired();
      }
      opts.onRefresh?.('unavailable');
      const backoffMs = await lock?.markFailed(sid, backoff).catch(() => undefined);
      // A timeout too is only "try again shortly": the session and its refresh token stay.
      if (e instanceof UpstreamUnavailableError) throw unavailable(e, backoffMs);
      const err = fromUpstream(e, 'session');
      if (backoffMs === undefined) throw err;
      // Retry-After advises the back-off (asking sooner would only meet it), or a rate limit's longer wait.
      const backoffS = Math.ceil(backoffMs / 1000);
      const retryAfterS = CATALOGUE[err.code].limit ? Math.max(err.retryAfterS ?? 0, backoffS) : backoffS;
      throw err.with({ retryAfterS });
    }
  }

  /** Under the lock: re-read, re-check, refresh, write back with compare-and-set. */
  async function refreshAsHolder(req: Request, sid: string, started: AuthTokens, lockedUntil: number): Promise<Refreshed> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const cur: VersionedSession | null = await store!.read(sid);
      if (!cur?.auth) throw sessionExpired();
      if (changed(cur.auth, started) || isFresh(cur.auth)) {
        opts.onRefresh?.('adopted');
        return { tokens: cur.auth, version: cur._v! };
      }
      const replaced = cur._v!;
      try {
        cur.auth = await callUpstream(req, sid, cur.auth, lockedUntil);
      } catch (e) {
        if (!(e instanceof RotatedElsewhere)) throw e;
        opts.onRefresh?.('adopted');
        return { tokens: e.session.auth!, version: e.session._v! };
      }
      const outcome = await persistently(() => store!.write(sid, cur), lockedUntil, now);
      if (outcome === 'written') {
        await lock!.clearFailures(sid).catch(() => undefined);
        return { tokens: cur.auth, version: cur._v!, replaced };
      }
      if (outcome === 'destroyed') {
        // Logged out while we refreshed: the new tokens must not outlive the session.
        await client.revoke(callContext(req, now), cur.auth.at).catch(() => undefined);
        throw sessionExpired();
      }
      // Another write (not a refresh: we hold the lock) landed in between; our tokens are spent already, so this
      // can only be retried by merging them into the newer version.
      const newer = await persistently(() => store!.read(sid), lockedUntil, now);
      if (!newer) throw sessionExpired();
      newer.auth = cur.auth;
      if ((await persistently(() => store!.write(sid, newer), lockedUntil, now)) === 'written') return { tokens: cur.auth, version: newer._v!, replaced: newer._v! - 1 };
    }
    throw unavailable();
  }

  async function refreshShared(req: Request, sid: string, started: AuthTokens): Promise<Refreshed> {
    if (!store || !lock) return { tokens: await callUpstream(req, sid, started) };
    const token = randomUUID();
    const deadline = now() + lockTtlMs + opts.upstreamTimeoutMs;
    let waited = false;
    for (;;) {
      // A session backing off (a waiter's holder just failed, or an earlier request did) does not ask CloudBase again.
      const got = await lock.acquire(sid, token, lockTtlMs);
      if (typeof got === 'object') {
        opts.onRefresh?.('backoff');
        throw unavailable(undefined, got.backoffMs);
      }
      if (got) {
        // Short of the lock's expiry, so no successor can hold the lock while this holder still writes.
        const lockedUntil = now() + lockTtlMs - 500;
        try {
          return await refreshAsHolder(req, sid, started, lockedUntil);
        } finally {
          await lock.release(sid, token).catch(() => undefined);
        }
      }
      if (!waited) opts.onRefresh?.('lock_wait');
      waited = true;
      await new Promise((r) => setTimeout(r, POLL_MS));
      const cur = await store.read(sid);
      if (!cur?.auth) throw sessionExpired();
      if (changed(cur.auth, started) || isFresh(cur.auth)) {
        opts.onRefresh?.('adopted');
        return { tokens: cur.auth, version: cur._v! };
      }
      if (now() > deadline) throw unavailable();
    }
  }

  return async function freshAccessToken(req: Request): Promise<string> {
    const auth = req.session?.auth;
    if (!auth) throw notSignedIn();
    if (isFresh(auth)) return auth.at;
    if (!auth.rt) throw sessionExpired();
    const sid = req.sessionID;
    let pending = inflight.get(sid);
    if (!pending) {
      pending = refreshShared(req, sid, auth).finally(() => inflight.delete(sid));
      inflight.set(sid, pending);
    }
    let result: Refreshed;
    try {
      result = await pending;
    } catch (e) {
      if (e instanceof AppError && e.code === 'session_expired') {
        delete req.session.auth;
        delete req.session.user;
        throw e;
      }
      // CloudBase (or Redis) failed for a passing reason, and the back-off keeps this session from asking again on
      // every request: until the token in hand expires, it still does the job.
      if (isUsable(auth)) return auth.at;
      throw e instanceof AppError ? e : storeUnavailable(e);
    }
    req.session.auth = result.tokens;
    // This request's copy may adopt the stored version only if nothing else changed the session since it was read;
    // otherwise its own end-of-request save conflicts and is dropped rather than overwriting newer data.
    const mine = req.session as VersionedSession;
    if (result.version !== undefined && (result.replaced === undefined ? true : mine._v === result.replaced)) {
      mine._v = result.version;
    }
    return result.tokens.at;
  };
}

export type TokenKeeper = ReturnType<typeof createTokenKeeper>;
