import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { AppError, invalidInput } from '../../errors/app-error.js';
import { HISTORY_CURSOR, signInHistory } from '../../flows/account/history.js';
import { signOutEverywhere } from '../../flows/sessions/everywhere.js';
import { initSession } from '../../session/policy.js';
import { signOutAndRevoke } from '../sign-out.js';
import { editProfile } from '../../flows/account/profile.js';
import { sessionLimits } from '../../session/policy.js';
import { flowContext } from '../flow-context.js';
import { parseBody } from './body.js';
import { accountDeleteBody, contactSendBody, contactVerifyBody, passwordChangeBody, profileBody, reauthSendBody, reauthVerifyBody } from './account-schemas.js';
import { sendReauthCode, verifyReauthCode } from '../../flows/account/reauth.js';
import { changePassword, deleteAccount, signInWithNewPassword } from '../../flows/account/index.js';
import { sessionOwner, signedInSub } from '../signed-in-sub.js';
import { sendContactCode, verifyContactChange } from '../../flows/account/contact.js';
import { requireUser, sendSignedIn, sessionState } from './respond.js';

/**
 * The signed-in person's own account: profile, sign-in history, signing out everywhere, contact change, password
 * change and deletion, and re-authentication by a code to the account's own phone or email.
 */
export function register(router: Router, deps: RouteDeps): void {
  const { config, auth, sessions, directory, freshAccessToken, now } = deps;
  const limits = sessionLimits(config);

  router.patch('/session/user', requireUser, async (req, res) => {
    const body = parseBody(profileBody, req.body);
    if (Object.keys(body).length === 0) throw new AppError('invalid_input', { messageKey: 'api.profile_empty' });
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    req.session.user = await editProfile(flowContext(req, auth, now, undefined), caller, body);
    res.json(sessionState(req, limits));
  });

  router.get('/session/history', requireUser, async (req, res) => {
    const { cursor } = req.query;
    if (cursor !== undefined && (typeof cursor !== 'string' || !HISTORY_CURSOR.test(cursor))) throw invalidInput('cursor');
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    const page = await signInHistory(flowContext(req, auth, now, undefined), caller, { deviceId: initSession(req), cursor });
    res.json({ entries: page.entries, next_cursor: page.nextCursor ?? null });
  });

  router.post('/sessions/revoke-all', requireUser, async (req, res) => {
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    const { upstreamEnded } = await signOutEverywhere(flowContext(req, auth, now, undefined), directory, sessionOwner(req, () => freshAccessToken(req)), caller);
    if (upstreamEnded) await sessions.signOut(req, res);
    else await signOutAndRevoke(req, res, { auth, sessions });
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
    req.session.user = await verifyContactChange(c, caller, { code: body.verification_code, password: body.password ?? '' });
    res.json(sessionState(req, limits));
  });

  router.post('/session/reauth/send', requireUser, async (req, res) => {
    const body = parseBody(reauthSendBody, req.body);
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    const sent = await sendReauthCode(flowContext(req, auth, now, body.captcha_answer), caller, config.limits.sms.cooldownS);
    res.json({ expires_in: sent.expiresIn, sent_to: sent.sentTo });
  });

  router.post('/session/reauth/verify', requireUser, async (req, res) => {
    const body = parseBody(reauthVerifyBody, req.body);
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    const { until } = await verifyReauthCode(flowContext(req, auth, now, body.captcha_answer), caller, { code: body.verification_code });
    res.json({ reauthenticated_until: new Date(until).toISOString() });
  });

  /** As the form: the session signs in again with the new password (a new id), and every other session ends. */
  router.post('/session/password', requireUser, async (req, res) => {
    const body = parseBody(passwordChangeBody, req.body);
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    const c = flowContext(req, auth, now, undefined);
    await changePassword(c, caller, { oldPassword: body.old_password ?? '', newPassword: body.new_password });
    const signed = await signInWithNewPassword(c, req.session.user, body.new_password);
    if (signed) await sessions.signIn(req, signed);
    await directory.revokeOthers(signedInSub(req), req.sessionID, alreadyRevokedUpstream);
    sendSignedIn(req, res, limits);
  });

  router.post('/session/delete', requireUser, async (req, res) => {
    const body = parseBody(accountDeleteBody, req.body);
    const caller = { user: req.session.user, accessToken: () => freshAccessToken(req) };
    await deleteAccount(flowContext(req, auth, now, undefined), caller, { password: body.password ?? '' });
    await directory.revokeOthers(signedInSub(req), req.sessionID, alreadyRevokedUpstream);
    await sessions.signOut(req, res);
    res.status(204).end();
  });
}

/** CloudBase itself signed the user's other sessions out (password change, deletion): only ours are left to end. */
const alreadyRevokedUpstream = async (): Promise<void> => undefined;
