import type { Request, Response, Router } from 'express';
import type { SmsPurpose } from '../../session/types.js';
import type { RouteDeps } from '../deps.js';
import { flowExpired } from '../../errors/app-error.js';
import { afterCodeVerified, completeReset, completeSignup, sendCode, verifyCode, type TypedContact } from '../../flows/sms/index.js';
import { sessionLimits } from '../../session/policy.js';
import { flowContext } from '../flow-context.js';
import { requireConsent } from '../consent.js';
import { parseBody } from './body.js';
import { guestToken } from '../guest-token.js';
import { sendSignedIn, tokenField } from './respond.js';
import { codeSendBody, codeVerifyBody, resetBody, signupBody, smsSendBody, smsVerifyBody } from './schemas.js';

/**
 * The code flows as JSON: send a code (by SMS to a phone number, or by mail to an email address), verify it, then (as
 * the flow requires) create the account or set a new password. `code/*` are the general routes; `sms/*` are the same
 * steps for a phone number only. The flow state is the one the forms use; CloudBase's verification id and token never
 * leave the session.
 */
export function register(router: Router, { config, auth, sessions, directory, freshAccessToken, now }: RouteDeps): void {
  const limits = sessionLimits(config);
  const context = (req: Request, body: { captcha_answer?: string | undefined }) => flowContext(req, auth, now, body.captcha_answer);

  const send = async (req: Request, res: Response, body: { purpose: SmsPurpose; captcha_answer?: string | undefined } & TypedContact) => {
    const sent = await sendCode(context(req, body), {
      purpose: body.purpose,
      contact: { phone_number: body.phone_number, email: body.email },
      cooldownS: config.limits.sms.cooldownS,
    });
    // Whether the number or address has an account is told only after a correct code (by the verify step), so sending
    // codes cannot be used to test which are registered. `is_user` stays in the answer (the contract names it), always
    // false.
    res.json({ expires_in: sent.expiresIn, is_user: false, ...tokenField(req) });
  };

  const verify = async (req: Request, res: Response, body: { verification_code: string; captcha_answer?: string | undefined }) => {
    const purpose = req.session.flow?.purpose;
    if (!purpose || purpose === 'contact') throw flowExpired();
    const c = context(req, body);
    const outcome = await afterCodeVerified(c, await verifyCode(c, { purpose, code: body.verification_code }));
    if ('signedIn' in outcome) {
      await sessions.signIn(req, outcome.signedIn);
      return sendSignedIn(req, res, limits);
    }
    res.json({ authenticated: false, next: outcome.next === 'reset' ? 'reset_password' : 'signup', ...tokenField(req) });
  };

  router.post('/session/code/send', (req, res) => send(req, res, parseBody(codeSendBody, req.body)));
  router.post('/session/code/verify', (req, res) => verify(req, res, parseBody(codeVerifyBody, req.body)));
  router.post('/session/sms/send', (req, res) => send(req, res, parseBody(smsSendBody, req.body)));
  router.post('/session/sms/verify', (req, res) => verify(req, res, parseBody(smsVerifyBody, req.body)));

  router.post('/session/signup', async (req, res) => {
    const body = parseBody(signupBody, req.body);
    requireConsent(config, body.consent === true);
    const profile = { name: body.name?.trim(), username: body.username?.trim(), password: body.password, anonymousToken: await guestToken(req, freshAccessToken) };
    await sessions.signIn(req, await completeSignup(context(req, body), profile));
    sendSignedIn(req, res, limits);
  });

  router.post('/session/password/reset', async (req, res) => {
    const body = parseBody(resetBody, req.body);
    await completeReset(context(req, body), directory, body.new_password);
    res.status(204).end();
  });
}
