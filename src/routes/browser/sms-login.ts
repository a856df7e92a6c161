import type { Request, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { afterCodeVerified } from '../../flows/sms/index.js';
import { formFlowContext } from '../flow-context.js';
import { flowOf, landing, lastFailure, phoneCodeScreen, registerRestart, registerSendCode, verifyCodeForm, type SendFailure } from './sms-pages.js';
import { failForm } from './web.js';
import { registeredSendOn } from './guests-only.js';

const VIEW = 'login-sms.njk';

/** The phone + code screen as the session's flow stands; a failed send shows the number as typed. */
function page(req: Request, now: number, failed?: SendFailure): Record<string, unknown> {
  const flow = flowOf(req, 'login');
  return { screen: phoneCodeScreen(flow, now, failed), returnTo: landing(req, flow) };
}

export function register(router: Router, deps: RouteDeps): void {
  const { auth, sessions, formCsrf, now } = deps;
  router.get('/login/sms', registeredSendOn, (req, res) => {
    res.render(VIEW, page(req, now(), lastFailure(res)));
  });

  registerSendCode(router, deps, { action: '/login/sms/code', purpose: 'login', start: '/login/sms', keepReturnTo: true });

  router.post('/login/sms', registeredSendOn, formCsrf, async (req, res) => {
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
