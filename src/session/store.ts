import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import type { PublicUser } from './types.js';
import type { RedisClient } from './redis.js';
import { AppError, storeUnavailable } from '../http/errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Callback = (err?: any, data?: any) => void;

/** Session data as the store hands it out: `_v` is the version it was read at (compare-and-set on save). */
export type VersionedSession = SessionData & { _v?: number };

export interface SessionKeys {
  session(sid: string): string;
  tombstone(sid: string): string;
  /** refresh lock */
  lock(sid: string): string;
  /** set briefly when a refresh failed for a transient reason, so waiters fail fast instead of retrying upstream */
  refreshFailed(sid: string): string;
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

// Taking the lock starts a new attempt, so an earlier attempt's failure marker goes in the same step: a waiter of
// this attempt never sees the old marker and gives up while this attempt may still succeed.
const ACQUIRE_LOCK = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  redis.call('DEL', KEYS[2])
  return 1
end
return 0
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
}

interface ScriptedClient {
  casSet(sessionKey: string, tombKey: string, version: number, data: string, ttlMs: number, view: string): Promise<number>;
  destroySession(sessionKey: string, tombKey: string, tombMs: number): Promise<number>;
  acquireLock(lockKey: string, failedKey: string, token: string, ttlMs: number): Promise<number>;
  releaseLock(lockKey: string, token: string): Promise<number>;
}

/**
 * connect-redis's store with versioned writes. Sessions are Redis hashes {v, d}; `d` is the JSON of the session.
 * express-session's touch is a no-op here: the session-policy middleware records activity at most once per half
 * idle window, which goes through the same compare-and-set.
 */
export class VersionedRedisStore extends RedisStore {
  readonly keys: SessionKeys;
  private readonly redis: RedisClient & ScriptedClient;
  private readonly ttlMs: (sess: SessionData) => number;
  private readonly tombstoneMs: number;
  private readonly onDroppedWrite: VersionedStoreOptions['onDroppedWrite'];

  constructor(opts: VersionedStoreOptions) {
    super({ client: opts.client, prefix: `${opts.prefix}s:`, disableTouch: true });
    this.keys = sessionKeys(opts.prefix);
    this.ttlMs = opts.ttlMs;
    this.tombstoneMs = opts.tombstoneMs;
    this.onDroppedWrite = opts.onDroppedWrite;
    if (!('casSet' in opts.client)) {
      opts.client.defineCommand('casSet', { numberOfKeys: 2, lua: CAS_SET });
      opts.client.defineCommand('destroySession', { numberOfKeys: 2, lua: DESTROY });
      opts.client.defineCommand('acquireLock', { numberOfKeys: 2, lua: ACQUIRE_LOCK });
      opts.client.defineCommand('releaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK });
    }
    this.redis = opts.client as RedisClient & ScriptedClient;
    failClosed(this, GUARDED);
  }

  /** Reads a session with its version, or null. */
  async read(sid: string): Promise<VersionedSession | null> {
    const [v, d] = await this.redis.hmget(this.keys.session(sid), 'v', 'd');
    if (!v || !d) return null;
    const sess = JSON.parse(d) as VersionedSession;
    sess._v = Number(v);
    return sess;
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
      JSON.stringify(data),
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

  /** SET NX PX (clearing an earlier attempt's failure marker): true when this caller now holds the refresh lock. */
  async acquireLock(sid: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.acquireLock(this.keys.lock(sid), this.keys.refreshFailed(sid), token, ttlMs)) === 1;
  }

  /** Compare-and-delete, so a holder whose lock expired never frees a successor's lock. */
  async releaseLock(sid: string, token: string): Promise<void> {
    await this.redis.releaseLock(this.keys.lock(sid), token);
  }

  async markRefreshFailed(sid: string, ms: number): Promise<void> {
    await this.redis.set(this.keys.refreshFailed(sid), '1', 'PX', ms);
  }

  async refreshRecentlyFailed(sid: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.refreshFailed(sid))) === 1;
  }

  async indexAdd(sub: string, sid: string, at: number, ttlMs: number): Promise<void> {
    const key = this.keys.user(sub);
    await this.redis.zadd(key, at, sid);
    await this.redis.pexpire(key, ttlMs);
  }

  async indexMembers(sub: string, limit = 200): Promise<string[]> {
    return this.redis.zrange(this.keys.user(sub), 0, limit - 1);
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

const GUARDED = [
  'read', 'readView', 'write', 'remove', 'acquireLock', 'releaseLock', 'markRefreshFailed', 'refreshRecentlyFailed',
  'indexAdd', 'indexMembers', 'indexRemove',
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
