import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { AppError, invalidInput } from '../../errors/app-error.js';
import { HISTORY_CURSOR, signInHistory } from '../../flows/account/history.js';
import { signOutEverywhere } from '../../flows/sessions/everywhere.js';
import { initSession } from '../../session/policy.js';
import { sessionOwner } from '../signed-in-sub.js';
import { signOutAndRevoke } from '../sign-out.js';
import { editProfile } from '../../flows/account/profile.js';
import { sessionLimits } from '../../session/policy.js';
import { flowContext } from '../flow-context.js';
import { parseBody } from './body.js';
import { contactSendBody, contactVerifyBody, profileBody } from './account-schemas.js';
import { sendContactCode, verifyContactChange } from '../../flows/account/contact.js';
import { requireUser, sessionState } from './respond.js';

/** The signed-in person's own account: profile, sign-in history, signing out everywhere. */
export function register(router: Router, deps: RouteDeps): void {
  const { config, auth, sessions, directory, freshAccessToken, now } = deps;
  const limits = sessionLimits(config);

  router.patch('/session/user', requireUser, async (req, res) => {
    const body = parseBody(profileBody, req.body);
    if (Object.keys(body).length === 0) throw new AppError('invalid_input', { messageKey: 'api.profile_empty' });
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    req.session.user = await editProfile(flowContext(req, auth, now, undefined), caller, body);
    res.json(sessionState(req, limits, now()));
  });

  router.get('/session/history', requireUser, async (req, res) => {
    const { cursor } = req.query;
    if (cursor !== undefined && (typeof cursor !== 'string' || !HISTORY_CURSOR.test(cursor))) throw invalidInput('cursor');
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    const page = await signInHistory(flowContext(req, auth, now, undefined), caller, { deviceId: initSession(req, now()), cursor });
    res.json({ entries: page.entries, next_cursor: page.nextCursor ?? null });
  });

  router.post('/sessions/revoke-all', requireUser, async (req, res) => {
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    const { upstreamEnded } = await signOutEverywhere(flowContext(req, auth, now, undefined), directory, sessionOwner(req), caller);
    if (upstreamEnded) await sessions.signOut(req, res);
    else await signOutAndRevoke(req, res, { auth, sessions, now });
    res.status(204).end();
  });

  router.post('/session/contact/send', requireUser, async (req, res) => {
    const body = parseBody(contactSendBody, req.body);
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    const c = flowContext(req, auth, now, body.captcha_answer);
    const sent = await sendContactCode(c, caller, { phone_number: body.phone_number, email: body.email }, config.limits.sms.cooldownS);
    res.json({ expires_in: sent.expiresIn });
  });

  router.post('/session/contact/verify', requireUser, async (req, res) => {
    const body = parseBody(contactVerifyBody, req.body);
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    const c = flowContext(req, auth, now, body.captcha_answer);
    req.session.user = await verifyContactChange(c, caller, { code: body.verification_code, password: body.password });
    res.json(sessionState(req, limits, now()));
  });
}
