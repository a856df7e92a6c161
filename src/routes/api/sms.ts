import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { flowExpired } from '../../errors/app-error.js';
import { sessionLimits } from '../../session/policy.js';
import { sendCodeStep, verifyCodeStep } from '../browser/sms-steps.js';
import { afterCodeVerified, completeReset, completeSignup } from '../sms-flow.js';
import { parseBody } from './body.js';
import { sendSignedIn, tokenField } from './respond.js';
import { resetBody, signupBody, smsSendBody, smsVerifyBody } from './schemas.js';

/**
 * The SMS flows as JSON: send a code, verify it, then (as the flow requires) create the account or set a new
 * password. The flow state is the one the forms use; CloudBase's verification id and token never leave the session.
 */
export function register(router: Router, { config, auth, sessions, directory }: RouteDeps): void {
  const limits = sessionLimits(config);

  router.post('/session/sms/send', async (req, res) => {
    const { purpose } = parseBody(smsSendBody, req.body);
    const sent = await sendCodeStep(req, auth, purpose);
    // Whether the number has an account is told only after a correct code (by sms/verify), so sending codes cannot be
    // used to test which numbers are registered. `is_user` stays in the answer (the contract names it), always false.
    res.json({ expires_in: sent.expiresIn, is_user: false, ...tokenField(req) });
  });

  router.post('/session/sms/verify', async (req, res) => {
    parseBody(smsVerifyBody, req.body);
    const purpose = req.session.flow?.purpose;
    if (!purpose) throw flowExpired();
    const outcome = await afterCodeVerified(req, auth, await verifyCodeStep(req, auth, purpose));
    if ('signedIn' in outcome) {
      await sessions.signIn(req, outcome.signedIn);
      return sendSignedIn(req, res, limits);
    }
    res.json({ authenticated: false, next: outcome.next === 'reset' ? 'reset_password' : 'signup', ...tokenField(req) });
  });

  router.post('/session/signup', async (req, res) => {
    const body = parseBody(signupBody, req.body);
    const profile = { name: body.name?.trim(), username: body.username?.trim(), password: body.password };
    await sessions.signIn(req, await completeSignup(req, auth, profile));
    sendSignedIn(req, res, limits);
  });

  router.post('/session/password/reset', async (req, res) => {
    const body = parseBody(resetBody, req.body);
    await completeReset(req, { auth, directory }, body.new_password);
    res.status(204).end();
  });
}
