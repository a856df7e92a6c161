import type { RedisClient } from './redis.js';
import { sessionKeys, type SessionKeys } from './keys.js';
import { defineScripts, failClosed } from './fail-closed.js';

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

interface ScriptedClient {
  acquireLock(lockKey: string, failedKey: string, token: string, ttlMs: number): Promise<number>;
  releaseLock(lockKey: string, token: string): Promise<number>;
  markRefreshFailed(failedKey: string, countKey: string, baseMs: number, maxMs: number, countTtlMs: number): Promise<number>;
}

/**
 * The per-session refresh lock shared by every instance on one Redis, and the back-off after a transient refresh
 * failure. Its keys share the session's `{sid}` hash tag. Redis failures come out as the store's 503.
 */
export class RedisRefreshLock {
  private readonly keys: SessionKeys;
  private readonly redis: RedisClient & ScriptedClient;

  constructor(opts: { client: RedisClient; prefix: string }) {
    this.keys = sessionKeys(opts.prefix);
    defineScripts(opts.client, {
      acquireLock: { keys: 2, lua: ACQUIRE_LOCK },
      releaseLock: { keys: 1, lua: RELEASE_LOCK },
      markRefreshFailed: { keys: 2, lua: MARK_REFRESH_FAILED },
    });
    this.redis = opts.client as RedisClient & ScriptedClient;
    failClosed(this, ['acquire', 'release', 'markFailed', 'clearFailures', 'backoffMs']);
  }

  /**
   * SET NX PX unless the session backs off: `true` when this caller now holds the refresh lock, `false` when another
   * does, or the length of the current back-off in ms (what Retry-After advises).
   */
  async acquire(sid: string, token: string, ttlMs: number): Promise<boolean | { backoffMs: number }> {
    const r = await this.redis.acquireLock(this.keys.lock(sid), this.keys.refreshFailed(sid), token, ttlMs);
    return r < 0 ? { backoffMs: -r } : r === 1;
  }

  /** Compare-and-delete, so a holder whose lock expired never frees a successor's lock. */
  async release(sid: string, token: string): Promise<void> {
    await this.redis.releaseLock(this.keys.lock(sid), token);
  }

  /** Counts a transient refresh failure and starts the session's back-off; resolves with its length in ms. */
  async markFailed(sid: string, backoff: { baseMs: number; maxMs: number }): Promise<number> {
    const k = this.keys;
    return this.redis.markRefreshFailed(k.refreshFailed(sid), k.refreshFailures(sid), backoff.baseMs, backoff.maxMs, backoff.maxMs * 4);
  }

  /** A refresh succeeded: the next failure starts the back-off from its shortest again. */
  async clearFailures(sid: string): Promise<void> {
    await this.redis.del(this.keys.refreshFailed(sid), this.keys.refreshFailures(sid));
  }

  /** The back-off left for this session in ms (0: none). */
  async backoffMs(sid: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.keys.refreshFailed(sid)));
  }
}
