import type { Request, RequestHandler, Router } from 'express';
import type { FlowState, SmsPurpose } from '../../session/types.js';
import { currentFlow, sendCode, verifyCode, type VerifiedFlow } from '../../flows/sms/index.js';
import { FORMS, readForm } from '../forms.js';
import { safeReturnTo } from '../../http/return-to.js';
import { maskPhone } from '../../phone.js';
import type { RouteDeps } from '../deps.js';
import { formFlowContext } from '../flow-context.js';
import { renderFailure, str } from './web.js';
import { registeredSendOn } from './guests-only.js';

/** What the SMS pages (sign-in, sign-up, reset) share: reading their forms into the SMS flow's steps, and the views. */

/** This session's flow, when it is one of `purpose`. */
export function flowOf(req: Request, purpose: SmsPurpose): FlowState | undefined {
  return currentFlow(req.session, purpose);
}

/** Where the flow lands once signed in: kept in the flow, else the page's `returnTo` (query or re-posted form). */
export function landing(req: Request, flow: FlowState | undefined): string {
  const body = req.body as Record<string, unknown> | undefined;
  return flow?.returnTo ?? safeReturnTo(req.query.returnTo ?? body?.returnTo);
}

/** What the code step shows: where the code went (masked) and the seconds left before a new one may be asked for. */
export function codeStepLocals(flow: FlowState, now: number): { maskedPhone: string; resendIn: number; resendAt: number } {
  const resendAt = flow.resendAt ?? 0;
  return { maskedPhone: maskPhone(flow.phone), resendIn: Math.max(0, Math.ceil((resendAt - now) / 1000)), resendAt };
}

/** What the one-screen phone + code form shows (views/partials/sms.njk). */
export interface PhoneCodeScreen {
  /** the number as typed (a failed send), else the flow's */
  phone: string;
  /** a code went out in this flow: the code field is ready and the button says "send a new code" */
  codeSent: boolean;
  maskedPhone: string;
  resendIn: number;
  resendAt: number;
}

/** The phone + code screen as the flow stands; a failed send shows the number as it was typed. */
export function phoneCodeScreen(flow: FlowState | undefined, now: number, failed?: SendFailure): PhoneCodeScreen {
  const typed = failed?.values.phone_number;
  if (!flow) return { phone: typed ?? '', codeSent: false, maskedPhone: '', resendIn: 0, resendAt: 0 };
  return { phone: typed ?? flow.phone, codeSent: true, ...codeStepLocals(flow, now) };
}

/**
 * Whether a POST to a send-code route carries no phone field: a resend to the flow's own number (the one-screen form
 * always sends the number, and the same number again is a resend with its cooldown, see sendCode).
 */
function isResend(body: unknown): boolean {
  return (body as Record<string, unknown> | undefined)?.phone_number === undefined;
}

/** How a failed send re-renders: with the number as typed (`phoneStep`), or, for a resend without one, the flow's. */
export interface SendFailure {
  phoneStep: boolean;
  values: { phone_number?: string };
}

function sendFailure(body: unknown): SendFailure {
  if (isResend(body)) return { phoneStep: false, values: {} };
  return { phoneStep: true, values: { phone_number: str(body, 'phone_number', 256) } };
}

/** The code form's step: the typed code, checked with CloudBase for the session's flow of `purpose`. */
export function verifyCodeForm(req: Request, deps: Pick<RouteDeps, 'auth' | 'now'>, purpose: SmsPurpose): Promise<VerifiedFlow> {
  const code = readForm(FORMS.smsCode, req.body).verification_code;
  return verifyCode(formFlowContext(req, deps.auth, deps.now), { purpose, code });
}

/**
 * POST <action>: sends (or resends) the code of a flow, then back to its page (the same screen, ready for the code); a
 * failure re-renders the page as `page` decides from the failure.
 */
export function registerSendCode(
  router: Router,
  { auth, formCsrf, now, config }: Pick<RouteDeps, 'auth' | 'formCsrf' | 'now' | 'config'>,
  flow: { action: string; purpose: SmsPurpose; start: string; view: string; page: (req: Request, failed?: SendFailure) => Record<string, unknown>; keepReturnTo: boolean },
): void {
  router.post(flow.action, registeredSendOn, formCsrf, async (req, res) => {
    try {
      const phone = isResend(req.body) ? undefined : readForm(FORMS.smsPhone, req.body).phone_number;
      const returnTo = flow.keepReturnTo ? safeReturnTo((req.body as { returnTo?: unknown }).returnTo) : undefined;
      await sendCode(formFlowContext(req, auth, now), {
        purpose: flow.purpose,
        cooldownS: config.limits.sms.cooldownS,
        ...(phone === undefined ? {} : { phone }),
        ...(returnTo === undefined ? {} : { returnTo }),
      });
      res.redirect(303, flow.start);
    } catch (err) {
      await renderFailure(req, res, auth, flow.view, err, flow.page(req, sendFailure(req.body)));
    }
  });
}

/** POST `path`: "Use another number": forgets the flow and goes back to the phone step. */
export function registerRestart(router: Router, formCsrf: RequestHandler, path: string, start: string): void {
  router.post(path, registeredSendOn, formCsrf, (req, res) => {
    delete req.session.flow;
    delete req.session.captcha;
    res.redirect(303, start);
  });
}
