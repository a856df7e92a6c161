import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import type { PublicUser } from './types.js';
import type { RedisClient } from './redis.js';
import { AppError, storeUnavailable } from '../errors/app-error.js';
import { parseSession, serializeSession } from './sealed-session.js';
import type { TokenCipher } from './token-cipher.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Callback = (err?: any, data?: any) => void;

/** Session data as the store hands it out: `_v` is the version it was read at (compare-and-set on save). */
export type VersionedSession = SessionData & { _v?: number };

export interface SessionKeys {
  session(sid: string): string;
  tombstone(sid: string): string;
  /** refresh lock */
  lock(sid: string): string;
  /** set while a session backs off after a refresh failed for a transient reason: nobody calls CloudBase meanwhile */
  refreshFailed(sid: string): string;
  /** consecutive transient refresh failures of the session, which size the back-off */
  refreshFailures(sid: string): string;
  /** per-user index of sessions (its own slot: one user's sessions live in many slots) */
  user(sub: string): string;
}

/** Every key of one session shares the `{sid}` hash tag, so they live in one Redis Cluster slot. */
export function sessionKeys(prefix: string): SessionKeys {
  return {
    session: (sid) => `${prefix}s:{${sid}}`,
    tombstone: (sid) => `${prefix}s:{${sid}}:t`,
    lock: (sid) => `${prefix}s:{${sid}}:lock`,
    refreshFailed: (sid) => `${prefix}s:{${sid}}:rf`,
    refreshFailures: (sid) => `${prefix}s:{${sid}}:rfn`,
    user: (sub) => `${prefix}u:{${sub}}`,
  };
}

// Refuses to write a session that was destroyed (tombstone) or changed since it was read (version moved on),
// so a slow request can neither resurrect a logged-out session nor overwrite a newer one. Writing what is already
// there is a no-op (many requests adopting the same refreshed tokens).
const CAS_SET = `
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local cur = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if cur ~= tonumber(ARGV[1]) then
  if cur > 0 and redis.call('HGET', KEYS[1], 'd') == ARGV[2] then return cur end
  return -2
end
local nv = cur + 1
redis.call('HSET', KEYS[1], 'v', nv, 'd', ARGV[2], 'u', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return nv
`;

const DESTROY = `
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return 1
`;

// No new attempt while the session backs off (returns the back-off's length, negated); checked in the same step as
// taking the lock, so no instance can slip a call to CloudBase in between another's failure and its marker.
const ACQUIRE_LOCK = `
local backoff = redis.call('GET', KEYS[2])
if backoff then return -tonumber(backoff) end
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
return 0
`;

// One more consecutive failure: the back-off doubles from ARGV[1] up to ARGV[2] ms. The count outlives the marker
// (ARGV[3] ms) so a session failing again soon after backs off longer; a success deletes both.
const MARK_REFRESH_FAILED = `
local n = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local ms = math.floor(math.min(tonumber(ARGV[1]) * 2 ^ (n - 1), tonumber(ARGV[2])))
redis.call('SET', KEYS[1], ms, 'PX', ms)
return ms
`;

const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * What a session read shows, stored beside the full session (field `u`) in the same atomic write, so the hot read
 * neither fetches nor parses the tokens.
 */
export interface SessionView {
  created?: number;
  seen?: number;
  signedIn: boolean;
  token: boolean;
  user?: PublicUser;
}

function publicView(s: SessionData): SessionView {
  return { created: s.created, seen: s.seen, signedIn: !!s.auth, token: !!s.tok, ...(s.user ? { user: s.user } : {}) };
}

export type WriteOutcome = 'written' | 'destroyed' | 'conflict';

export interface VersionedStoreOptions {
  client: RedisClient;
  prefix: string;
  /** How long the session may live from now, in ms (idle and absolute limits); <= 0 destroys it. */
  ttlMs: (sess: SessionData) => number;
  /** How long a destroyed session's tombstone blocks late writes. */
  tombstoneMs: number;
  onDroppedWrite?: (sid: string, outcome: Exclude<WriteOutcome, 'written'>) => void;
  /** Seals the session's tokens and other secrets in `d` (see sealed-session.ts). */
  cipher: TokenCipher;
  /** A session whose secrets no configured key opens was found, and ended. */
  onUnreadable?: () => void;
}

interface ScriptedClient {
  casSet(sessionKey: string, tombKey: string, version: number, data: string, ttlMs: number, view: string): Promise<number>;
  destroySession(sessionKey: string, tombKey: string, tombMs: number): Promise<number>;
  acquireLock(lockKey: string, failedKey: string, token: string, ttlMs: number): Promise<number>;
  releaseLock(lockKey: string, token: string): Promise<number>;
  markRefreshFailed(failedKey: string, countKey: string, baseMs: number, maxMs: number, countTtlMs: number): Promise<number>;
}

