import type { SessionDirectory } from '../../session/directory.js';
import type { SignedInCaller } from '../account/index.js';
import type { FlowContext } from '../context.js';
import { endDeviceUpstream, type SessionOwner } from './index.js';

export interface SignedOutEverywhere {
  /** gateway sessions ended besides the caller's (which the adapter signs out, as that needs the response) */
  ended: number;
  /** CloudBase confirmed `DELETE /user/revoke/all`: the caller's own tokens are dead too */
  upstreamEnded: boolean;
}

const alreadyRevoked = async (): Promise<void> => undefined;

/**
 * Ends every session of the user: CloudBase's all at once (`DELETE /user/revoke/all`, which also reaches sign-ins made
 * outside this gateway), then every gateway session but the caller's, browser and token alike, however many. Should
 * CloudBase not confirm (or this session hold no usable token), each ended session's tokens are revoked one by one
 * instead, as "sign out other devices" does.
 */
export async function signOutEverywhere(c: FlowContext, directory: SessionDirectory, owner: SessionOwner, caller: SignedInCaller): Promise<SignedOutEverywhere> {
  const sub = owner.sub();
  const accessToken = await caller.accessToken().catch(() => undefined);
  const upstreamEnded = accessToken ? await c.auth.revokeAll(c.call(), accessToken) : false;
  const revoke = upstreamEnded ? alreadyRevoked : (token: string) => c.auth.revoke(c.call(), token);
  const ended = await directory.revokeOthers(sub, owner.sid, revoke, upstreamEnded ? undefined : endDeviceUpstream(c, owner));
  return { ended, upstreamEnded };
}
