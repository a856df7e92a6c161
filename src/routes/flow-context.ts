import type { Request } from 'express';
import type { FlowContext } from '../flows/context.js';
import type { AuthService } from '../services/auth.js';
import { callContext } from '../session/context.js';

/**
 * A flow's context for this request: its session, upstream call context and clock. `captchaAnswer` is what the caller
 * typed for a pending captcha: the JSON routes pass the validated field, the forms their raw field.
 */
export function flowContext(req: Request, auth: AuthService, now: () => number, captchaAnswer: unknown): FlowContext {
  return new RequestFlowContext(req, auth, now, typeof captchaAnswer === 'string' ? captchaAnswer : undefined);
}

/**
 * A class, so that `log` is one getter on its prototype. As a getter in each context's own object literal, closing
 * over the request, it made every context a dictionary-mode object with an accessor pair of its own, which V8 (Node 20)
 * allocates in the old generation: that pair reached the request, so every sign-in survived young-generation
 * collections until a full one (~8 KB promoted per sign-in against ~0.1 KB; bench/README.md, "Round 2, sixth pass").
 */
class RequestFlowContext implements FlowContext {
  readonly session: FlowContext['session'];
  readonly call: FlowContext['call'];

  constructor(
    private readonly req: Request,
    readonly auth: AuthService,
    readonly now: () => number,
    readonly captchaAnswer: string | undefined,
  ) {
    this.session = req.session;
    // Through a constant: a function literal assigned straight to a property is one V8's parser marks to be born in the
    // old generation, where (from unoptimised code) it kept the request alive (bench/README.md, "Round 2, seventh pass").
    const call: FlowContext['call'] = (captchaToken) => callContext(req, now, captchaToken);
    this.call = call;
  }

  // On first use only: a pino child logger per request costs a sign-in more than most of its own code.
  get log(): FlowContext['log'] {
    return this.req.log;
  }
}

/** The same for a form POST, whose captcha answer is a raw form field. */
export function formFlowContext(req: Request, auth: AuthService, now: () => number): FlowContext {
  return flowContext(req, auth, now, (req.body as Record<string, unknown> | undefined)?.captcha_answer);
}

/** Enough of a flow's context to ask for a new captcha (the error responders do, when CloudBase wants one). */
export function captchaContext(req: Request, auth: AuthService, now: () => number): Pick<FlowContext, 'auth' | 'session' | 'call'> {
  return { auth, session: req.session, call: () => callContext(req, now) };
}
