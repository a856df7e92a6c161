import type { CodeSent } from '../../services/auth.js';
import type { FlowState, SmsPurpose } from '../../session/types.js';
import { AppError, flowExpired } from '../../errors/app-error.js';
import { solveCaptcha } from '../captcha.js';
import type { FlowContext, FlowSession } from '../context.js';
import { contactFromKey, contactKey, contactOf, invalidCode, verificationCode, type TypedContact } from './input.js';

/** The session's flow, when it is one of `purpose`. */
export function currentFlow(session: FlowSession | undefined, purpose: SmsPurpose): FlowState | undefined {
  const flow = session?.flow;
  return flow?.purpose === purpose ? flow : undefined;
}

export interface SendCodeInput {
  purpose: SmsPurpose;
  /** the phone number or email address as typed (exactly one); absent for a resend to the flow's own contact */
  contact?: TypedContact;
  /** where to land once signed in (kept in the flow; a resend keeps the flow's own) */
  returnTo?: string;
  /** seconds before this session may ask for another code (LIMIT_SMS_COOLDOWN_S, for the pages and the API alike) */
  cooldownS: number;
}

/**
 * Sends a code to the typed phone number or email address (by SMS or mail), or again to the flow's own for a resend,
 * and starts the flow. A resend before the cooldown is refused here (429) without calling CloudBase.
 */
export async function sendCode(c: FlowContext, input: SendCodeInput): Promise<CodeSent> {
  const resend = input.contact === undefined;
  const previous = currentFlow(c.session, input.purpose);
  let phone: string;
  if (input.contact === undefined) {
    if (!previous) throw flowExpired();
    phone = previous.phone;
  } else {
    phone = contactKey(contactOf(input.contact));
  }
  const now = c.now();
  const sameNumber = c.session.flow?.phone === phone ? c.session.flow : undefined;
  if (sameNumber?.resendAt && sameNumber.resendAt > now) {
    throw new AppError('resend_too_soon', { retryAfterS: Math.ceil((sameNumber.resendAt - now) / 1000) });
  }
  const captchaToken = await solveCaptcha(c);
  const sent = await c.auth.sendCode(c.call(captchaToken), contactFromKey(phone), input.purpose);
  const flow: FlowState = { purpose: input.purpose, phone, isUser: sent.isUser, resendAt: now + input.cooldownS * 1000 };
  // Reset for an unknown number has no verification id: the flow goes on so the next step fails like a wrong code.
  if (sent.vid) flow.vid = sent.vid;
  const target = resend ? previous?.returnTo : input.returnTo;
  if (target && target !== '/') flow.returnTo = target;
  c.session.flow = flow;
  return sent;
}

export type VerifiedFlow = FlowState & { vtok: string };

/**
 * The code step: checks the typed code with CloudBase and keeps the verification token in the flow. The verification
 * id is single use, so it leaves the flow once it has given a token.
 */
export async function verifyCode(c: FlowContext, input: { purpose: SmsPurpose; code: string }): Promise<VerifiedFlow> {
  const code = verificationCode(input.code);
  const flow = currentFlow(c.session, input.purpose);
  if (!flow) throw flowExpired();
  if (!flow.vid) throw invalidCode();
  const captchaToken = await solveCaptcha(c);
  // CloudBase's own "wrong code" becomes exactly the one above, field and all: reset must not tell the two apart.
  const vtok = await c.auth.verifyCode(c.call(captchaToken), flow.vid, code).catch((e: unknown) => {
    throw e instanceof AppError && e.code === 'invalid_code' ? invalidCode() : e;
  });
  delete flow.vid;
  flow.vtok = vtok;
  return flow as VerifiedFlow;
}
