import type { Request, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { afterCodeVerified } from '../../flows/sms/index.js';
import { formFlowContext } from '../flow-context.js';
import { codeStepLocals, flowOf, landing, lastFailure, registerRestart, registerSendCode, verifyCodeForm, type SendFailure } from './sms-pages.js';
import { failForm } from './web.js';

const VIEW = 'login-sms.njk';

/**
 * The page as the session's flow stands: the phone step, or the code step once a code went out. A failed send of a
 * typed number shows the phone step again, whatever the flow.
 */
function page(req: Request, now: number, failed?: SendFailure): Record<string, unknown> {
  const flow = flowOf(req, 'login');
  const returnTo = landing(req, flow);
  if (flow?.vid && failed?.phoneStep !== true) {
    return { step: 'code', ...codeStepLocals(flow, now), returnTo, resendFailed: failed?.phoneStep === false };
  }
  return { step: 'phone', returnTo, values: failed?.values ?? {} };
}

export function register(router: Router, deps: RouteDeps): void {
  const { auth, sessions, formCsrf, now } = deps;
  router.get('/login/sms', (req, res) => {
    res.render(VIEW, page(req, now(), lastFailure(res)));
  });

  registerSendCode(router, deps, { action: '/login/sms/code', purpose: 'login', start: '/login/sms', keepReturnTo: true });

  router.post('/login/sms', formCsrf, async (req, res) => {
    try {
      const flow = await verifyCodeForm(req, deps, 'login');
      const outcome = await afterCodeVerified(formFlowContext(req, auth, now), flow);
      if ('next' in outcome) return res.redirect(303, '/signup');
      await sessions.signIn(req, outcome.signedIn);
      res.redirect(303, flow.returnTo ?? '/');
    } catch (err) {
      await failForm(req, res, deps, err, { page: '/login/sms', returnTo: landing(req, flowOf(req, 'login')) });
    }
  });

  registerRestart(router, formCsrf, '/login/sms/restart', '/login/sms');
}
