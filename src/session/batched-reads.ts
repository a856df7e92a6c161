import { together, type RedisClient } from './redis.js';

export type FieldReply = (err: Error | null, value: string | null) => void;

/** One hash field, read as part of the turn's batch; the reply comes by callback (no promise per read). */
export type HashFieldReader = (key: string, field: string, reply: FieldReply) => void;

const readers = new WeakMap<RedisClient, HashFieldReader>();

/**
 * The lean paths' Redis reads (the session read's view, the proxy's session version): every read that arrives in one
 * turn of the event loop goes to Redis in one socket write (`together`), instead of one write per read (the writes
 * were a sixth of the session read's CPU and the largest share of the proxy's after its sockets; bench/README.md).
 * setImmediate rather than a microtask: requests on different connections arrive in separate callbacks of the same
 * turn. One reader per client, shared by both paths, so their reads of one turn share the write too. A Cluster client
 * reads each at once: its commands go to several connections.
 */
export function batchedHashReads(redis: RedisClient): HashFieldReader {
  let reader = readers.get(redis);
  if (!reader) {
    reader = redis.isCluster ? (key, field, reply) => void redis.hget(key, field, reply as never) : readsOfTheTurn(redis);
    readers.set(redis, reader);
  }
  return reader;
}

function readsOfTheTurn(redis: RedisClient): HashFieldReader {
  // the waiting reads as parallel lists: no object per read
  let keys: string[] = [];
  let fields: string[] = [];
  let replies: FieldReply[] = [];

  function flush(): void {
    const k = keys;
    const f = fields;
    const r = replies;
    keys = [];
    fields = [];
    replies = [];
    together(redis, () => {
      for (let i = 0; i < k.length; i++) {
        const reply = r[i]!;
        void redis.hget(k[i]!, f[i]!, (err, value) => reply(err ?? null, value ?? null));
      }
    });
  }

  return (key, field, reply) => {
    if (keys.length === 0) setImmediate(flush);
    keys.push(key);
    fields.push(field);
    replies.push(reply);
  };
}
