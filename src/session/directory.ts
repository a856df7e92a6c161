// Just over ~250 lines: listing a page, ending one session and ending them all share the index walk, the liveness
// check and the upstream ending (token, else device); apart, each would carry its own copy of them.
import { createHash } from 'node:crypto';
import type { VersionedSession } from './store.js';
import type { SharedSessions } from './shared.js';
import { deviceLabel } from './device-label.js';
import type { RedisWrite } from './writes.js';
import type { EndReason } from './end-notes.js';

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

/** Revokes one session's CloudBase tokens (best effort); `false` when CloudBase did not confirm. */
export type RevokeUpstream = (accessToken: string) => Promise<unknown>;

/**
 * Ends one device's sessions at CloudBase by the device id a session signed in with (`DELETE
 * /user/authorized/devices/{id}`), for a session whose tokens cannot be used: it could not be opened (its key was
 * removed, its data lost) or its token revoke failed. Best effort.
 */
export type EndDeviceUpstream = (deviceId: string) => Promise<unknown>;

/** What is known of an ended session upstream: its access token when it could be read, its device id when indexed. */
interface EndedUpstream {
  at: string | undefined;
  did: string | undefined;
}

/** Token revoke first; the device when there is no token to use or CloudBase did not take it. */
async function endUpstream(ended: EndedUpstream, revoke: RevokeUpstream, endDevice: EndDeviceUpstream | undefined): Promise<void> {
  const revoked = ended.at ? await revoke(ended.at).catch(() => false) : false;
  if (revoked !== false && ended.at) return;
  if (ended.did && endDevice) await endDevice(ended.did);
}

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

/** Sessions per page of the device list; the first page adds the current session on top. */
export const LIST_PAGE_SIZE = 50;
/** Index entries read (and sessions ended) per round when walking the whole index. */
const BATCH = 200;
/** CloudBase revocations in flight at once when many sessions end together. */
const UPSTREAM_CONCURRENCY = 32;
/**
 * How long ending many sessions waits for CloudBase's revocations before answering; the rest go on in the
 * background. The sessions are already dead here by then, and their CloudBase tokens never left the gateway.
 */
const UPSTREAM_WAIT_MS = 2000;

export interface SessionPage {
  sessions: SessionSummary[];
  /** where the next page starts (opaque to callers); absent on the last page */
  nextCursor?: string;
}

/** A page cursor is the sign-in time (epoch ms) the next page starts before; undefined when malformed. */
export function parseSessionCursor(raw: string): number | undefined {
  return /^[0-9]{1,15}$/.test(raw) ? Number(raw) : undefined;
}

/** The `cursor` query value of a list request: undefined for the first page, null when malformed. */
export function sessionCursorFrom(query: unknown): number | undefined | null {
  if (query === undefined) return undefined;
  return typeof query === 'string' ? (parseSessionCursor(query) ?? null) : null;
}

