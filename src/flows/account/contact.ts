import type { Contact } from '../../services/auth.js';
import { toPublicUser } from '../../services/auth.js';
import type { PublicUser } from '../../session/types.js';
import { AppError, flowExpired } from '../../errors/app-error.js';
import { solveCaptcha } from '../captcha.js';
import type { FlowContext } from '../context.js';
import { invalidCode, phoneNumber, verificationCode } from '../sms/input.js';
import type { SignedInCaller } from './index.js';
import { proofFor, spendProof } from './reauth.js';

/**
 * Changing the account's phone or email: a code to the new contact → the code, and the password or a code to the old
 * contact (reauth.ts) proved → PATCH
 * /user/contact. The flow lives in the session's `flow` (purpose `contact`, the new contact in `phone`), so its
 * verification id and token are sealed at rest like every flow's.
 */

export const EMAIL_MAX = 254;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface NewContact {
  phone_number?: string | undefined;
  email?: string | undefined;
}

function contactOf(input: NewContact): Contact {
  if ((input.phone_number === undefined) === (input.email === undefined)) throw new AppError('invalid_input', { messageKey: 'api.contact_one' });
  if (input.phone_number !== undefined) return { phone_number: phoneNumber(input.phone_number) };
  const email = input.email!.trim();
  if (!EMAIL.test(email) || email.length > EMAIL_MAX) throw new AppError('invalid_input', { field: 'email', messageKey: 'err.invalid_email' });
  return { email };
}

const keyOf = (contact: Contact): string => contact.phone_number ?? contact.email;
const contactFromKey = (key: string): Contact => (key.includes('@') ? { email: key } : { phone_number: key });

/** Guests have no password to prove again, and no contact of their own to change. */
function assertRegistered(caller: SignedInCaller): void {
  if (caller.user?.anonymous) throw new AppError('forbidden');
}

/** Sends a code to the new contact and starts (or restarts) the flow; a resend before the cooldown is refused here. */
export async function sendContactCode(c: FlowContext, caller: SignedInCaller, input: NewContact, cooldownS: number): Promise<{ expiresIn: number }> {
  assertRegistered(caller);
  const contact = contactOf(input);
  const key = keyOf(contact);
  const now = c.now();
  const previous = c.session.flow?.purpose === 'contact' && c.session.flow.phone === key ? c.session.flow : undefined;
  if (previous?.resendAt && previous.resendAt > now) {
    throw new AppError('resend_too_soon', { retryAfterS: Math.ceil((previous.resendAt - now) / 1000) });
  }
  const captchaToken = await solveCaptcha(c);
  const sent = await c.auth.sendContactCode(c.call(captchaToken), contact);
  c.session.flow = { purpose: 'contact', phone: key, resendAt: now + cooldownS * 1000, ...(sent.vid ? { vid: sent.vid } : {}) };
  return { expiresIn: sent.expiresIn };
}

/**
 * Proves the code (once: a proven code is kept while the password is retried) and the password, then changes the
 * contact; answers the public user as CloudBase now has it. A contact of another account is `contact_taken`.
 */
export async function verifyContactChange(c: FlowContext, caller: SignedInCaller, input: { code: string; password: string }): Promise<PublicUser> {
  assertRegistered(caller);
  const flow = c.session.flow?.purpose === 'contact' ? c.session.flow : undefined;
  if (!flow) throw flowExpired();
  const proof = proofFor(c, input.password, 'password');
  if (!flow.vtok) {
    const code = verificationCode(input.code);
    if (!flow.vid) throw invalidCode();
    const captchaToken = await solveCaptcha(c);
    flow.vtok = await c.auth.verifyCode(c.call(captchaToken), flow.vid, code).catch((e: unknown) => {
      throw e instanceof AppError && e.code === 'invalid_code' ? invalidCode() : e;
    });
    delete flow.vid;
  }
  const accessToken = await caller.accessToken();
  try {
    await c.auth.changeContact(c.call(), accessToken, proof, contactFromKey(flow.phone), flow.vtok);
  } catch (err) {
    if (err instanceof AppError && err.code === 'wrong_password') throw new AppError('wrong_password', { field: 'password', cause: err });
    if (err instanceof AppError && err.code !== 'too_many_attempts') delete c.session.flow;
    throw err;
  }
  delete c.session.flow;
  spendProof(c, proof);
  const { user } = await c.auth.profile(c.call(), accessToken);
  return toPublicUser(user, caller.user?.anonymous ? 'anonymous' : undefined);
}
