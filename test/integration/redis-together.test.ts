import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { socketWrites } from '../support/socket-writes.js';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { createRedisClient, together, waitReady } from '../../src/session/redis.js';
import { runWrites, type RedisWrite } from '../../src/session/writes.js';
import { AppError } from '../../src/errors/app-error.js';

// Commands sent together leave in one socket write as ordinary ioredis commands (no ioredis Pipeline: see `together`),
// each with its own reply, in order, and the connection's offline queue still holds them before it is ready.
let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = createRedisClient({ url: server.url, clusterNodes: undefined }) as Redis;
  await waitReady(redis);
});

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});


describe('runWrites', () => {
  it('sends every write in one socket write and resolves with the replies in order', async () => {
    const writes: RedisWrite[] = [
      ['set', 'together:a', 'one'],
      ['incr', 'together:n'],
      ['hset', 'together:h', 'v', 3, 'u', Buffer.from('view')],
      ['pexpire', 'together:h', 60_000],
      ['exists', 'together:a', 'together:missing'],
      ['incr', 'together:n'],
    ];
    const { result, writev, write } = await socketWrites(redis, () => runWrites(redis, writes));
    expect(result).toEqual(['OK', 1, 2, 1, 1, 2]);
    expect(writev).toHaveLength(1);
    expect(writev[0]).toHaveLength(writes.length);
    expect(write).toBe(0);
    expect(await redis.hgetall('together:h')).toEqual({ v: '3', u: 'view' });
    expect(await redis.pttl('together:h')).toBeGreaterThan(50_000);
  });

  it("fails as the store's 503 when Redis refuses one write, the others applied as sent (no MULTI)", async () => {
    await redis.set('together:plain', 'x');
    const failure = await runWrites(redis, [
      ['incr', 'together:before'],
      ['hset', 'together:plain', 'f', 'v'],
      ['incr', 'together:after'],
    ]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe('store_unavailable');
    expect(((failure as AppError).extra.cause as Error).message).toMatch(/WRONGTYPE/);
    expect(await redis.mget('together:before', 'together:after')).toEqual(['1', '1']);
  });

  it('sends nothing for no writes', async () => {
    const { result, writev, write } = await socketWrites(redis, () => runWrites(redis, []));
    expect(result).toEqual([]);
    expect(writev).toHaveLength(0);
    expect(write).toBe(0);
  });
});

describe('together', () => {
  it('returns what the issuing function returns, and uncorks even when it throws', async () => {
    const promises = together(redis, () => [redis.incr('together:t'), redis.incr('together:t')]);
    expect(await Promise.all(promises)).toEqual([1, 2]);
    expect(() =>
      together(redis, () => {
        void redis.incr('together:t');
        throw new Error('issuing failed');
      }),
    ).toThrow('issuing failed');
    expect(redis.stream.writableCorked).toBe(0);
    expect(await redis.get('together:t')).toBe('3');
  });

  it('leaves commands to the offline queue of a client that is not ready yet, answered once it is', async () => {
    const late = new Redis(server.url, { lazyConnect: true });
    try {
      expect(late.status).toBe('wait');
      const replies = runWrites(late, [
        ['set', 'together:late', 'queued'],
        ['get', 'together:late'],
      ]);
      expect(await replies).toEqual(['OK', 'queued']);
    } finally {
      late.disconnect();
    }
  });
});
