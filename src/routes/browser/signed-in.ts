import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { AppError } from '../../errors/app-error.js';
import { safeReturnTo } from '../../http/return-to.js';

/** Where a form POST sends the person back after signing in again: a POST has no page of its own. */
const FORM_HOME = '/account';

/** The 401s that mean "this browser is not signed in (any more)": answered with the sign-in page, not an error page. */
export function isSignedOut(err: unknown): err is AppError {
  return err instanceof AppError && (err.code === 'not_signed_in' || err.code === 'session_expired');
}

function toSignIn(req: Request, res: Response, expired: boolean): void {
  const returnTo = safeReturnTo(req.method === 'GET' ? req.originalUrl : FORM_HOME);
  // Ended from elsewhere (another session, a reset, CloudBase): the note was read by this request, so the reason goes on.
  const notice = req.endedElsewhere ? `ended_${req.endedElsewhere}` : expired ? 'session_expired' : undefined;
  const query = new URLSearchParams(notice ? { notice, returnTo } : { returnTo });
  res.redirect(303, `/login?${query.toString()}`);
}

/** Pages and forms of a signed-in person; a session the timeout policy just ended says so on the sign-in page. */
export const requireSignedIn: RequestHandler = function requireSignedIn(req, res, next) {
  if (req.session?.auth) return next();
  toSignIn(req, res, req.sessionTimedOut === true);
};

/**
 * Mounted after the signed-in routes: CloudBase no longer honours this session's tokens (refresh token spent or
 * revoked), so the tokens are dropped and the person signs in again. Any other error goes on.
 */
export const signInAgain: ErrorRequestHandler = function signInAgain(err, req, res, next) {
  if (!isSignedOut(err)) return next(err);
  if (req.session) {
    delete req.session.auth;
    delete req.session.user;
  }
  toSignIn(req, res, err.code === 'session_expired');
};
