import type { Request } from 'express';
import type { FlowContext } from '../flows/context.js';
import type { AuthService } from '../services/auth.js';
import { callContext } from '../session/context.js';

/**
 * A flow's context for this request: its session, upstream call context and clock. `captchaAnswer` is what the caller
 * typed for a pending captcha: the JSON routes pass the validated field, the forms their raw field.
 */
export function flowContext(req: Request, auth: AuthService, now: () => number, captchaAnswer: unknown): FlowContext {
  return {
    auth,
    session: req.session,
    call: (captchaToken) => callContext(req, now, captchaToken),
    captchaAnswer: typeof captchaAnswer === 'string' ? captchaAnswer : undefined,
    now,
    // On first use only: a pino child logger per request costs a sign-in more than most of its own code.
    get log() {
      return req.log as FlowContext['log'];
    },
  };
}

/** The same for a form POST, whose captcha answer is a raw form field. */
export function formFlowContext(req: Request, auth: AuthService, now: () => number): FlowContext {
  return flowContext(req, auth, now, (req.body as Record<string, unknown> | undefined)?.captcha_answer);
}

/** Enough of a flow's context to ask for a new captcha (the error responders do, when CloudBase wants one). */
export function captchaContext(req: Request, auth: AuthService, now: () => number): Pick<FlowContext, 'auth' | 'session' | 'call'> {
  return { auth, session: req.session, call: () => callContext(req, now) };
}
