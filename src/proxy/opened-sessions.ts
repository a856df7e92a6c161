/**
 * A small LRU of what the proxy's lean path opened of a session version (its access token, expiry and times), keyed by
 * the exact credential that was verified for it (the cookie value or session token). An entry is only ever used for
 * the version it was read at: the lean path checks the session's current version on every request (session/version-cache.ts:
 * cached until Redis invalidates it), so a session ended, signed out or rewritten is not served from here once its
 * change reached this process.
 */
export interface OpenedSession {
  sid: string;
  version: number;
  /** the Authorization header for its access token, made once (the token is about a kilobyte) */
  authorization: string;
  /** when the access token is due for refresh (the full stack refreshes it) */
  dueAt: number;
  created: number;
  seen: number;
}

export class OpenedSessions {
  private readonly entries = new Map<string, OpenedSession>();

  constructor(private readonly max: number) {}

  get(credential: string): OpenedSession | undefined {
    const entry = this.entries.get(credential);
    if (entry) {
      // most recently used last: eviction takes the first
      this.entries.delete(credential);
      this.entries.set(credential, entry);
    }
    return entry;
  }

  set(credential: string, entry: OpenedSession): void {
    this.entries.delete(credential);
    this.entries.set(credential, entry);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(credential: string): void {
    this.entries.delete(credential);
  }

  get size(): number {
    return this.entries.size;
  }
}
