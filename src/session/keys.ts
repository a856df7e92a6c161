export interface SessionKeys {
  session(sid: string): string;
  tombstone(sid: string): string;
  /** why another session ended this one, for its device's sign-in page (see end-notes.ts) */
  ended(sid: string): string;
  /** refresh lock */
  lock(sid: string): string;
  /** set while a session backs off after a refresh failed for a transient reason: nobody calls CloudBase meanwhile */
  refreshFailed(sid: string): string;
  /** consecutive transient refresh failures of the session, which size the back-off */
  refreshFailures(sid: string): string;
  /** per-user index of sessions: session id → sign-in time and sealed device id (its own slot: one user's sessions live in many slots) */
  user(sub: string): string;
}

/** Every key of one session shares the `{sid}` hash tag, so they live in one Redis Cluster slot. */
export function sessionKeys(prefix: string): SessionKeys {
  return {
    session: (sid) => `${prefix}s:{${sid}}`,
    tombstone: (sid) => `${prefix}s:{${sid}}:t`,
    ended: (sid) => `${prefix}s:{${sid}}:end`,
    lock: (sid) => `${prefix}s:{${sid}}:lock`,
    refreshFailed: (sid) => `${prefix}s:{${sid}}:rf`,
    refreshFailures: (sid) => `${prefix}s:{${sid}}:rfn`,
    user: (sub) => `${prefix}u:{${sub}}`,
  };
}
