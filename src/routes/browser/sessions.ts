import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { revokeUpstream, signOutAndRevoke } from '../sign-out.js';
import { invalidInput, notFound } from '../../errors/app-error.js';
import type { VersionedSession } from '../../session/store.js';
import { publicSessionId, sessionCursorFrom, type SessionSummary } from '../../session/directory.js';
import { requireSignedIn, signInAgain } from './signed-in.js';
import { signedInSub } from '../signed-in-sub.js';

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
export function register(router: Router, { auth, sessions, directory, formCsrf }: RouteDeps): void {
  router.get('/account/sessions', requireSignedIn, async (req, res) => {
    const cursor = sessionCursorFrom(req.query.cursor);
    if (cursor === null) throw invalidInput('cursor');
    const page = await directory.list(signedInSub(req), { sid: req.sessionID, session: req.session as VersionedSession }, cursor);
    res.render('sessions.njk', {
      sessions: rows(page.sessions, String(res.locals.locale)),
      firstPage: cursor === undefined,
      nextHref: page.nextCursor ? `/account/sessions?cursor=${page.nextCursor}` : undefined,
    });
  });

  router.post('/account/sessions/revoke-others', requireSignedIn, formCsrf, async (req, res) => {
    await directory.revokeOthers(signedInSub(req), req.sessionID, revokeUpstream(req, { auth }));
    res.redirect(303, '/account/sessions?notice=others_revoked');
  });

  router.post('/account/sessions/:id/revoke', requireSignedIn, formCsrf, async (req, res) => {
    const id = String(req.params.id);
    if (id === publicSessionId(req.sessionID)) {
      await signOutAndRevoke(req, res, { auth, sessions });
      return res.redirect(303, '/login?notice=signed_out');
    }
    if (!(await directory.revoke(signedInSub(req), id, revokeUpstream(req, { auth })))) throw notFound();
    res.redirect(303, '/account/sessions?notice=session_revoked');
  });

  router.use('/account/sessions', signInAgain);
}
