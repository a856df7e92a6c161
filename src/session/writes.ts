import { Cluster } from 'ioredis';
import { storeUnavailable } from '../errors/app-error.js';
import type { RedisClient } from './redis.js';

/** One Redis command as data, so several owners' writes can go out together. */
export type RedisWrite = [command: string, ...args: (string | number)[]];

/**
 * Sends the writes in one pipeline (one round trip, no MULTI: each command is atomic on its own and none depends on
 * another's answer) and resolves with their replies in order. A Cluster client sends each on its own, all at once,
 * because one pipeline there must stay in one slot. Any failure comes out as the store's 503.
 */
export async function runWrites(client: RedisClient, writes: RedisWrite[]): Promise<unknown[]> {
  if (writes.length === 0) return [];
  try {
    if (client instanceof Cluster) return await Promise.all(writes.map(([command, ...args]) => client.call(command, ...args)));
    const replies = (await client.pipeline(writes).exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
    return replies.map(([, value]) => value);
  } catch (e) {
    throw storeUnavailable(e);
  }
}
