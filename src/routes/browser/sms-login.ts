import type { Request, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { afterCodeVerified } from '../../flows/sms/index.js';
import { formFlowContext } from '../flow-context.js';
import { codeStepLocals, flowOf, landing, registerRestart, registerSendCode, verifyCodeForm, type SendFailure } from './sms-pages.js';
import { renderFailure } from './web.js';
import { registeredSendOn } from './guests-only.js';

const VIEW = 'login-sms.njk';

/**
 * The page as the session's flow stands: the phone step, or the code step once a code went out. A failed send of a
 * typed number shows the phone step again, whatever the flow.
 */
function page(req: Request, failed?: SendFailure): Record<string, unknown> {
  const flow = flowOf(req, 'login');
  const returnTo = landing(req, flow);
  if (flow?.vid && failed?.phoneStep !== true) {
    return { step: 'code', ...codeStepLocals(flow), returnTo, resendFailed: failed?.phoneStep === false };
  }
  return { step: 'phone', returnTo, values: failed?.values ?? {} };
}

export function register(router: Router, deps: RouteDeps): void {
  const { auth, sessions, formCsrf, now } = deps;
  router.get('/login/sms', registeredSendOn, (req, res) => {
    res.render(VIEW, page(req));
  });

  registerSendCode(router, deps, { action: '/login/sms/code', purpose: 'login', start: '/login/sms', view: VIEW, page, keepReturnTo: true });

  router.post('/login/sms', registeredSendOn, formCsrf, async (req, res) => {
    try {
      const flow = await verifyCodeForm(req, deps, 'login');
      const outcome = await afterCodeVerified(formFlowContext(req, auth, now), flow);
      if ('next' in outcome) return res.redirect(303, '/signup');
      await sessions.signIn(req, outcome.signedIn);
      res.redirect(303, flow.returnTo ?? '/');
    } catch (err) {
      await renderFailure(req, res, auth, VIEW, err, page(req));
    }
  });

  registerRestart(router, formCsrf, '/login/sms/restart', '/login/sms');
}
