import type { Request, RequestHandler } from 'express';
import { safeReturnTo } from '../../http/return-to.js';

/**
 * The sign-in, sign-up and reset pages are for people who are not signed in. A signed-in (registered) person who opens
 * one, or whose stale tab posts to one, is sent on to `returnTo` or home and told they are signed in already: a sign-in
 * there would silently replace their session. A guest may still sign in or sign up (that upgrades the guest), but
 * "continue as a guest" never swaps a session for a new guest: whoever is signed in, guest or not, is sent on.
 */

/** A `returnTo` back to one of these pages would send the person round in a loop: it goes home instead. */
const GUEST_PAGE = /^\/(?:login|signup|password\/reset)(?:[/?#]|$)/;
const BASE = 'http://same.invalid';

function onward(req: Request): string {
  const body = req.body as Record<string, unknown> | undefined;
  const to = safeReturnTo(req.query.returnTo ?? body?.returnTo);
  const url = new URL(GUEST_PAGE.test(to) ? '/' : to, BASE);
  url.searchParams.set('notice', 'already_signed_in');
  return url.pathname + url.search + url.hash;
}

/** Mounted before a guest page's handler (and before its CSRF check, so a stale tab gets the way on, not a 403). */
export const registeredSendOn: RequestHandler = function registeredSendOn(req, res, next) {
  const s = req.session;
  if (!s?.auth || s.user?.anonymous) return next();
  res.redirect(303, onward(req));
};

/** "Continue as a guest": anybody signed in already (a guest too) keeps their session and is sent on. */
export const signedInSendOn: RequestHandler = function signedInSendOn(req, res, next) {
  if (!req.session?.auth) return next();
  res.redirect(303, onward(req));
};
