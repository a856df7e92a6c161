import { RecentMap } from '../session/recent-map.js';

/**
 * A small LRU of what the proxy's lean path opened of a session version (its access token, expiry and times), keyed by
 * the exact credential that was verified for it (the cookie value or session token). An entry is only ever used for
 * the version it was read at: the lean path checks the session's current version on every request (session/version-cache.ts:
 * cached until Redis invalidates it), so a session ended, signed out or rewritten is not served from here once its
 * change reached this process.
 */
export interface OpenedSession {
  /** its session's Redis hash key, whose version is checked on every call */
  key: string;
  version: number;
  /** the Authorization header for its access token, made once (the token is about a kilobyte) */
  authorization: string;
  /** when the access token is due for refresh (the full stack refreshes it) */
  dueAt: number;
  created: number;
  seen: number;
}

/** The opened sessions by credential, the least recently used dropped first (session/recent-map.ts). */
export class OpenedSessions extends RecentMap<string, OpenedSession> {}
