import { randomBytes, randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { bffLogin, bffSession, type SignedInCookie } from './clients.js';
import { BENCH_ENV } from './env.js';
import { runLoad } from './load.js';
import { median, type MemoryScale, type UserSessionsScale } from './report.js';
import { usedMemory } from './redis-stats.js';

const round2 = (n: number) => Math.round(n * 100) / 100;
const since = (t0: number) => round2((performance.now() - t0) / 1000);

/** The JSON API's sign-in as the bench's TLS proxy forwards it (so the session cookie is set, as in production). */
export function loginRequestHeaders(): Record<string, string> {
  return { 'content-type': 'application/json', 'x-csrf': '1', 'x-forwarded-proto': 'https' };
}

/**
 * One user with `count` sessions, each from a real password sign-in through the BFF (so each is exactly what a
 * sign-in writes, tokens sealed to its own id); then the first page of `GET /api/sessions` timed over `listRequests`
 * sequential requests, and one `POST /api/sessions/revoke-others`. Checks the index really held `count` sessions, and
 * one afterwards.
 */
export async function userSessionsScale(opts: {
  bffUrl: string;
  redis: Redis;
  username: string;
  password: string;
  count: number;
  listRequests: number;
}): Promise<UserSessionsScale> {
  const { bffUrl, redis, username, password, count } = opts;
  const t0 = performance.now();
  const body = JSON.stringify({ username, password });
  if (count > 1) {
    const signIns = await runLoad({
      url: bffUrl,
      connections: 10,
      amount: count - 1,
      requests: [{ method: 'POST', path: '/api/session/login', headers: loginRequestHeaders(), body }],
      timeoutS: 30,
    });
    if (signIns.statuses['200'] !== count - 1 || signIns.errors > 0) {
      throw new Error(`${count - 1} sign-ins of ${username} answered ${JSON.stringify(signIns.statuses)}, ${signIns.errors} errors`);
    }
  }
  const current: SignedInCookie = await bffLogin(bffUrl, username, password);
  const createdS = since(t0);
  const sub = (await bffSession(bffUrl, current.cookie)).user.sub;
  const indexKey = `${BENCH_ENV.keyPrefix}u:{${sub}}`;
  const indexed = await redis.zcard(indexKey);
  if (indexed !== count) throw new Error(`${username}'s index ${indexKey} holds ${indexed} sessions after ${count} sign-ins`);

  const times: number[] = [];
  let pageSize = 0;
  for (let i = 0; i < opts.listRequests; i++) {
    const started = performance.now();
    const res = await fetch(`${bffUrl}/api/sessions`, { headers: { cookie: current.cookie } });
    const page = (await res.json()) as { sessions?: unknown[]; next_cursor?: string | null };
    times.push(performance.now() - started);
    if (res.status !== 200 || !Array.isArray(page.sessions) || !page.next_cursor) {
      throw new Error(`GET /api/sessions with ${count} sessions answered ${res.status} ${JSON.stringify(page).slice(0, 300)}; expected a first page with a next_cursor`);
    }
    pageSize = page.sessions.length;
  }

  const started = performance.now();
  const res = await fetch(`${bffUrl}/api/sessions/revoke-others`, {
    method: 'POST',
    headers: { cookie: current.cookie, 'x-csrf': '1', 'x-forwarded-proto': 'https' },
  });
  const answer = (await res.json()) as { revoked?: number };
  const revokeMs = performance.now() - started;
  if (res.status !== 200 || typeof answer.revoked !== 'number') {
    throw new Error(`POST /api/sessions/revoke-others answered ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
  }
  return {
    sessions: count,
    created_by: 'password sign-ins through the BFF',
    created_s: createdS,
    list_first_page_ms: round2(median(times)),
    list_first_page_max_ms: round2(Math.max(...times)),
    list_requests: times.length,
    list_page_size: pageSize,
    revoke_others_ms: round2(revokeMs),
    revoked: answer.revoked,
    left_in_index: await redis.zcard(indexKey),
  };
}

/** Every key one sign-in left in Redis, as it was stored: its type, value and time to live. */
interface StoredKey {
  key: string;
  ttlMs: number;
  /** field values as bytes: a field may hold binary (the sealed secrets), which a text round trip would change */
  hash?: Record<string, Buffer>;
  zscore?: { member: string; score: string };
  string?: string;
}

async function storedKeys(redis: Redis, sid: string, sub: string): Promise<StoredKey[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${BENCH_ENV.keyPrefix}s:{${sid}}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const out: StoredKey[] = [];
  for (const key of keys) {
    const type = await redis.type(key);
    const ttlMs = await redis.pttl(key);
    if (type === 'hash') out.push({ key, ttlMs, hash: await redis.hgetallBuffer(key) });
    else if (type === 'string') out.push({ key, ttlMs, string: (await redis.get(key)) ?? '' });
    else throw new Error(`session key ${key} is a ${type}: the memory fixture copies hashes and strings only`);
  }
  const indexKey = `${BENCH_ENV.keyPrefix}u:{${sub}}`;
  const score = await redis.zscore(indexKey, sid);
  if (score === null) throw new Error(`session ${sid} is not in its user's index ${indexKey}`);
  out.push({ key: indexKey, ttlMs: await redis.pttl(indexKey), zscore: { member: sid, score } });
  if (!out.some((k) => k.hash)) throw new Error(`no session hash found for ${sid}`);
  return out;
}

/** A random id of the same length and alphabet (base64url or digits), so every copy weighs the same. */
export function sameShape(id: string): string {
  if (/^[0-9]+$/.test(id)) return String(randomInt(1, 10)) + Array.from({ length: id.length - 1 }, () => randomInt(0, 10)).join('');
  return randomBytes(Math.ceil((id.length * 3) / 4) + 1).toString('base64url').slice(0, id.length);
}

/**
 * `count` signed-in sessions, one user each, in the Redis the BFF uses, and what they add to its `used_memory`. They are
 * written by a pipeline copying byte for byte what one real sign-in (`template`) left there — every key of its session
 * with its fields, values and time to live, and its entry in a user index — with the session id and user id swapped
 * for new ones of the same length. The copies' sealed secrets stay sealed to the template's id (they would not open
 * under the copy's: same bytes, not usable sessions), which is all a memory count needs.
 */
export async function memoryScale(opts: { redis: Redis; template: { sid: string; sub: string }; count: number; batch?: number }): Promise<MemoryScale> {
  const { redis, template, count } = opts;
  const batch = opts.batch ?? 2000;
  const keys = await storedKeys(redis, template.sid, template.sub);
  const before = await usedMemory(redis);
  const t0 = performance.now();
  let last: { sid: string; sub: string } | undefined;
  for (let done = 0; done < count; ) {
    const pipeline = redis.pipeline();
    const n = Math.min(batch, count - done);
    for (let i = 0; i < n; i++) {
      const sid = sameShape(template.sid);
      const sub = sameShape(template.sub);
      last = { sid, sub };
      const swap = (s: string) => s.replaceAll(template.sid, sid).replaceAll(template.sub, sub);
      for (const k of keys) {
        const key = swap(k.key);
        if (k.hash) pipeline.hset(key, Object.fromEntries(Object.entries(k.hash).map(([f, v]) => [f, swapBytes(v, swap)])));
        else if (k.zscore) pipeline.zadd(key, k.zscore.score, sid);
        else pipeline.set(key, swap(k.string ?? ''));
        if (k.ttlMs > 0) pipeline.pexpire(key, k.ttlMs);
      }
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw new Error(`memory fixture write failed: ${String(failed[0])}`);
    done += n;
  }
  const createdS = since(t0);
  const after = await usedMemory(redis);
  if (last) await checkCopy(redis, keys, template, last);
  return {
    sessions: count,
    created_by: 'pipeline copying one real sign-in\'s keys (ids swapped, same lengths)',
    created_s: createdS,
    used_memory_before: before,
    used_memory_after: after,
    bytes_per_session: Math.round((after - before) / count),
  };
}

/** A text value with the ids swapped; a binary one (not UTF-8 that round-trips) byte for byte as it is. */
function swapBytes(v: Buffer, swap: (s: string) => string): Buffer {
  const text = v.toString('utf8');
  return Buffer.from(text, 'utf8').equals(v) ? Buffer.from(swap(text), 'utf8') : v;
}

/** One copy has every key of the template, with the same fields, value lengths and a time to live: else it throws. */
async function checkCopy(redis: Redis, keys: StoredKey[], template: { sid: string; sub: string }, copy: { sid: string; sub: string }): Promise<void> {
  const swap = (s: string) => s.replaceAll(template.sid, copy.sid).replaceAll(template.sub, copy.sub);
  for (const k of keys) {
    const key = swap(k.key);
    if (k.ttlMs > 0 && (await redis.pttl(key)) <= 0) throw new Error(`memory fixture: ${key} has no time to live`);
    if (k.hash) {
      const got = await redis.hgetallBuffer(key);
      const same = Object.entries(k.hash).every(([f, v]) => got[f]?.length === v.length) && Object.keys(got).length === Object.keys(k.hash).length;
      if (!same) throw new Error(`memory fixture: ${key} is not shaped like ${k.key}`);
    } else if (k.zscore && (await redis.zscore(key, copy.sid)) !== k.zscore.score) {
      throw new Error(`memory fixture: ${copy.sid} is not in ${key}`);
    }
  }
}
