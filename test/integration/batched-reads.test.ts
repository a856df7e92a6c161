import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { socketWrites } from '../support/socket-writes.js';
import type { Redis } from 'ioredis';
import { finishSuite, startTestGateway, type TestGateway } from '../support/gateway.js';
import { batchedHashReads } from '../../src/session/batched-reads.js';

// The lean session read and the proxy's lean path read Redis through one batched reader per client: the reads of one
// event-loop turn go out in one socket write, and each reply (or failure) reaches the reader that asked for it.
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(() => finishSuite(gw));

type Reply = { err: Error | null; value: string | null };


/** Starts one read now (in this turn) and resolves with its reply. */
function read(key: string, field: string): Promise<Reply> {
  return new Promise((resolve) => batchedHashReads(gw.redis)(key, field, (err, value) => resolve({ err, value })));
}

describe('reads asked for in one turn of the event loop', () => {
  it('go to Redis in one socket write and each caller gets its own field of its own hash', async () => {
    await gw.redis.hset('batched:a', 'v', '7', 'u', 'view-a');
    await gw.redis.hset('batched:b', 'v', '12', 'u', 'view-b');
    const { result: replies, writev, write } = await socketWrites(gw.redis as Redis, () =>
      Promise.all([
        read('batched:a', 'v'),
        read('batched:b', 'u'),
        read('batched:missing', 'v'),
        read('batched:a', 'u'),
        read('batched:b', 'missing-field'),
      ]),
    );
    expect(replies).toEqual([
        { err: null, value: '7' },
        { err: null, value: 'view-b' },
        { err: null, value: null },
        { err: null, value: 'view-a' },
      { err: null, value: null },
    ]);
    expect(writev).toHaveLength(1);
    expect(writev[0]).toHaveLength(5);
    expect(write).toBe(0);
  });

  it('fail one by one: a command Redis refuses fails only the read that sent it', async () => {
    await gw.redis.set('batched:not-a-hash', 'plain string');
    await gw.redis.hset('batched:c', 'v', '3');
    const [refused, fine] = await Promise.all([read('batched:not-a-hash', 'v'), read('batched:c', 'v')]);
    expect(refused.err?.message).toMatch(/WRONGTYPE/);
    expect(refused.value).toBeNull();
    expect(fine).toEqual({ err: null, value: '3' });
  });
});

describe('a read alone in its turn', () => {
  it('is one command in one write, refusals included', async () => {
    await gw.redis.hset('batched:d', 'u', 'view-d');
    const { result, writev, write } = await socketWrites(gw.redis as Redis, async () => [await read('batched:d', 'u'), await read('batched:not-a-hash', 'u')]);
    expect(result[0]).toEqual({ err: null, value: 'view-d' });
    expect(result[1]!.err?.message).toMatch(/WRONGTYPE/);
    expect(write).toBe(2);
    expect(writev).toHaveLength(0);
  });
});

describe('the reader of one Redis client', () => {
  it('is the same for every caller, so the session read and the proxy share each turn’s write', () => {
    expect(batchedHashReads(gw.redis)).toBe(batchedHashReads(gw.redis));
  });
});
