import type { Request } from 'express';
import { notSignedIn } from '../errors/app-error.js';
import type { SessionOwner } from '../flows/sessions/index.js';
import type { VersionedSession } from '../session/store.js';

/** The signed-in user's id (behind a signed-in guard, a missing one means the session ended meanwhile). */
export function signedInSub(req: Request): string {
  const sub = req.session?.auth?.sub;
  if (!sub) throw notSignedIn();
  return sub;
}

/** The request's session as the owner of the user's sessions. */
export function sessionOwner(req: Request, accessToken?: () => Promise<string>): SessionOwner {
  return { sub: () => signedInSub(req), sid: req.sessionID, session: req.session as VersionedSession, ...(accessToken ? { accessToken } : {}) };
}
