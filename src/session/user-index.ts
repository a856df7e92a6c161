import type { RedisClient } from './redis.js';
import { sessionKeys, type SessionKeys } from './keys.js';
import { failClosed } from './fail-closed.js';
import { runWrites, type RedisWrite } from './writes.js';

/**
 * The per-user index: a sorted set per user of session ids scored by sign-in time (its own slot: one user's sessions
 * live in many). It holds ids only; whether a session is alive is the store's to say (see directory.ts). Redis
 * failures come out as the store's 503.
 */
export class RedisUserIndex {
  private readonly keys: SessionKeys;
  private readonly redis: RedisClient;

  constructor(opts: { client: RedisClient; prefix: string }) {
    this.keys = sessionKeys(opts.prefix);
    this.redis = opts.client;
    failClosed(this, ['add', 'members', 'page', 'at', 'remove']);
  }

  async add(sub: string, sid: string, at: number, ttlMs: number): Promise<void> {
    await runWrites(this.redis, this.addWrites(sub, sid, at, ttlMs));
  }

  /** The writes of `add`, for a caller sending them with others in one round trip. */
  addWrites(sub: string, sid: string, at: number, ttlMs: number): RedisWrite[] {
    const key = this.keys.user(sub);
    return [
      ['zadd', key, at, sid],
      ['pexpire', key, ttlMs],
    ];
  }

  /** Every session id of the user's index (tests and tools; the gateway reads it by pages). */
  async members(sub: string): Promise<string[]> {
    return this.redis.zrange(this.keys.user(sub), 0, -1);
  }

  /**
   * One page of the user's index, newest sign-in first: up to `count` session ids signed in before `beforeMs`
   * (exclusive; all when absent), with their sign-in times.
   */
  async page(sub: string, beforeMs: number | undefined, count: number): Promise<[string, number][]> {
    const max = beforeMs === undefined ? '+inf' : `(${beforeMs}`;
    return pairs(await this.redis.zrevrangebyscore(this.keys.user(sub), max, '-inf', 'WITHSCORES', 'LIMIT', 0, count));
  }

  /** Every session id of the index signed in at exactly `atMs` (to finish a page without splitting a tie). */
  async at(sub: string, atMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.user(sub), atMs, atMs);
  }

  async remove(sub: string, ...sids: string[]): Promise<void> {
    if (sids.length > 0) await this.redis.zrem(this.keys.user(sub), ...sids);
  }
}

function pairs(flat: string[]): [string, number][] {
  const out: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, Number(flat[i + 1])]);
  return out;
}
