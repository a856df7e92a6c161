import type { Request, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { flowExpired } from '../../errors/app-error.js';
import { afterCodeVerified, completeReset, completeSignup, sendCode, verifyCode } from '../../flows/sms/index.js';
import { sessionLimits } from '../../session/policy.js';
import { flowContext } from '../flow-context.js';
import { requireConsent } from '../consent.js';
import { parseBody } from './body.js';
import { guestToken } from '../guest-token.js';
import { sendSignedIn, tokenField } from './respond.js';
import { resetBody, signupBody, smsSendBody, smsVerifyBody } from './schemas.js';

/**
 * The SMS flows as JSON: send a code, verify it, then (as the flow requires) create the account or set a new
 * password. The flow state is the one the forms use; CloudBase's verification id and token never leave the session.
 */
export function register(router: Router, { config, auth, sessions, directory, freshAccessToken, now }: RouteDeps): void {
  const limits = sessionLimits(config);
  const context = (req: Request, body: { captcha_answer?: string | undefined }) => flowContext(req, auth, now, body.captcha_answer);

  router.post('/session/sms/send', async (req, res) => {
    const body = parseBody(smsSendBody, req.body);
    const sent = await sendCode(context(req, body), {
      purpose: body.purpose,
      phone: body.phone_number,
      cooldownS: config.limits.sms.cooldownS,
    });
    // Whether the number has an account is told only after a correct code (by sms/verify), so sending codes cannot be
    // used to test which numbers are registered. `is_user` stays in the answer (the contract names it), always false.
    res.json({ expires_in: sent.expiresIn, is_user: false, ...tokenField(req, now) });
  });

  router.post('/session/sms/verify', async (req, res) => {
    const body = parseBody(smsVerifyBody, req.body);
    const purpose = req.session.flow?.purpose;
    if (!purpose || purpose === 'contact') throw flowExpired();
    const c = context(req, body);
    const outcome = await afterCodeVerified(c, await verifyCode(c, { purpose, code: body.verification_code }));
    if ('signedIn' in outcome) {
      await sessions.signIn(req, outcome.signedIn);
      return sendSignedIn(req, res, limits, now);
    }
    res.json({ authenticated: false, next: outcome.next === 'reset' ? 'reset_password' : 'signup', ...tokenField(req, now) });
  });

  router.post('/session/signup', async (req, res) => {
    const body = parseBody(signupBody, req.body);
    requireConsent(config, body.consent === true);
    const profile = { name: body.name?.trim(), username: body.username?.trim(), password: body.password, anonymousToken: await guestToken(req, freshAccessToken) };
    await sessions.signIn(req, await completeSignup(context(req, body), profile));
    sendSignedIn(req, res, limits, now);
  });

  router.post('/session/password/reset', async (req, res) => {
    const body = parseBody(resetBody, req.body);
    await completeReset(context(req, body), directory, body.new_password);
    res.status(204).end();
  });
}
