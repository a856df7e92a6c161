import type { Request } from 'express';
import type { Session, SessionData } from 'express-session';
import { storeUnavailable } from '../errors/app-error.js';
import type { RedisClient } from './redis.js';
import type { VersionedSession } from './store.js';
import type { SharedSessions } from './shared.js';
import { runBatches, type PendingWrites, type WriteBatch } from './writes.js';

// A write of its own on the session's node, so the WAIT that follows on the same connection covers it whatever
// happened to the connection since the save (a fresh connection has written nothing and WAIT would not wait), and
// proof that the session is still there: 0 when it is gone (written to a master that died before replicating it).
const CONFIRM = `
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return 0 end
redis.call('HSET', KEYS[1], 'v', v)
return 1
`;

export interface DurableWriteOptions {
  client?: RedisClient;
  /** the sessions in Redis (absent with the development store: the session is saved through express-session) */
  shared?: Pick<SharedSessions, 'store' | 'create'>;
  /** replicas that must hold the session before the sign-in is answered (0: do not wait), and for how long at most */
  wait: { replicas: number; timeoutMs: number };
}

/** Stores a new sign-in's session, with `batches` (the user index's, the limits' bookkeeping) in the same round trip. */
export type SignInPersister = (req: Request, batches: WriteBatch[]) => Promise<void>;

/** The session as express-session compares it (its cookie left out), to see whether anything changed since. */
const contentOf = (s: Session & Partial<SessionData>) => JSON.stringify(s, function (key, value: unknown) {
  return this === s && key === 'cookie' ? undefined : value;
});

/**
 * express-session saves a regenerated session again at the end of the response (it cannot know it was stored): that
 * save is skipped while the session is as the sign-in stored it, and happens as usual once a route changed it.
 */
function skipSaveWhileUnchanged(s: Session & Partial<SessionData>): void {
  const stored = contentOf(s);
  const save = s.save.bind(s);
  Object.defineProperty(s, 'save', {
    configurable: true,
    enumerable: false,
    writable: true,
    value(this: Session & Partial<SessionData>, cb?: (err?: unknown) => void) {
      if (contentOf(this) === stored) {
        cb?.();
        return this;
      }
      return save(cb);
    },
  });
}

/**
 * Stores a new sign-in's session before the route answers, so a failed write turns into the store's 503 instead of
 * a 303 whose session never existed (express-session's own save at the end of the response sends the answer even
 * when the write failed). With Redis the session (a new id: a plain create, no compare-and-set) and the user index
 * go out in one pipeline. With `wait.replicas` > 0 it then waits (Redis WAIT) until that many replicas hold it, so a
 * master killed right after the answer cannot take an acknowledged session with it. When fewer replicas acknowledge
 * within the timeout (none attached, or lagging), the sign-in still succeeds with a warning: availability over a
 * guarantee the replication set-up cannot give at that moment.
 */
export function createSignInPersister(opts: DurableWriteOptions): SignInPersister {
  const { client, shared, wait } = opts;
  return async function persistSignIn(req: Request, batches: WriteBatch[]): Promise<void> {
    if (!client || !shared) {
      // Without Redis the limits kept their counts in this process (nothing pending); this is for completeness.
      for (const b of batches) if ('flush' in b) await (b as PendingWrites).flush();
      await new Promise<void>((resolve, reject) => req.session.save((err: unknown) => (err ? reject(err instanceof Error ? err : new Error('session save failed', { cause: err })) : resolve())));
      return;
    }
    await runBatches(client, [{ writes: shared.create(req.sessionID, req.session as unknown as VersionedSession) }, ...batches]);
    skipSaveWhileUnchanged(req.session);
    if (wait.replicas === 0) return;
    // One pipeline: in a Cluster both commands go to the master of the session's slot, in order.
    const replies = await client
      .pipeline()
      .eval(CONFIRM, 1, shared.store.keys.session(req.sessionID))
      .call('WAIT', String(wait.replicas), String(wait.timeoutMs))
      .exec()
      .catch((e: unknown) => {
        throw storeUnavailable(e);
      });
    const [[confirmErr, present] = [], [waitErr, acked] = []] = replies ?? [];
    if (confirmErr || waitErr) throw storeUnavailable(confirmErr ?? waitErr);
    if (present !== 1) throw storeUnavailable(new Error('the session written at sign-in is no longer in Redis'));
    if (typeof acked === 'number' && acked < wait.replicas) {
      req.log?.warn({ replicas: acked, wanted: wait.replicas, timeoutMs: wait.timeoutMs }, 'sign-in session not yet on every replica');
    }
  };
}
