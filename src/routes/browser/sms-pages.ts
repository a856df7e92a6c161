import type { Request, RequestHandler, Response, Router } from 'express';
import type { FlowState, SmsPurpose } from '../../session/types.js';
import { currentFlow, sendCode, verifyCode, type TypedContact, type VerifiedFlow } from '../../flows/sms/index.js';
import { FORMS, readForm } from '../forms.js';
import { safeReturnTo } from '../../http/return-to.js';
import { maskPhone } from '../../phone.js';
import type { RouteDeps } from '../deps.js';
import { formFlowContext } from '../flow-context.js';
import { failForm, failedPost, str } from './web.js';
import { registeredSendOn } from './guests-only.js';

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

/** The contact a code goes to: a mobile number or an email address (a flow's key tells them apart by its `@`). */
export type Channel = 'phone' | 'email';

const channelOf = (key: string): Channel => (key.includes('@') ? 'email' : 'phone');

/** What the one-screen contact + code form shows (views/partials/sms.njk); the other channel is offered below it. */
export interface PhoneCodeScreen {
  /** the field the one-screen form asks for: the failed send's, else the flow's, else the phone */
  channel: Channel;
  /** the number or address as typed (a failed send), else the flow's when it is of this channel */
  contact: string;
  /** a code went out in this flow to this channel: the code field is ready and the button says "send a new code" */
  codeSent: boolean;
  maskedPhone: string;
  resendIn: number;
  resendAt: number;
}

/**
 * The contact + code screen as the flow stands: an email flow shows the email field with the code field, a phone
 * flow the phone field. A failed send shows the number or address as it was typed, in its own field.
 */
export function phoneCodeScreen(flow: FlowState | undefined, now: number, failed?: SendFailure): PhoneCodeScreen {
  const typedEmail = failed?.values.email;
  const typedPhone = failed?.values.phone_number;
  const channel: Channel = typedEmail !== undefined ? 'email' : typedPhone !== undefined ? 'phone' : flow ? channelOf(flow.phone) : 'phone';
  const typed = channel === 'email' ? typedEmail : typedPhone;
  if (!flow || channelOf(flow.phone) !== channel) return { channel, contact: typed ?? '', codeSent: false, maskedPhone: '', resendIn: 0, resendAt: 0 };
  return { channel, contact: typed ?? flow.phone, codeSent: true, ...codeStepLocals(flow, now) };
}

/**
 * Whether a POST to a send-code route carries no phone or email field: a resend to the flow's own contact (the
 * one-screen form always sends it, and the same contact again is a resend with its cooldown, see sendCode).
 */
function isResend(body: unknown): boolean {
  const b = body as Record<string, unknown> | undefined;
  return b?.phone_number === undefined && b?.email === undefined;
}

/**
 * How a page shows its last failed post: a failed send shows the number or address as typed, in its own field
 * (`phoneStep`); a failed resend the flow's; other failures leave the screen to the flow. `values` as typed (never a
 * code).
 */
export interface SendFailure {
  phoneStep?: boolean;
  values: Record<string, string>;
}

/** The failed post this view of an SMS page shows (its flash), as the page's `page(req, failed)` takes it. */
export function lastFailure(res: Response): SendFailure | undefined {
  const failed = failedPost(res);
  if (!failed) return undefined;
  const phoneStep = failed.form === 'phone' || failed.form === 'email' ? true : failed.form === 'resend' ? false : undefined;
  // The field the failed send used, even left empty (an empty value is not kept in the flash).
  const field = failed.form === 'email' ? 'email' : failed.form === 'phone' ? 'phone_number' : undefined;
  const values = field && failed.values[field] === undefined ? { ...failed.values, [field]: '' } : failed.values;
  return { ...(phoneStep === undefined ? {} : { phoneStep }), values };
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
 * POST <action>: sends (or resends) the code of a flow, then back to its page (the same screen, ready for the code); a
 * failure goes back there too, with the number or address as typed.
 */
export function registerSendCode(
  router: Router,
  deps: Pick<RouteDeps, 'auth' | 'formCsrf' | 'now' | 'config'>,
  flow: { action: string; purpose: SmsPurpose; start: string; keepReturnTo: boolean },
): void {
  const { auth, formCsrf, now, config } = deps;
  router.post(flow.action, registeredSendOn, formCsrf, async (req, res) => {
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
        form: resend ? 'resend' : (req.body as Record<string, unknown>).email !== undefined ? 'email' : 'phone',
        ...(resend ? {} : { values: typedValues(req.body) }),
      });
    }
  });
}

/** POST `path`: "Use another number or address": forgets the flow and goes back to the phone step. */
export function registerRestart(router: Router, formCsrf: RequestHandler, path: string, start: string): void {
  router.post(path, registeredSendOn, formCsrf, (req, res) => {
    delete req.session.flow;
    delete req.session.captcha;
    res.redirect(303, start);
  });
}
