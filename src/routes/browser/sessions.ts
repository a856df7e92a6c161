import type { Request, Response, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { signOutAndRevoke } from '../sign-out.js';
import { invalidInput, notFound } from '../../errors/app-error.js';
import { endOtherSessions, endSession, listSessions } from '../../flows/sessions/index.js';
import { signOutEverywhere } from '../../flows/sessions/everywhere.js';
import { sessionCursorFrom, type SessionSummary } from '../../session/directory.js';
import { formFlowContext } from '../flow-context.js';
import { isSignedOut, requireSignedIn, signInAgain } from './signed-in.js';
import { failForm } from './web.js';
import { sessionOwner } from '../signed-in-sub.js';

export interface SessionRow extends SessionSummary {
  createdText: string;
  lastSeenText: string;
}

function rows(list: SessionSummary[], locale: string): SessionRow[] {
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return list.map((s) => ({
    ...s,
    createdText: format.format(new Date(s.created_at)),
    lastSeenText: format.format(new Date(s.last_seen_at)),
  }));
}

/** "Devices and sessions": the signed-in user's sessions, ending one of them, or all but this one. */
export function register(router: Router, deps: RouteDeps): void {
  const { auth, sessions, directory, freshAccessToken, formCsrf, now } = deps;
  /** A failed sign-out goes back to the list, the message on top; a signed-out error signs in again. */
  const fail = async (req: Request, res: Response, err: unknown): Promise<void> => {
    if (isSignedOut(err)) throw err;
    await failForm(req, res, deps, err, { page: '/account/sessions' });
  };

  router.get('/account/sessions', requireSignedIn, async (req, res) => {
    const cursor = sessionCursorFrom(req.query.cursor);
    if (cursor === null) throw invalidInput('cursor');
    const page = await listSessions(directory, sessionOwner(req, () => freshAccessToken(req)), cursor, formFlowContext(req, auth, now));
    res.render('sessions.njk', {
      sessions: rows(page.sessions, String(res.locals.locale)),
      firstPage: cursor === undefined,
      nextHref: page.nextCursor ? `/account/sessions?cursor=${page.nextCursor}` : undefined,
    });
  });

  router.post('/account/sessions/revoke-others', requireSignedIn, formCsrf, async (req, res) => {
    try {
      await endOtherSessions(formFlowContext(req, auth, now), directory, sessionOwner(req, () => freshAccessToken(req)));
    } catch (err) {
      return fail(req, res, err);
    }
    res.redirect(303, '/account/sessions?notice=others_revoked');
  });

  router.post('/account/sessions/revoke-all', requireSignedIn, formCsrf, async (req, res) => {
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    let upstreamEnded: boolean;
    try {
      ({ upstreamEnded } = await signOutEverywhere(formFlowContext(req, auth, now), directory, sessionOwner(req, () => freshAccessToken(req)), caller));
    } catch (err) {
      return fail(req, res, err);
    }
    if (upstreamEnded) await sessions.signOut(req, res);
    else await signOutAndRevoke(req, res, { auth, sessions, now });
    res.redirect(303, '/login?notice=signed_out_everywhere');
  });

  router.post('/account/sessions/:id/revoke', requireSignedIn, formCsrf, async (req, res) => {
    let ended: Awaited<ReturnType<typeof endSession>>;
    try {
      ended = await endSession(formFlowContext(req, auth, now), directory, sessionOwner(req, () => freshAccessToken(req)), String(req.params.id));
      if (ended === 'unknown') throw notFound();
    } catch (err) {
      return fail(req, res, err);
    }
    if (ended === 'current') {
      await signOutAndRevoke(req, res, { auth, sessions, now });
      return res.redirect(303, '/login?notice=signed_out');
    }
    res.redirect(303, '/account/sessions?notice=session_revoked');
  });

  router.use('/account/sessions', signInAgain);
}
