import type { RedisClient } from './redis.js';

export type FieldReply = (err: Error | null, value: string | null) => void;

/** One hash field, read as part of the turn's batch; the reply comes by callback (no promise per read). */
export type HashFieldReader = (key: string, field: string, reply: FieldReply) => void;

const readers = new WeakMap<RedisClient, HashFieldReader>();

/**
 * The lean paths' Redis reads (the session read's view, the proxy's session version): every read that arrives in one
 * turn of the event loop goes to Redis in one pipeline, one socket write, instead of one write per read (the writes
 * were a sixth of the session read's CPU and the largest share of the proxy's after its sockets; bench/README.md).
 * setImmediate rather than a microtask: requests on different connections arrive in separate callbacks of the same
 * turn. One reader per client, shared by both paths, so their reads of one turn share the write too. Not for a
 * Cluster, where a pipeline must stay within one slot: there each read is its own command.
 */
export function batchedHashReads(redis: RedisClient): HashFieldReader {
  let reader = readers.get(redis);
  if (!reader) {
    reader = redis.isCluster ? (key, field, reply) => void redis.hget(key, field, reply as never) : pipelinedReads(redis);
    readers.set(redis, reader);
  }
  return reader;
}

function pipelinedReads(redis: RedisClient): HashFieldReader {
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
    if (k.length === 1) {
      void redis.hget(k[0]!, f[0]!, r[0] as never);
      return;
    }
    const pipeline = redis.pipeline();
    for (let i = 0; i < k.length; i++) pipeline.hget(k[i]!, f[i]!);
    void pipeline.exec((err, results) => {
      for (let i = 0; i < r.length; i++) {
        const result = results?.[i];
        const failure = err ?? (result ? result[0] : new Error('no reply for a pipelined read'));
        if (failure) r[i]!(failure, null);
        else r[i]!(null, (result![1] as string | null) ?? null);
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
