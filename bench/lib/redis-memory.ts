import { Redis } from 'ioredis';

export interface SessionFootprint {
  /** MEMORY USAGE of every key carrying the session's `{sid}` hash tag, plus its share of the user's index */
  bytes: number;
  sessionKeys: Record<string, number>;
  indexKey: string;
  indexBytes: number;
  indexMembers: number;
  /** `OBJECT ENCODING` of the index: `listpack` while its entries fit Redis's default limits (what keeps it small) */
  indexEncoding: string | null;
  /** length of the stored session JSON (the `d` field of the session hash) */
  sessionJsonBytes: number;
}

/**
 * What one signed-in session costs in Redis: `MEMORY USAGE ... SAMPLES 0` (exact) of the session hash
 * `<prefix>s:{<sid>}` and any other key of that session (lock, markers), plus the user index `<prefix>u:{<sub>}`
 * divided by its members (with one session per user, the whole index).
 */
export async function measureSession(redisUrl: string, prefix: string, sid: string, sub: string): Promise<SessionFootprint> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const sessionKeys: Record<string, number> = {};
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}s:{${sid}}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) sessionKeys[key] = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    } while (cursor !== '0');
    const indexKey = `${prefix}u:{${sub}}`;
    const indexBytes = Number((await redis.call('MEMORY', 'USAGE', indexKey, 'SAMPLES', '0')) ?? 0);
    const indexMembers = (await redis.exists(indexKey)) ? await redis.hlen(indexKey) : 0;
    const indexEncoding = indexMembers > 0 ? String(await redis.call('OBJECT', 'ENCODING', indexKey)) : null;
    const d = await redis.hget(`${prefix}s:{${sid}}`, 'd');
    const own = Object.values(sessionKeys).reduce((a, b) => a + b, 0);
    return {
      bytes: Math.round(own + (indexMembers > 0 ? indexBytes / indexMembers : 0)),
      sessionKeys,
      indexKey,
      indexBytes,
      indexMembers,
      indexEncoding,
      sessionJsonBytes: d === null ? 0 : Buffer.byteLength(d),
    };
  } finally {
    redis.disconnect();
  }
}

/** Length of a plain string value (connect-redis stores the session JSON under `<prefix><sid>`). */
export async function stringBytes(redisUrl: string, key: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    return await redis.strlen(key);
  } finally {
    redis.disconnect();
  }
}
