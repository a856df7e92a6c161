import type { Request } from 'express';
import { notSignedIn } from '../errors/app-error.js';

/** The signed-in user's id (behind a signed-in guard, a missing one means the session ended meanwhile). */
export function signedInSub(req: Request): string {
  const sub = req.session?.auth?.sub;
  if (!sub) throw notSignedIn();
  return sub;
}
