import type { Request, RequestHandler, Response } from 'express';
import type { SessionData } from 'express-session';
import type { PublicUser } from '../../session/types.js';
import { notSignedIn, sessionExpired } from '../../errors/app-error.js';
import { remainingMs, type SessionLimits } from '../../session/policy.js';
import { isTokenMode, issueSessionToken } from '../../session/token-session.js';
import { answerUser } from '../../session/session-record.js';
import type { ApiUser, SessionStateBody } from './responses.js';

export type SessionState = SessionStateBody;

const apiUser = (u: PublicUser): ApiUser => answerUser(u);

/** The signed-in session as `GET /api/session` shows it; undefined when signed out. */
export function sessionState(req: Request, limits: SessionLimits, now: number): SessionState | undefined {
  const s = req.session;
  return s ? sessionStateOf({ created: s.created, seen: s.seen, signedIn: !!s.auth, user: s.user }, limits, now) : undefined;
}

/** The same from a session's public view (the lean read path has no express-session object). */
export function sessionStateOf(
  s: Partial<Pick<SessionData, 'created' | 'seen'>> & { signedIn: boolean; user?: PublicUser | undefined },
  limits: SessionLimits,
  now: number,
): SessionState | undefined {
  if (!s.signedIn || !s.user) return undefined;
  return { authenticated: true, user: apiUser(s.user), expires_at: new Date(now + remainingMs(s, limits, now)).toISOString() };
}

/** In token mode, the session token to carry on with (the caller sets no cookie); nothing otherwise. */
export function tokenField(req: Request, now: () => number): { session_token?: string } {
  return isTokenMode(req) ? { session_token: issueSessionToken(req, now) } : {};
}

/** The answer to a call that signed the caller in. */
export function sendSignedIn(req: Request, res: Response, limits: SessionLimits, now: () => number, extra: { device_token?: string } = {}): void {
  res.json({ ...sessionState(req, limits, now()), ...tokenField(req, now), ...extra });
}

/** API routes of a signed-in caller: 401 JSON otherwise (session_expired when the timeout policy just ended it). */
export const requireUser: RequestHandler = function requireUser(req, _res, next) {
  if (req.session?.auth) return next();
  next(req.sessionTimedOut ? sessionExpired() : notSignedIn());
};
