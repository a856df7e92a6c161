import type { RedisClient } from './redis.js';
import { sessionKeys, type SessionKeys } from './keys.js';
import { defineScripts, failClosed } from './fail-closed.js';
import type { TokenCipher } from './token-cipher.js';

// One command for an index entry: the session id in the sorted set, its device id beside it, both kept alive.
const ADD = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return 1
`;

// One command too for taking entries out: the session ids and their device ids.
const REMOVE = `
redis.call('ZREM', KEYS[1], unpack(ARGV))
redis.call('HDEL', KEYS[2], unpack(ARGV))
return 1
`;

interface ScriptedClient {
  indexAdd(userKey: string, devicesKey: string, at: number, sid: string, ttlMs: number, sealedDevice: string): Promise<number>;
  indexRemove(userKey: string, devicesKey: string, ...sids: string[]): Promise<number>;
}

/**
 * The per-user index: a sorted set per user of session ids scored by sign-in time (its own slot: one user's sessions
 * live in many), and beside it the device id (`x-device-id`) each of those sessions signed in with, sealed like the
 * session's own secrets, so that a session can be ended at CloudBase by its device without opening the session. It
 * holds ids only; whether a session is alive is the store's to say (see directory.ts). Redis failures come out as the
 * store's 503.
 */
export class RedisUserIndex {
  private readonly keys: SessionKeys;
  private readonly redis: RedisClient & ScriptedClient;
  private readonly cipher: TokenCipher;

  constructor(opts: { client: RedisClient; prefix: string; cipher: TokenCipher }) {
    this.keys = sessionKeys(opts.prefix);
    defineScripts(opts.client, { indexAdd: { keys: 2, lua: ADD }, indexRemove: { keys: 2, lua: REMOVE } });
    this.redis = opts.client as RedisClient & ScriptedClient;
    this.cipher = opts.cipher;
    failClosed(this, ['add', 'members', 'page', 'at', 'devices', 'remove']);
  }

  async add(sub: string, sid: string, at: number, ttlMs: number, deviceId?: string): Promise<void> {
    const sealed = deviceId ? this.cipher.seal(deviceId, deviceContext(sid)) : '';
    await this.redis.indexAdd(this.keys.user(sub), this.keys.userDevices(sub), at, sid, ttlMs, sealed);
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

  /** The device id each of `sids` signed in with, in order; undefined where none is known (or it no longer opens). */
  async devices(sub: string, sids: string[]): Promise<(string | undefined)[]> {
    if (sids.length === 0) return [];
    const sealed = await this.redis.hmget(this.keys.userDevices(sub), ...sids);
    return sealed.map((value, i) => (value ? this.cipher.open(value, deviceContext(sids[i]!)) : undefined));
  }

  async remove(sub: string, ...sids: string[]): Promise<void> {
    if (sids.length === 0) return;
    await this.redis.indexRemove(this.keys.user(sub), this.keys.userDevices(sub), ...sids);
  }
}

/** The sealed device id opens only beside its own session id (and never as a session's own sealed data). */
const deviceContext = (sid: string) => `device:${sid}`;

function pairs(flat: string[]): [string, number][] {
  const out: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, Number(flat[i + 1])]);
  return out;
}
