import { createHash } from 'node:crypto';
import type { VersionedRedisStore, VersionedSession } from './store.js';
import { deviceLabel } from './auth-session.js';

export interface SessionSummary {
  /** public id: a hash of the session id, which itself never leaves the cookie */
  id: string;
  current: boolean;
  kind: 'browser' | 'token';
  device: string;
  ip: string | undefined;
  created_at: string;
  last_seen_at: string;
}

/** Revokes one session's CloudBase tokens (best effort). */
export type RevokeUpstream = (accessToken: string) => Promise<unknown>;

export function publicSessionId(sid: string): string {
  return createHash('sha256').update(sid).digest('base64url').slice(0, 22);
}

function summarize(sid: string, s: VersionedSession, currentSid: string | undefined): SessionSummary {
  return {
    id: publicSessionId(sid),
    current: sid === currentSid,
    kind: s.tok ? 'token' : 'browser',
    device: deviceLabel(s.ua),
    ip: s.ip,
    created_at: new Date(s.created).toISOString(),
    last_seen_at: new Date(s.seen ?? s.created).toISOString(),
  };
}

/**
 * The sessions of one user, browser and token sessions alike: a sorted set per user of session ids, pruned of
 * sessions that expired on their own whenever it is read. Without Redis (development store) only the current session
 * is known.
 */
export function createSessionDirectory(store: VersionedRedisStore | undefined, indexTtlMs: number) {
  async function live(sub: string): Promise<[string, VersionedSession][]> {
    if (!store) return [];
    const sids = await store.indexMembers(sub);
    const sessions = await Promise.all(sids.map((sid) => store.read(sid)));
    const dead = sids.filter((_, i) => !sessions[i] || sessions[i]!.auth?.sub !== sub);
    if (dead.length) await store.indexRemove(sub, ...dead);
    return sids.flatMap((sid, i) => (sessions[i] && sessions[i]!.auth?.sub === sub ? [[sid, sessions[i]!] as [string, VersionedSession]] : []));
  }

  async function end(sub: string, sid: string, s: VersionedSession, revoke: RevokeUpstream): Promise<void> {
    if (s.auth?.at) await revoke(s.auth.at).catch(() => undefined);
    await store!.remove(sid);
    await store!.indexRemove(sub, sid);
  }

  return {
    async add(sub: string, sid: string, at: number): Promise<void> {
      await store?.indexAdd(sub, sid, at, indexTtlMs);
    },

    async remove(sub: string, sid: string): Promise<void> {
      await store?.indexRemove(sub, sid);
    },

    async list(sub: string, current: { sid: string; session: VersionedSession }): Promise<SessionSummary[]> {
      const found = await live(sub);
      if (!found.some(([sid]) => sid === current.sid)) found.push([current.sid, current.session]);
      return found
        .map(([sid, s]) => summarize(sid, s, current.sid))
        .sort((a, b) => Number(b.current) - Number(a.current) || b.last_seen_at.localeCompare(a.last_seen_at));
    },

    /** Ends one of the user's sessions by public id; false when it is not theirs or already gone. */
    async revoke(sub: string, publicId: string, revoke: RevokeUpstream): Promise<boolean> {
      const hit = (await live(sub)).find(([sid]) => publicSessionId(sid) === publicId);
      if (!hit) return false;
      await end(sub, hit[0], hit[1], revoke);
      return true;
    },

    /** Ends every session of the user but the current one; returns how many. */
    async revokeOthers(sub: string, currentSid: string, revoke: RevokeUpstream): Promise<number> {
      const others = (await live(sub)).filter(([sid]) => sid !== currentSid);
      await Promise.all(others.map(([sid, s]) => end(sub, sid, s, revoke)));
      return others.length;
    },
  };
}

export type SessionDirectory = ReturnType<typeof createSessionDirectory>;
