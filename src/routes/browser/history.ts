import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { invalidInput } from '../../errors/app-error.js';
import { HISTORY_CURSOR, signInHistory } from '../../flows/account/history.js';
import { initSession } from '../../session/policy.js';
import { formFlowContext } from '../flow-context.js';
import { requireSignedIn, signInAgain } from './signed-in.js';

/** "Sign-in history": the account's sign-ins as CloudBase recorded them, newest first, by pages. */
export function register(router: Router, { auth, freshAccessToken, now }: RouteDeps): void {
  router.get('/account/history', requireSignedIn, async (req, res) => {
    const { cursor } = req.query;
    if (cursor !== undefined && (typeof cursor !== 'string' || !HISTORY_CURSOR.test(cursor))) throw invalidInput('cursor');
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    const page = await signInHistory(formFlowContext(req, auth, now), caller, { deviceId: initSession(req, now()), cursor });
    const format = new Intl.DateTimeFormat(String(res.locals.locale), { dateStyle: 'medium', timeStyle: 'short' });
    res.render('history.njk', {
      entries: page.entries.map((e) => ({ ...e, createdText: format.format(new Date(e.created_at)) })),
      nextHref: page.nextCursor ? `/account/history?cursor=${encodeURIComponent(page.nextCursor)}` : undefined,
      firstPage: cursor === undefined,
    });
  });

  router.use('/account/history', signInAgain);
}
