import type { Request, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { FORMS, readForm } from '../forms.js';
import { afterCodeVerified, completeSignup } from '../../flows/sms/index.js';
import { formFlowContext } from '../flow-context.js';
import { flowOf, landing, lastFailure, maskContact, phoneCodeScreen, registerRestart, registerSendCode, verifyCodeForm, type SendFailure } from './sms-pages.js';
import { failForm, str } from './web.js';
import { requireConsent } from '../consent.js';
import { guestToken } from '../guest-token.js';
import { registeredSendOn } from './guests-only.js';

const VIEW = 'signup.njk';

/**
 * Step 1 (phone or email, and the code, on one screen) or 2 (profile, once the code was verified), as the session's
 * flow stands; with the provider whose identity the new account will get, when one is waiting ("continue with your
 * phone").
 */
function page(req: Request, now: number, failed?: SendFailure): Record<string, unknown> {
  const flow = flowOf(req, 'signup');
  const returnTo = landing(req, flow);
  const linking = { linkingProvider: req.session?.providerSignup?.id };
  if (flow?.vtok && failed?.phoneStep !== true) {
    return { step: 'profile', maskedPhone: maskContact(flow.phone), returnTo, values: failed?.values ?? {}, ...linking };
  }
  const sendFailed = failed?.phoneStep === undefined ? undefined : failed;
  return { step: 'phone', screen: phoneCodeScreen(flow, now, sendFailed), returnTo, ...linking };
}

export function register(router: Router, deps: RouteDeps): void {
  const { auth, sessions, formCsrf, now, config } = deps;
  router.get('/signup', registeredSendOn, (req, res) => {
    res.render(VIEW, page(req, now(), lastFailure(res)));
  });

  registerSendCode(router, deps, { action: '/signup/code', purpose: 'signup', start: '/signup', keepReturnTo: true });

  router.post('/signup/verify', registeredSendOn, formCsrf, async (req, res) => {
    try {
      const flow = await verifyCodeForm(req, deps, 'signup');
      const outcome = await afterCodeVerified(formFlowContext(req, auth, now), flow);
      if (!('signedIn' in outcome)) return res.redirect(303, '/signup');
      await sessions.signIn(req, outcome.signedIn);
      res.redirect(303, flow.returnTo ?? '/');
    } catch (err) {
      await failForm(req, res, deps, err, { page: '/signup', returnTo: landing(req, flowOf(req, 'signup')) });
    }
  });

  router.post('/signup', registeredSendOn, formCsrf, async (req, res) => {
    const values = { name: str(req.body, 'name', 256), username: str(req.body, 'username', 256) };
    try {
      const { name, username, password, consent } = readForm(FORMS.signupProfile, req.body);
      requireConsent(config, consent === 'yes');
      const returnTo = flowOf(req, 'signup')?.returnTo ?? '/';
      await sessions.signIn(req, await completeSignup(formFlowContext(req, auth, now), { name, username, password, anonymousToken: await guestToken(req, deps.freshAccessToken) }));
      res.redirect(303, returnTo);
    } catch (err) {
      await failForm(req, res, deps, err, { page: '/signup', returnTo: landing(req, flowOf(req, 'signup')), values });
    }
  });

  registerRestart(router, formCsrf, '/signup/restart', '/signup');
}
