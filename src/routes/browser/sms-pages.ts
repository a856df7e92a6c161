import type { Request, RequestHandler, Response, Router } from 'express';
import type { FlowState, SmsPurpose } from '../../session/types.js';
import { currentFlow, sendCode, verifyCode, type TypedContact, type VerifiedFlow } from '../../flows/sms/index.js';
import { FORMS, readForm } from '../forms.js';
import { safeReturnTo } from '../../http/return-to.js';
import { maskPhone } from '../../phone.js';
import type { RouteDeps } from '../deps.js';
import { formFlowContext } from '../flow-context.js';
import { failForm, failedPost, str } from './web.js';

/** What the code pages (sign-in, sign-up, reset; by SMS or mail) share: reading their forms into the SMS flow's steps, and the views. */

/** This session's flow, when it is one of `purpose`. */
export function flowOf(req: Request, purpose: SmsPurpose): FlowState | undefined {
  return currentFlow(req.session, purpose);
}

/** Where the flow lands once signed in: kept in the flow, else the page's `returnTo` (query or re-posted form). */
export function landing(req: Request, flow: FlowState | undefined): string {
  const body = req.body as Record<string, unknown> | undefined;
  return flow?.returnTo ?? safeReturnTo(req.query.returnTo ?? body?.returnTo);
}

/** A flow's phone number or email address as the pages show it: enough to recognise, not to read off. */
export function maskContact(key: string): string {
  const at = key.lastIndexOf('@');
  if (at < 0) return maskPhone(key);
  return `${key.slice(0, Math.min(2, at - 1))}***${key.slice(at)}`;
}

/** What the code step shows: where the code went (masked) and the seconds left before a new one may be asked for. */
export function codeStepLocals(flow: FlowState, now: number): { maskedPhone: string; resendIn: number; resendAt: number } {
  const resendAt = flow.resendAt ?? 0;
  return { maskedPhone: maskContact(flow.phone), resendIn: Math.max(0, Math.ceil((resendAt - now) / 1000)), resendAt };
}

/** Whether a POST to a send-code route is the code step's resend button (which carries no phone or email field). */
function isResend(body: unknown): boolean {
  const b = body as Record<string, unknown> | undefined;
  return b?.phone_number === undefined && b?.email === undefined;
}

/**
 * How a page shows its last failed post: a failed send shows the phone step with the number as typed (`phoneStep`),
 * a failed resend the code step; other failures leave the step to the flow. `values` as typed (never a code).
 */
export interface SendFailure {
  phoneStep?: boolean;
  values: Record<string, string>;
}

/** The failed post this view of an SMS page shows (its flash), as the page's `page(req, failed)` takes it. */
export function lastFailure(res: Response): SendFailure | undefined {
  const failed = failedPost(res);
  if (!failed) return undefined;
  const phoneStep = failed.form === 'phone' ? true : failed.form === 'resend' ? false : undefined;
  return { ...(phoneStep === undefined ? {} : { phoneStep }), values: failed.values };
}

/** The phone number or email address as typed, to show again on the phone step. */
function typedValues(body: unknown): Record<string, string> {
  const b = body as Record<string, unknown>;
  return {
    ...(b.phone_number !== undefined ? { phone_number: str(body, 'phone_number', 256) } : {}),
    ...(b.email !== undefined ? { email: str(body, 'email', 256) } : {}),
  };
}

/** The phone form's number or the email form's address (a post with both is refused by the flow). */
function typedContact(body: unknown): TypedContact {
  const b = body as Record<string, unknown>;
  return {
    phone_number: b.phone_number === undefined ? undefined : readForm(FORMS.smsPhone, body).phone_number,
    email: b.email === undefined ? undefined : readForm(FORMS.smsEmail, body).email,
  };
}

/** The code form's step: the typed code, checked with CloudBase for the session's flow of `purpose`. */
export function verifyCodeForm(req: Request, deps: Pick<RouteDeps, 'auth' | 'now'>, purpose: SmsPurpose): Promise<VerifiedFlow> {
  const code = readForm(FORMS.smsCode, req.body).verification_code;
  return verifyCode(formFlowContext(req, deps.auth, deps.now), { purpose, code });
}

/**
 * POST <action>: sends (or resends) the code of a flow, then back to its page; a failure goes back there too, to the
 * phone step (the number as typed) or, for a resend, the code step.
 */
export function registerSendCode(
  router: Router,
  deps: Pick<RouteDeps, 'auth' | 'formCsrf' | 'now' | 'config'>,
  flow: { action: string; purpose: SmsPurpose; start: string; keepReturnTo: boolean },
): void {
  const { auth, formCsrf, now, config } = deps;
  router.post(flow.action, formCsrf, async (req, res) => {
    const returnTo = flow.keepReturnTo ? safeReturnTo((req.body as { returnTo?: unknown }).returnTo) : undefined;
    try {
      const contact = isResend(req.body) ? undefined : typedContact(req.body);
      await sendCode(formFlowContext(req, auth, now), {
        purpose: flow.purpose,
        cooldownS: config.limits.sms.cooldownS,
        ...(contact === undefined ? {} : { contact }),
        ...(returnTo === undefined ? {} : { returnTo }),
      });
      res.redirect(303, flow.start);
    } catch (err) {
      const resend = isResend(req.body);
      await failForm(req, res, deps, err, {
        page: flow.start,
        ...(returnTo === undefined ? {} : { returnTo: flowOf(req, flow.purpose)?.returnTo ?? returnTo }),
        form: resend ? 'resend' : 'phone',
        ...(resend ? {} : { values: typedValues(req.body) }),
      });
    }
  });
}

/** POST `path`: "Use another number or address": forgets the flow and goes back to the phone step. */
export function registerRestart(router: Router, formCsrf: RequestHandler, path: string, start: string): void {
  router.post(path, formCsrf, (req, res) => {
    delete req.session.flow;
    delete req.session.captcha;
    res.redirect(303, start);
  });
}
