import type { Request, Response } from 'express';
import type { RevokeUpstream } from '../session/directory.js';
import { callContext } from '../session/context.js';
import type { RouteDeps } from './deps.js';

/** Ending a session here also ends it at CloudBase, so its tokens die with it (best effort). */
export function revokeUpstream(req: Request, { auth, now }: Pick<RouteDeps, 'auth' | 'now'>): RevokeUpstream {
  return (accessToken) => auth.revoke(callContext(req, now), accessToken);
}

/** Signs this session out: CloudBase revokes its tokens, then the session and its cookie go. */
export async function signOutAndRevoke(req: Request, res: Response, deps: Pick<RouteDeps, 'auth' | 'sessions' | 'now'>): Promise<void> {
  const at = req.session?.auth?.at;
  if (at) await revokeUpstream(req, deps)(at);
  await deps.sessions.signOut(req, res);
}
