import { VersionedRedisStore, sessionCreator, type SessionCreator, type VersionedStoreOptions } from './store.js';
import { RedisRefreshLock } from './refresh-lock.js';
import { RedisUserIndex } from './user-index.js';
import { RedisEndNotes } from './end-notes.js';

/**
 * The session state every instance shares through one Redis: the sessions, their refresh locks, the per-user index,
 * and why a session was ended from elsewhere.
 */
export interface SharedSessions {
  store: VersionedRedisStore;
  lock: RedisRefreshLock;
  index: RedisUserIndex;
  /** a new session's writes, in the store's format (sign-in sends them with its other writes) */
  create: SessionCreator;
  ends: RedisEndNotes;
}

export function createSharedSessions(opts: VersionedStoreOptions): SharedSessions {
  const store = new VersionedRedisStore(opts);
  return {
    store,
    lock: new RedisRefreshLock(opts),
    index: new RedisUserIndex(opts),
    create: sessionCreator({ ...opts, defaultCookie: store.defaultCookie }),
    ends: new RedisEndNotes(opts),
  };
}
