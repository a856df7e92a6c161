import type { RedisClient } from './redis.js';
import { sessionKeys, type SessionKeys } from './keys.js';
import { failClosed } from './fail-closed.js';
import type { TokenCipher } from './token-cipher.js';
import { runWrites, type RedisWrite } from './writes.js';

/**
 * The per-user index: one hash per user (its own slot: one user's sessions live in many) whose fields are the user's
 * session ids and whose values say when each signed in and with which device id (`x-device-id`), sealed, so that a
 * session can be ended at CloudBase by its device without opening the session. A sign-in adds its entry with one HSET
 * and keeps the index alive with one PEXPIRE. A page of the device list in sign-in order is sorted here from one
 * HGETALL, well under the list's budget at thousands of sessions (bench: `sessions-5000`); ending them all walks the
 * hash with HSCAN, a batch at a time. It holds ids only; whether a session is alive is the store's to say (see
 * directory.ts). Redis failures come out as the store's 503.
 *
 * A value is binary: `0x01 ‖ sign-in time (ms, 6 bytes big-endian) ‖ the device id's compact seal` (token-cipher.ts,
 * bound to `device:<sid>`; absent when the session has no device id). A gateway device id (a UUID) under a key id of
 * up to 11 characters makes 64 bytes at most, Redis's default `hash-max-listpack-value`: so a user's index stays a
 * listpack (up to `hash-max-listpack-entries`, 512 sessions), not a hashtable, which is what keeps Redis's memory per
 * session low (bench: `memory-100000`; the ~100-byte text value before took about 170 B more per session). Values an
 * older gateway wrote, `<ms>:<text seal>` (or `<ms>:`), are still read.
 */
export class RedisUserIndex {
  private readonly keys: SessionKeys;
  private readonly redis: RedisClient;
  private readonly cipher: TokenCipher;

  constructor(opts: { client: RedisClient; prefix: string; cipher: TokenCipher }) {
    this.keys = sessionKeys(opts.prefix);
    this.redis = opts.client;
    this.cipher = opts.cipher;
    failClosed(this, ['add', 'members', 'page', 'pageUntied', 'at', 'devices', 'scan', 'remove']);
  }

  async add(sub: string, sid: string, at: number, ttlMs: number, deviceId?: string): Promise<void> {
    await runWrites(this.redis, this.addWrites(sub, sid, at, ttlMs, deviceId));
  }

  /** The writes of `add`, for a caller sending them with others in one round trip. */
  addWrites(sub: string, sid: string, at: number, ttlMs: number, deviceId?: string): RedisWrite[] {
    const key = this.keys.user(sub);
    return [
      ['hset', key, sid, encodeEntry(at, deviceId ? this.cipher.compact.seal(deviceId, deviceContext(sid)) : undefined)],
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
    return newestFirst(await this.entries(sub), beforeMs).slice(0, count);
  }

  /**
   * A page for the device list from one read: the first `count` ids of `page`, and with them every other id signed
   * in at the same time as the page's last (a tie is never split across pages); `next`, the time the next page starts
   * before, is absent on the last page.
   */
  async pageUntied(sub: string, beforeMs: number | undefined, count: number): Promise<{ sids: string[]; next?: number }> {
    const sorted = newestFirst(await this.entries(sub), beforeMs);
    if (sorted.length <= count) return { sids: sorted.map(([sid]) => sid) };
    const last = sorted[count - 1]![1];
    let end = count;
    while (end < sorted.length && sorted[end]![1] === last) end++;
    return { sids: sorted.slice(0, end).map(([sid]) => sid), next: last };
  }

  /** Every session id of the index signed in at exactly `atMs` (to finish a page without splitting a tie). */
  async at(sub: string, atMs: number): Promise<string[]> {
    return (await this.entries(sub)).flatMap(([sid, at]) => (at === atMs ? [sid] : []));
  }

  /** The device id each of `sids` signed in with, in order; undefined where none is known (or it no longer opens). */
  async devices(sub: string, sids: string[]): Promise<(string | undefined)[]> {
    if (sids.length === 0) return [];
    const values = await this.redis.hmgetBuffer(this.keys.user(sub), ...sids);
    return values.map((value, i) => (value ? this.deviceOf(value, deviceContext(sids[i]!)) : undefined));
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
    // The flat reply as bytes: no object keyed by thousands of session ids, no decoding of the sealed part (a few
    // times cheaper than hgetall at 5,000 sessions).
    const flat = (await this.redis.callBuffer('HGETALL', this.keys.user(sub))) as Buffer[];
    const out: [string, number][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!.toString('utf8'), signInTime(flat[i + 1]!)]);
    return out;
  }

  private deviceOf(value: Buffer, context: string): string | undefined {
    if (value[0] === ENTRY_V1) return value.length > ENTRY_HEAD ? this.cipher.compact.open(value.subarray(ENTRY_HEAD), context) : undefined;
    const text = value.toString('utf8');
    const sealed = text.slice(text.indexOf(':') + 1);
    return sealed ? this.cipher.open(sealed, context) : undefined;
  }
}

/** Format byte of a binary entry; an older gateway's text entries start with a digit. */
const ENTRY_V1 = 0x01;
/** The format byte and the 6-byte sign-in time. */
const ENTRY_HEAD = 7;

function encodeEntry(at: number, sealedDevice: Buffer | undefined): Buffer {
  const head = Buffer.allocUnsafe(ENTRY_HEAD);
  head[0] = ENTRY_V1;
  head.writeUIntBE(at, 1, 6);
  return sealedDevice ? Buffer.concat([head, sealedDevice]) : head;
}

function signInTime(value: Buffer): number {
  if (value[0] === ENTRY_V1 && value.length >= ENTRY_HEAD) return value.readUIntBE(1, 6);
  const colon = value.indexOf(0x3a);
  return Number(value.toString('latin1', 0, colon < 0 ? value.length : colon));
}

/** Entries signed in before `beforeMs` (all when absent), newest first; ties in reverse byte order, as a sorted set answers them. */
function newestFirst(entries: [string, number][], beforeMs: number | undefined): [string, number][] {
  const before = beforeMs ?? Infinity;
  return entries.filter(([, at]) => at < before).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1));
}

/** The sealed device id opens only beside its own session id (and never as a session's own sealed data). */
const deviceContext = (sid: string) => `device:${sid}`;