async function eachLimited<T>(items: T[], limit: number, run: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await Promise.resolve()
        .then(() => run(item))
        .catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The sessions of one user, browser and token sessions alike: an index per user of session ids with their sign-in
 * times (user-index.ts), listed by pages (newest first) and pruned of sessions that ended on their own as it is read; ending them all walks
 * the index a batch at a time, each batch destroyed before the next is read, so a user with thousands of sessions is
 * ended completely. Without Redis (development store) only the current session is known. A session ended here by another
 * one (or refused by CloudBase) leaves a note of why for `endNoteTtlMs`, so its device can be told on its next page.
 */
export function createSessionDirectory(
  shared: Pick<SharedSessions, 'store' | 'index' | 'ends'> | undefined,
  indexTtlMs: number,
  endNoteTtlMs: number,
) {
  const store = shared?.store;
  const index = shared?.index;
  const ends = shared?.ends;
  /** The sessions of `sids` that are alive and still this user's; the rest leave the index (and are returned apart). */
  async function split(sub: string, sids: string[]): Promise<{ mine: [string, VersionedSession][]; dead: string[] }> {
    const sessions = await Promise.all(sids.map((sid) => store!.read(sid)));
    const dead = sids.filter((_, i) => sessions[i]?.auth?.sub !== sub);
    if (dead.length) await index!.remove(sub, ...dead);
    return { mine: sids.flatMap((sid, i) => (sessions[i]?.auth?.sub === sub ? [[sid, sessions[i]] as [string, VersionedSession]] : [])), dead };
  }
  const live = async (sub: string, sids: string[]) => (await split(sub, sids)).mine;

  /** The indexed device id of each of `sids` (read before their entries leave the index). */
  async function devicesOf(sub: string, sids: string[]): Promise<Map<string, string | undefined>> {
    const dids = await index!.devices(sub, sids);
    return new Map(sids.map((sid, i) => [sid, dids[i]]));
  }

  /**
   * Ends every session of the user but `exceptSid`: the whole index in batches, each batch destroyed (tombstones, so
   * no late write brings one back) before the next is read; then CloudBase revokes their tokens, many at a time
   * (waited for up to UPSTREAM_WAIT_MS).
   */
  async function endAll(
    sub: string,
    exceptSid: string | undefined,
    revoke: RevokeUpstream,
    reason: EndReason,
    endDevice?: EndDeviceUpstream,
  ): Promise<number> {
    if (!store) return 0;
    const upstream: EndedUpstream[] = [];
    let ended = 0;
    let cursor = '0';
    do {
      // In no order, a batch at a time (HSCAN): what is destroyed leaves the index before the next batch is read.
      const batch = await index!.scan(sub, cursor, BATCH);
      cursor = batch.cursor;
      const sids = batch.sids.filter((sid) => sid !== exceptSid);
      const dids = endDevice ? await devicesOf(sub, sids) : new Map<string, string | undefined>();
      const { mine, dead } = await split(sub, sids);
      await Promise.all(mine.map(([sid]) => store.remove(sid)));
      if (mine.length) {
        await index!.remove(sub, ...mine.map(([sid]) => sid));
        await ends!.note(mine.map(([sid]) => sid), reason, endNoteTtlMs);
      }
      for (const [sid, s] of mine) upstream.push({ at: s.auth?.at, did: dids.get(sid) });
      // Entries whose session could not be read (data lost, key removed): only their device can still end them upstream.
      for (const sid of dead) if (dids.get(sid)) upstream.push({ at: undefined, did: dids.get(sid) });
      ended += mine.length;
    } while (cursor !== '0');
    const revoked = eachLimited(upstream, UPSTREAM_CONCURRENCY, (e) => endUpstream(e, revoke, endDevice));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([revoked, new Promise((resolve) => (timer = setTimeout(resolve, UPSTREAM_WAIT_MS).unref()))]);
    clearTimeout(timer);
    return ended;
  }

  return {
    /** `deviceId`: the `x-device-id` the session signed in with, kept to end it at CloudBase without opening it. */
    async add(sub: string, sid: string, at: number, deviceId?: string): Promise<void> {
      await index?.add(sub, sid, at, indexTtlMs, deviceId);
    },

    /** The writes of `add`, for the sign-in to send with the session's own (none without an index). */
    addWrites(sub: string, sid: string, at: number, deviceId?: string): RedisWrite[] {
      return index ? index.addWrites(sub, sid, at, indexTtlMs, deviceId) : [];
    },

    async remove(sub: string, sid: string): Promise<void> {
      await index?.remove(sub, sid);
    },

    /** A session CloudBase no longer honours (its refresh token refused: revoked upstream) left the store. */
    async endedUpstream(sub: string, sid: string): Promise<void> {
      await index?.remove(sub, sid);
      await ends?.note([sid], 'upstream', endNoteTtlMs);
    },

    /** Why another session (or CloudBase) ended the session `sid`, once; undefined if it ended otherwise or long ago. */
    async takeEndReason(sid: string): Promise<EndReason | undefined> {
      return ends?.take(sid);
    },

    /** The access token stored for a session now (another request may have refreshed it since this one read it). */
    async storedAccessToken(sid: string): Promise<string | undefined> {
      return (await store?.read(sid))?.auth?.at;
    },

    /**
     * One page of the user's sessions, newest sign-in first; the first page (no cursor) starts with the current
     * session. Pages skip sessions found dead, reading on until the page is full or the index ends.
     */
    async list(sub: string, current: { sid: string; session: VersionedSession }, cursor?: number, endDevice?: EndDeviceUpstream): Promise<SessionPage> {
      const found: [string, VersionedSession][] = cursor === undefined ? [[current.sid, current.session]] : [];
      const orphans: string[] = [];
      let before = cursor;
      let next: number | undefined;
      for (let round = 0; store && round < 4; round++) {
        // Ties at the page's end come with it, so the next page can start strictly below.
        const page = await index!.pageUntied(sub, before, LIST_PAGE_SIZE);
        const sids = page.sids.filter((sid) => sid !== current.sid);
        const dids = endDevice ? await devicesOf(sub, sids) : undefined;
        const { mine, dead } = await split(sub, sids);
        found.push(...mine);
        for (const sid of dead) if (dids?.get(sid)) orphans.push(dids.get(sid)!);
        before = next = page.next;
        if (next === undefined || found.length >= LIST_PAGE_SIZE) break;
      }
      // Sessions found dead here (timed out, data lost, key removed) leave the list; whatever CloudBase still holds of
      // them is ended too, since no one can use it any more.
      if (endDevice && orphans.length) await eachLimited(orphans, UPSTREAM_CONCURRENCY, endDevice);
      return {
        sessions: found.map(([sid, s]) => summarize(sid, s, current.sid)),
        ...(next !== undefined ? { nextCursor: String(next) } : {}),
      };
    },

    /**
     * Ends one of the user's sessions by public id; false when it is not theirs or already gone. With `endDevice`, an
     * indexed session that can no longer be read here is still ended at CloudBase by its device (and counts as ended).
     */
    async revoke(sub: string, publicId: string, revoke: RevokeUpstream, endDevice?: EndDeviceUpstream): Promise<boolean> {
      if (!store) return false;
      const sid = (await index!.members(sub)).find((candidate) => publicSessionId(candidate) === publicId);
      if (!sid) return false;
      const did = endDevice ? (await index!.devices(sub, [sid]))[0] : undefined;
      const [hit] = await live(sub, [sid]);
      if (!hit) {
        if (!did) return false;
        await endUpstream({ at: undefined, did }, revoke, endDevice).catch(() => undefined);
        return true;
      }
      await endUpstream({ at: hit[1].auth?.at, did }, revoke, endDevice).catch(() => undefined);
      await store.remove(sid);
      await index!.remove(sub, sid);
      await ends!.note([sid], 'others', endNoteTtlMs);
      return true;
    },

    /** Ends every session of the user but the current one, however many; returns how many. */
    revokeOthers(sub: string, currentSid: string, revoke: RevokeUpstream, endDevice?: EndDeviceUpstream): Promise<number> {
      return endAll(sub, currentSid, revoke, 'others', endDevice);
    },

    /** Ends every session of the user (a password reset: nobody is signed in as them here); returns how many. */
    revokeAll(sub: string, revoke: RevokeUpstream): Promise<number> {
      return endAll(sub, undefined, revoke, 'reset');
    },
  };
}

export type SessionDirectory = ReturnType<typeof createSessionDirectory>;
