import type { Request, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { AppError, flowExpired } from '../../errors/app-error.js';
import { completeReset } from '../../flows/sms/index.js';
import { FORMS, readForm } from '../forms.js';
import { formFlowContext } from '../flow-context.js';
import { flowOf, lastFailure, phoneCodeScreen, registerRestart, registerSendCode, verifyCodeForm, type SendFailure } from './sms-pages.js';
import { failForm } from './web.js';
import { registeredSendOn } from './guests-only.js';

const VIEW = 'reset.njk';

/**
 * Phone, code and new password on one screen, or the new password alone once the code was accepted. After a send the
 * screen looks the same whether or not the number has an account: the flow exists in both cases, only its (hidden)
 * verification id differs.
 */
function page(req: Request, now: number, failed?: SendFailure): Record<string, unknown> {
  const flow = flowOf(req, 'reset');
  if (flow?.vtok && failed?.phoneStep !== true) return { codeVerified: true };
  return { screen: phoneCodeScreen(flow, now, failed) };
}

export function register(router: Router, deps: RouteDeps): void {
  const { auth, formCsrf, now, directory } = deps;
  router.get('/password/reset', registeredSendOn, (req, res) => {
    res.render(VIEW, page(req, now(), lastFailure(res)));
  });

  registerSendCode(router, deps, { action: '/password/reset/code', purpose: 'reset', start: '/password/reset', keepReturnTo: false });

  router.post('/password/reset', registeredSendOn, formCsrf, async (req, res) => {
    try {
      const newPassword = readForm(FORMS.resetPassword, req.body).new_password;
      if (!newPassword) throw new AppError('password_required', { field: 'new_password' });
      const flow = flowOf(req, 'reset');
      if (!flow) throw flowExpired();
      // A code already accepted (the password was refused last time) is not asked for again.
      if (!flow.vtok) await verifyCodeForm(req, deps, 'reset');
      await completeReset(formFlowContext(req, auth, now), directory, newPassword);
      res.redirect(303, '/login?notice=password_reset');
    } catch (err) {
      await failForm(req, res, deps, err, { page: '/password/reset' });
    }
  });

  registerRestart(router, formCsrf, '/password/reset/restart', '/password/reset');
}
