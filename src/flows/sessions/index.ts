import type { VersionedSession } from '../../session/store.js';
import { publicSessionId, type EndDeviceUpstream, type SessionDirectory, type SessionPage } from '../../session/directory.js';
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
  /** the caller's own access token, refreshed when due: ends another device at CloudBase (`endDevice`) */
  accessToken?: () => Promise<string>;
}

const revokeUpstream = (c: FlowContext) => (accessToken: string) => c.auth.revoke(c.call(), accessToken);

/**
 * Ends another device's sessions at CloudBase with the caller's token, for a session of it whose own tokens cannot be
 * used. Never the caller's own device: that would sign the caller out upstream too.
 */
export function endDeviceUpstream(c: FlowContext, owner: SessionOwner): EndDeviceUpstream | undefined {
  const { accessToken } = owner;
  if (!accessToken) return undefined;
  return async (deviceId: string) => {
    if (deviceId === owner.session.did) return false;
    return c.auth.endDevice(c.call(), await accessToken(), deviceId);
  };
}

/** One page of the user's sessions; with a flow context, sessions found dead on the way are ended at CloudBase too. */
export function listSessions(directory: SessionDirectory, owner: SessionOwner, cursor: number | undefined, c?: FlowContext): Promise<SessionPage> {
  return directory.list(owner.sub(), { sid: owner.sid, session: owner.session }, cursor, c && endDeviceUpstream(c, owner));
}

/**
 * Ends the session with public id `id`: `current` when it is the caller's own (the caller signs itself out, which
 * needs the response), `unknown` when the user has no such session.
 */
export async function endSession(c: FlowContext, directory: SessionDirectory, owner: SessionOwner, id: string): Promise<'ended' | 'current' | 'unknown'> {
  if (id === publicSessionId(owner.sid)) return 'current';
  return (await directory.revoke(owner.sub(), id, revokeUpstream(c), endDeviceUpstream(c, owner))) ? 'ended' : 'unknown';
}

/** Ends every session of the user but the caller's; how many ended. */
export function endOtherSessions(c: FlowContext, directory: SessionDirectory, owner: SessionOwner): Promise<number> {
  return directory.revokeOthers(owner.sub(), owner.sid, revokeUpstream(c), endDeviceUpstream(c, owner));
}
