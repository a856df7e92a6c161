import type { VersionedSession } from '../../session/store.js';
import { publicSessionId, type SessionDirectory, type SessionPage } from '../../session/directory.js';
import type { FlowContext } from '../context.js';

/**
 * The sessions family: a signed-in person's sessions (browser and token alike) — list them, end one, end all but the
 * current one. Ending a session here also ends it at CloudBase (best effort), so its tokens die with it.
 */

export interface SessionOwner {
  /** the signed-in user's id (throws not_signed_in when the session ended meanwhile) */
  sub(): string;
  sid: string;
  session: VersionedSession;
}

const revokeUpstream = (c: FlowContext) => (accessToken: string) => c.auth.revoke(c.call(), accessToken);

export function listSessions(directory: SessionDirectory, owner: SessionOwner, cursor: number | undefined): Promise<SessionPage> {
  return directory.list(owner.sub(), { sid: owner.sid, session: owner.session }, cursor);
}

/**
 * Ends the session with public id `id`: `current` when it is the caller's own (the caller signs itself out, which
 * needs the response), `unknown` when the user has no such session.
 */
export async function endSession(c: FlowContext, directory: SessionDirectory, owner: SessionOwner, id: string): Promise<'ended' | 'current' | 'unknown'> {
  if (id === publicSessionId(owner.sid)) return 'current';
  return (await directory.revoke(owner.sub(), id, revokeUpstream(c))) ? 'ended' : 'unknown';
}

/** Ends every session of the user but the caller's; how many ended. */
export function endOtherSessions(c: FlowContext, directory: SessionDirectory, owner: SessionOwner): Promise<number> {
  return directory.revokeOthers(owner.sub(), owner.sid, revokeUpstream(c));
}