/**
 * connect-redis's store with versioned writes. Sessions are Redis hashes {v, d, u}; `d` is the JSON of the session with
 * its tokens and other secrets sealed (AES-256-GCM), `u` its public view.
 * express-session's touch is a no-op here: the session-policy middleware records activity at most once per half
 * idle window, which goes through the same compare-and-set.
 */
export class VersionedRedisStore extends RedisStore {
  readonly keys: SessionKeys;
  private readonly redis: RedisClient & ScriptedClient;
  private readonly ttlMs: (sess: SessionData) => number;
  private readonly tombstoneMs: number;
  private readonly onDroppedWrite: VersionedStoreOptions['onDroppedWrite'];
  private readonly cipher: TokenCipher;
  private readonly onUnreadable: VersionedStoreOptions['onUnreadable'];

  constructor(opts: VersionedStoreOptions) {
    super({ client: opts.client, prefix: `${opts.prefix}s:`, disableTouch: true });
    this.keys = sessionKeys(opts.prefix);
    this.ttlMs = opts.ttlMs;
    this.tombstoneMs = opts.tombstoneMs;
    this.onDroppedWrite = opts.onDroppedWrite;
    this.cipher = opts.cipher;
    this.onUnreadable = opts.onUnreadable;
    if (!('casSet' in opts.client)) {
      opts.client.defineCommand('casSet', { numberOfKeys: 2, lua: CAS_SET });
      opts.client.defineCommand('destroySession', { numberOfKeys: 2, lua: DESTROY });
      opts.client.defineCommand('acquireLock', { numberOfKeys: 2, lua: ACQUIRE_LOCK });
      opts.client.defineCommand('releaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK });
      opts.client.defineCommand('markRefreshFailed', { numberOfKeys: 2, lua: MARK_REFRESH_FAILED });
    }
    this.redis = opts.client as RedisClient & ScriptedClient;
    failClosed(this, GUARDED);
  }

  /**
   * Reads a session with its version, or null. A session whose secrets cannot be opened (its key was removed) is
   * signed out: it is ended here, so its public view stops saying "signed in" too.
   */
  async read(sid: string): Promise<VersionedSession | null> {
    const [v, d] = await this.redis.hmget(this.keys.session(sid), 'v', 'd');
    if (!v || !d) return null;
    const sess = parseSession(d, sid, this.cipher);
    if (sess === 'unreadable') {
      await this.remove(sid);
      this.onUnreadable?.();
      return null;
    }
    const versioned: VersionedSession = sess;
    versioned._v = Number(v);
    return versioned;
  }

  /** The public view only (no tokens, a fraction of the bytes), or null: what a session read needs. */
  async readView(sid: string): Promise<SessionView | null> {
    const [v, u] = await this.redis.hmget(this.keys.session(sid), 'v', 'u');
    return v && u ? (JSON.parse(u) as SessionView) : null;
  }

  /** Compare-and-set write; updates sess._v on success. */
  async write(sid: string, sess: VersionedSession): Promise<WriteOutcome> {
    const ttl = Math.floor(this.ttlMs(sess));
    if (ttl <= 0) {
      await this.remove(sid);
      return 'destroyed';
    }
    const { _v: version = 0, ...data } = sess;
    const result = await this.redis.casSet(
      this.keys.session(sid),
      this.keys.tombstone(sid),
      version,
      serializeSession(data, sid, this.cipher),
      ttl,
      JSON.stringify(publicView(data)),
    );
    if (result > 0) {
      sess._v = result;
      return 'written';
    }
    const outcome = result === -1 ? 'destroyed' : 'conflict';
    this.onDroppedWrite?.(sid, outcome);
    return outcome;
  }

  /** Deletes the session and leaves a tombstone so a late write cannot bring it back. */
  async remove(sid: string): Promise<void> {
    await this.redis.destroySession(this.keys.session(sid), this.keys.tombstone(sid), this.tombstoneMs);
  }

  /**
   * SET NX PX unless the session backs off: `true` when this caller now holds the refresh lock, `false` when another
   * does, or the length of the current back-off in ms (what Retry-After advises).
   */
  async acquireLock(sid: string, token: string, ttlMs: number): Promise<boolean | { backoffMs: number }> {
    const r = await this.redis.acquireLock(this.keys.lock(sid), this.keys.refreshFailed(sid), token, ttlMs);
    return r < 0 ? { backoffMs: -r } : r === 1;
  }

  /** Compare-and-delete, so a holder whose lock expired never frees a successor's lock. */
  async releaseLock(sid: string, token: string): Promise<void> {
    await this.redis.releaseLock(this.keys.lock(sid), token);
  }

  /** Counts a transient refresh failure and starts the session's back-off; resolves with its length in ms. */
  async markRefreshFailed(sid: string, backoff: { baseMs: number; maxMs: number }): Promise<number> {
    const k = this.keys;
    return this.redis.markRefreshFailed(k.refreshFailed(sid), k.refreshFailures(sid), backoff.baseMs, backoff.maxMs, backoff.maxMs * 4);
  }

  /** A refresh succeeded: the next failure starts the back-off from its shortest again. */
  async clearRefreshFailures(sid: string): Promise<void> {
    await this.redis.del(this.keys.refreshFailed(sid), this.keys.refreshFailures(sid));
  }

  /** The back-off left for this session in ms (0: none). */
  async refreshBackoffMs(sid: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.keys.refreshFailed(sid)));
  }

  async indexAdd(sub: string, sid: string, at: number, ttlMs: number): Promise<void> {
    const key = this.keys.user(sub);
    await this.redis.zadd(key, at, sid);
    await this.redis.pexpire(key, ttlMs);
  }

  /** Every session id of the user's index (tests and tools; the gateway reads it by pages). */
  async indexMembers(sub: string): Promise<string[]> {
    return this.redis.zrange(this.keys.user(sub), 0, -1);
  }

  /**
   * One page of the user's index, newest sign-in first: up to `count` session ids signed in before `beforeMs`
   * (exclusive; all when absent), with their sign-in times.
   */
  async indexPage(sub: string, beforeMs: number | undefined, count: number): Promise<[string, number][]> {
    const max = beforeMs === undefined ? '+inf' : `(${beforeMs}`;
    return pairs(await this.redis.zrevrangebyscore(this.keys.user(sub), max, '-inf', 'WITHSCORES', 'LIMIT', 0, count));
  }

  /** Every session id of the index signed in at exactly `atMs` (to finish a page without splitting a tie). */
  async indexAt(sub: string, atMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.user(sub), atMs, atMs);
  }

  async indexRemove(sub: string, ...sids: string[]): Promise<void> {
    if (sids.length > 0) await this.redis.zrem(this.keys.user(sub), ...sids);
  }

  override async get(sid: string, cb?: Callback): Promise<unknown> {
    return settle(this.read(sid), cb);
  }

  override async set(sid: string, sess: SessionData, cb?: Callback): Promise<unknown> {
    return settle(
      this.write(sid, sess).then(() => undefined),
      cb,
    );
  }

  override async touch(_sid: string, _sess: SessionData, cb?: Callback): Promise<unknown> {
    return settle(Promise.resolve(undefined), cb);
  }

  override async destroy(sid: string, cb?: Callback): Promise<unknown> {
    return settle(this.remove(sid), cb);
  }
}

