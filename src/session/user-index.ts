import type { RedisClient } from './redis.js';
import { sessionKeys, type SessionKeys } from './keys.js';
import { failClosed } from './fail-closed.js';
import type { TokenCipher } from './token-cipher.js';
import { runWrites, type RedisWrite } from './writes.js';

/**
 * The per-user index: one hash per user (its own slot: one user's sessions live in many) whose fields are the user's
 * session ids and whose values are `<sign-in time>:<device id>`, the device id (`x-device-id`) being the one the
 * session signed in with, sealed like the session's own secrets, so that a session can be ended at CloudBase by its
 * device without opening the session. A sign-in adds its entry with one HSET and keeps the index alive with one
 * PEXPIRE (a sorted set for the order and a hash for the devices beside it took two more commands per sign-in, and
 * more bytes). A page of the device list in sign-in order is sorted here from one HGETALL, well under the list's budget
 * at thousands of sessions (bench: `sessions-5000`); ending them all walks the hash with HSCAN, a batch at a time. It holds ids only; whether a session is alive is the store's to say
 * (see directory.ts). Redis failures come out as the store's 503.
 */
export class RedisUserIndex {
  private readonly keys: SessionKeys;
  private readonly redis: RedisClient;
  private readonly cipher: TokenCipher;

  constructor(opts: { client: RedisClient; prefix: string; cipher: TokenCipher }) {
    this.keys = sessionKeys(opts.prefix);
    this.redis = opts.client;
    this.cipher = opts.cipher;
    failClosed(this, ['add', 'members', 'page', 'at', 'devices', 'scan', 'remove']);
  }

  async add(sub: string, sid: string, at: number, ttlMs: number, deviceId?: string): Promise<void> {
    await runWrites(this.redis, this.addWrites(sub, sid, at, ttlMs, deviceId));
  }

  /** The writes of `add`, for a caller sending them with others in one round trip. */
  addWrites(sub: string, sid: string, at: number, ttlMs: number, deviceId?: string): RedisWrite[] {
    const key = this.keys.user(sub);
    const device = deviceId ? this.cipher.seal(deviceId, deviceContext(sid)) : '';
    return [
      ['hset', key, sid, `${at}:${device}`],
      ['pexpire', key, ttlMs],
    ];
  }

  /** Every session id of the user's index (tests and tools; the gateway reads it by pages). */
  async members(sub: string): Promise<string[]> {
    return this.redis.hkeys(this.keys.user(sub));
  }

  /**
   * One page of the user's index, newest sign-in first: up to `count` session ids signed in before `beforeMs`
   * (exclusive; all when absent), with their sign-in times.
   */
  async page(sub: string, beforeMs: number | undefined, count: number): Promise<[string, number][]> {
    const entries = await this.entries(sub);
    const before = beforeMs ?? Infinity;
    return entries
      .filter(([, at]) => at < before)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1)) // ties in reverse byte order, as a sorted set answers them
      .slice(0, count);
  }

  /** Every session id of the index signed in at exactly `atMs` (to finish a page without splitting a tie). */
  async at(sub: string, atMs: number): Promise<string[]> {
    return (await this.entries(sub)).flatMap(([sid, at]) => (at === atMs ? [sid] : []));
  }

  /** The device id each of `sids` signed in with, in order; undefined where none is known (or it no longer opens). */
  async devices(sub: string, sids: string[]): Promise<(string | undefined)[]> {
    if (sids.length === 0) return [];
    const values = await this.redis.hmget(this.keys.user(sub), ...sids);
    return values.map((value, i) => {
      const sealed = value ? value.slice(value.indexOf(':') + 1) : '';
      return sealed ? this.cipher.open(sealed, deviceContext(sids[i]!)) : undefined;
    });
  }

  /** Some of the user's session ids, in no order, and where to go on from (`'0'`: the end); for walking the whole index. */
  async scan(sub: string, cursor: string, count: number): Promise<{ sids: string[]; cursor: string }> {
    const [next, flat] = await this.redis.hscan(this.keys.user(sub), cursor, 'COUNT', count);
    const sids: string[] = [];
    for (let i = 0; i < flat.length; i += 2) sids.push(flat[i]!);
    return { sids, cursor: next };
  }

  async remove(sub: string, ...sids: string[]): Promise<void> {
    if (sids.length === 0) return;
    await this.redis.hdel(this.keys.user(sub), ...sids);
  }

  private async entries(sub: string): Promise<[string, number][]> {
    const all = await this.redis.hgetall(this.keys.user(sub));
    const out: [string, number][] = [];
    for (const sid in all) {
      const value = all[sid]!;
      const colon = value.indexOf(':');
      out.push([sid, Number(colon < 0 ? value : value.slice(0, colon))]);
    }
    return out;
  }
}

/** The sealed device id opens only beside its own session id (and never as a session's own sealed data). */
const deviceContext = (sid: string) => `device:${sid}`;
