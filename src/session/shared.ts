import { VersionedRedisStore, type VersionedStoreOptions } from './store.js';
import { RedisRefreshLock } from './refresh-lock.js';
import { RedisUserIndex } from './user-index.js';

/** The session state every instance shares through one Redis: the sessions, their refresh locks, the per-user index. */
export interface SharedSessions {
  store: VersionedRedisStore;
  lock: RedisRefreshLock;
  index: RedisUserIndex;
}

export function createSharedSessions(opts: VersionedStoreOptions): SharedSessions {
  return {
    store: new VersionedRedisStore(opts),
    lock: new RedisRefreshLock(opts),
    index: new RedisUserIndex(opts),
  };
}