function pairs(flat: string[]): [string, number][] {
  const out: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, Number(flat[i + 1])]);
  return out;
}

const GUARDED = [
  'read', 'readView', 'write', 'remove', 'acquireLock', 'releaseLock', 'markRefreshFailed', 'clearRefreshFailures',
  'refreshBackoffMs', 'indexAdd', 'indexMembers', 'indexPage', 'indexAt', 'indexRemove',
] as const;

/**
 * Every Redis failure met by these methods leaves them as the store's 503, not as a raw ioredis error (which the
 * error pages would answer with a 500): a Cluster failover surfaces as "Too many Cluster redirections",
 * "CLUSTERDOWN" or "Connection is closed" from whichever call meets it first, the session index included.
 */
function failClosed<T extends object>(target: T, methods: readonly (keyof T)[]): void {
  for (const name of methods) {
    const original = target[name] as unknown as (...args: unknown[]) => Promise<unknown>;
    Object.defineProperty(target, name, {
      value: (...args: unknown[]) =>
        original.apply(target, args).catch((e: unknown) => {
          throw e instanceof AppError ? e : storeUnavailable(e);
        }),
    });
  }
}

/** Redis failures leave the store as one AppError (503), so every surface fails closed the same way. */
async function settle<T>(p: Promise<T>, cb?: Callback): Promise<T | undefined> {
  try {
    const value = await p;
    if (cb) cb(null, value);
    return value;
  } catch (cause) {
    const err = storeUnavailable(cause);
    if (cb) {
      cb(err);
      return undefined;
    }
    throw err;
  }
}
