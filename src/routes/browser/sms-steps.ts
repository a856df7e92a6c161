import type { Request, RequestHandler, Router } from 'express';
import type { AuthService, CodeSent } from '../../services/auth.js';
import type { FlowState, SmsPurpose } from '../../session/types.js';
import { AppError, flowExpired } from '../../http/errors.js';
import { FORMS, readForm } from '../forms.js';
import { safeReturnTo } from '../../http/return-to.js';
import { maskPhone, normalizePhone } from '../../phone.js';
import { callContext } from '../../session/context.js';
import type { RouteDeps } from '../deps.js';
import { renderFailure, solvedCaptcha, str } from './web.js';

/** Seconds before the same session may ask for another code, when the caller does not say (LIMIT_SMS_COOLDOWN_S does). */
export const RESEND_COOLDOWN_S = 60;

/** Longest accepted input per field, in characters (CloudBase's own rules are stricter for some). */

const invalidPhone = () => new AppError(400, 'invalid_phone', 'err.invalid_phone', { field: 'phone_number' });
const badCode = () => new AppError(400, 'invalid_code_format', 'err.code_format', { field: 'verification_code' });
/** What an unusable verification looks like to a person: the same words as a wrong code, so reset reveals nothing. */
export const invalidCode = () => new AppError(400, 'invalid_code', 'err.invalid_code', { field: 'verification_code' });

/** `phone_number` in CloudBase's `+86 ` form, or a 400 with the clear phone message. */
export function readPhone(body: unknown): string {
  const phone = normalizePhone(readForm(FORMS.smsPhone, body).phone_number);
  if (!phone) throw invalidPhone();
  return phone;
}

/** `verification_code` as six ASCII digits; full-width digits and spaces from pasting are accepted. */
export function readCode(body: unknown): string {
  const code = readForm(FORMS.smsCode, body).verification_code.normalize('NFKC').replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) throw badCode();
  return code;
}

/** This session's flow, when it is one of `purpose`. */
export function currentFlow(req: Request, purpose: SmsPurpose): FlowState | undefined {
  const flow = req.session?.flow;
  return flow?.purpose === purpose ? flow : undefined;
}

/** Where the flow lands once signed in: kept in the flow, else the page's `returnTo` (query or re-posted form). */
export function landing(req: Request, flow: FlowState | undefined): string {
  const body = req.body as Record<string, unknown> | undefined;
  return flow?.returnTo ?? safeReturnTo(req.query.returnTo ?? body?.returnTo);
}

/** What the code step shows: where the code went (masked) and the seconds left before a new one may be asked for. */
export function codeStepLocals(flow: FlowState, now = Date.now()): { maskedPhone: string; resendIn: number; resendAt: number } {
  const resendAt = flow.resendAt ?? 0;
  return { maskedPhone: maskPhone(flow.phone), resendIn: Math.max(0, Math.ceil((resendAt - now) / 1000)), resendAt };
}

/** Whether a POST to a send-code route is the code step's resend button (which carries no phone field). */
function isResend(body: unknown): boolean {
  return (body as Record<string, unknown> | undefined)?.phone_number === undefined;
}

/** How a failed send re-renders: the phone step with the number as typed, or, for a resend, the code step. */
export interface SendFailure {
  phoneStep: boolean;
  values: { phone_number?: string };
}

export function sendFailure(body: unknown): SendFailure {
  if (isResend(body)) return { phoneStep: false, values: {} };
  return { phoneStep: true, values: { phone_number: str(body, 'phone_number', 256) } };
}

/**
 * POST …/code: sends a code to the typed number, or again to the flow's number for a resend, and starts the flow.
 * A resend before the cooldown is refused here (429) without calling CloudBase.
 */
export async function sendCodeStep(
  req: Request,
  auth: AuthService,
  purpose: SmsPurpose,
  returnTo?: string,
  cooldownS = RESEND_COOLDOWN_S,
): Promise<CodeSent> {
  const resend = isResend(req.body);
  const previous = currentFlow(req, purpose);
  let phone: string;
  if (resend) {
    if (!previous) throw flowExpired();
    phone = previous.phone;
  } else {
    phone = readPhone(req.body);
  }
  const now = Date.now();
  const sameNumber = req.session.flow?.phone === phone ? req.session.flow : undefined;
  if (sameNumber?.resendAt && sameNumber.resendAt > now) {
    const retryAfterS = Math.ceil((sameNumber.resendAt - now) / 1000);
    throw new AppError(429, 'resend_too_soon', 'err.resend_too_soon', { retryAfterS });
  }
  const captchaToken = await solvedCaptcha(req, auth);
  const sent = await auth.sendCode(callContext(req, captchaToken), phone, purpose);
  const flow: FlowState = { purpose, phone, isUser: sent.isUser, resendAt: now + cooldownS * 1000 };
  // Reset for an unknown number has no verification id: the flow goes on so the next step fails like a wrong code.
  if (sent.vid) flow.vid = sent.vid;
  const target = resend ? previous?.returnTo : returnTo;
  if (target && target !== '/') flow.returnTo = target;
  req.session.flow = flow;
  return sent;
}

/**
 * The code step: checks the typed code with CloudBase and keeps the verification token in the flow. The
 * verification id is single use, so it leaves the flow once it has given a token.
 */
export async function verifyCodeStep(
  req: Request,
  auth: AuthService,
  purpose: SmsPurpose,
): Promise<FlowState & { vtok: string }> {
  const code = readCode(req.body);
  const flow = currentFlow(req, purpose);
  if (!flow) throw flowExpired();
  if (!flow.vid) throw invalidCode();
  const captchaToken = await solvedCaptcha(req, auth);
  // CloudBase's own "wrong code" becomes exactly the one above, field and all: reset must not tell the two apart.
  const vtok = await auth.verifyCode(callContext(req, captchaToken), flow.vid, code).catch((e: unknown) => {
    throw e instanceof AppError && e.code === 'invalid_code' ? invalidCode() : e;
  });
  delete flow.vid;
  flow.vtok = vtok;
  return flow as FlowState & { vtok: string };
}

/** POST `path`: "Use another number": forgets the flow and goes back to the phone step. */
/**
 * POST <action>: sends (or resends) the code of a flow, then back to its page; a failure re-renders the page with the
 * phone step or the code step as `page` decides from the failure.
 */
export function registerSendCode(
  router: Router,
  { auth, formCsrf, config }: Pick<RouteDeps, 'auth' | 'formCsrf' | 'config'>,
  flow: { action: string; purpose: SmsPurpose; start: string; view: string; page: (req: Request, failed?: SendFailure) => Record<string, unknown>; keepReturnTo: boolean },
): void {
  router.post(flow.action, formCsrf, async (req, res) => {
    try {
      const returnTo = flow.keepReturnTo ? safeReturnTo(req.body.returnTo) : undefined;
      await sendCodeStep(req, auth, flow.purpose, returnTo, config.limits.sms.cooldownS);
      res.redirect(303, flow.start);
    } catch (err) {
      await renderFailure(req, res, auth, flow.view, err, flow.page(req, sendFailure(req.body)));
    }
  });
}

export function registerRestart(router: Router, formCsrf: RequestHandler, path: string, start: string): void {
  router.post(path, formCsrf, (req, res) => {
    delete req.session.flow;
    delete req.session.captcha;
    res.redirect(303, start);
  });
}
