import type { Request, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { AppError, flowExpired } from '../../http/errors.js';
import { completeReset } from '../sms-flow.js';
import { FORMS, readForm } from '../forms.js';
import {
  codeStepLocals,
  currentFlow,
  registerRestart,
  registerSendCode,
  verifyCodeStep,
  type SendFailure,
} from './sms-steps.js';
import { renderFailure } from './web.js';

const VIEW = 'reset.njk';

/**
 * The phone step, or the code + new password step. The second looks the same whether or not the number has an
 * account: the flow exists in both cases, only its (hidden) verification id differs.
 */
function page(req: Request, failed?: SendFailure): Record<string, unknown> {
  const flow = currentFlow(req, 'reset');
  if (flow && failed?.phoneStep !== true) {
    const resendFailed = failed?.phoneStep === false;
    return { step: 'code', ...codeStepLocals(flow), codeVerified: !!flow.vtok, resendFailed };
  }
  return { step: 'phone', values: failed?.values ?? {} };
}

export function register(router: Router, deps: RouteDeps): void {
  const { auth, formCsrf } = deps;
  router.get('/password/reset', (req, res) => {
    res.render(VIEW, page(req));
  });

  registerSendCode(router, deps, { action: '/password/reset/code', purpose: 'reset', start: '/password/reset', view: VIEW, page, keepReturnTo: false });

  router.post('/password/reset', formCsrf, async (req, res) => {
    try {
      const newPassword = readForm(FORMS.resetPassword, req.body).new_password;
      if (!newPassword) throw new AppError(400, 'password_required', 'err.password_required', { field: 'new_password' });
      const flow = currentFlow(req, 'reset');
      if (!flow) throw flowExpired();
      // A code already accepted (the password was refused last time) is not asked for again.
      if (!flow.vtok) await verifyCodeStep(req, auth, 'reset');
      await completeReset(req, deps, newPassword);
      res.redirect(303, '/login?notice=password_reset');
    } catch (err) {
      await renderFailure(req, res, auth, VIEW, err, page(req));
    }
  });

  registerRestart(router, formCsrf, '/password/reset/restart', '/password/reset');
}
