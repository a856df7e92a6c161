import { VersionedRedisStore, type VersionedStoreOptions } from './store.js';
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
  ends: RedisEndNotes;
}

export function createSharedSessions(opts: VersionedStoreOptions): SharedSessions {
  return {
    store: new VersionedRedisStore(opts),
    lock: new RedisRefreshLock(opts),
    index: new RedisUserIndex(opts),
    ends: new RedisEndNotes(opts),
  };
}
