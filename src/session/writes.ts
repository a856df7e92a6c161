import { storeUnavailable } from '../errors/app-error.js';
import { together, type RedisClient } from './redis.js';

/** One Redis command as data, so several owners' writes can go out together. */
export type RedisWrite = [command: string, ...args: (string | number | Buffer)[]];

/**
 * Sends the writes together, in one socket write (one round trip, no MULTI: each command is atomic on its own and none
 * depends on another's answer; see `together`), and resolves with their replies in order. Any failure comes out as
 * the store's 503.
 */
export async function runWrites(client: RedisClient, writes: RedisWrite[]): Promise<unknown[]> {
  if (writes.length === 0) return [];
  try {
    return await Promise.all(together(client, () => writes.map(([command, ...args]) => client.call(command, ...args))));
  } catch (e) {
    throw storeUnavailable(e);
  }
}

/** Writes one owner hands to another to send with its own, and what to do with their replies. */
export interface WriteBatch {
  writes: RedisWrite[];
  /** called with the replies to `writes`, in order, once they are in */
  settled?(replies: unknown[]): Promise<void>;
}

/**
 * Writes whose owner (the abuse limits) leaves them to the sign-in, to go out with the session's in one round trip;
 * `flush` sends them alone, for a path that ends without storing a session.
 */
export interface PendingWrites extends WriteBatch {
  flush(): Promise<void>;
}

/** Sends several owners' writes in one round trip (see runWrites), then hands each its replies. */
export async function runBatches(client: RedisClient, batches: WriteBatch[]): Promise<void> {
  const replies = await runWrites(client, batches.flatMap((b) => b.writes));
  let at = 0;
  for (const b of batches) {
    await b.settled?.(replies.slice(at, at + b.writes.length));
    at += b.writes.length;
  }
}
