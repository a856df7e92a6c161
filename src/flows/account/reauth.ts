import type { OwnContact, Proof } from '../../services/auth.js';
import type { PublicUser } from '../../session/types.js';
import { maskPhone } from '../../phone.js';
import { AppError, flowExpired } from '../../errors/app-error.js';
import { solveCaptcha } from '../captcha.js';
import type { FlowContext } from '../context.js';
import { invalidCode, verificationCode } from '../sms/input.js';

/** The signed-in caller (the same shape as index.ts's SignedInCaller, which imports this module). */
interface SignedInCaller {
  user: PublicUser | undefined;
  accessToken(): Promise<string>;
}

/**
 * Re-authentication by a code to the account's own phone or email (`POST /verification` target `CUR_USER` →
 * `/verification/verify` → `POST /user/sudo {verification_token}`): how an account without a password changes (sets)
 * its password, deletes itself, or changes its contact; any account may use it instead of its password. The sudo token
 * waits in the session (sealed) for the one step it was got for, and is spent by it.
 */

/** The sudo token is used only this long before CloudBase's own expiry, so it never dies between check and use. */
const SUDO_MARGIN_MS = 60_000;

/** The contact a code goes to: the phone when the account has one (SMS), else its email; undefined with neither. */
export function ownContact(user: PublicUser | undefined): OwnContact | undefined {
  if (user?.phone_number) return { phone_number: user.phone_number };
  if (user?.email) return { email: user.email };
  return undefined;
}

/** "+86 138****0000" or "z***@example.com": enough for the owner to recognise, not enough to learn the contact. */
export function maskContact(key: string): string {
  const at = key.indexOf('@');
  if (at < 0) return maskPhone(key);
  return `${key.slice(0, 1)}***${key.slice(at)}`;
}

const keyOf = (contact: OwnContact) => contact.phone_number ?? contact.email;

/** Where a code for the caller would go (masked), or undefined when the account has no phone or email. */
export function reauthTarget(user: PublicUser | undefined): string | undefined {
  const contact = ownContact(user);
  return contact ? maskContact(keyOf(contact)) : undefined;
}

export interface ReauthStatus {
  /** a code went out and waits to be typed: to this (masked) contact */
  codeSentTo: string | undefined;
  /** epoch ms until which the re-authentication holds; undefined when there is none */
  until: number | undefined;
  /** epoch ms when a new code may be asked for */
  resendAt: number | undefined;
}

/** What the session holds of a re-authentication now. */
export function reauthStatus(c: Pick<FlowContext, 'session' | 'now'>): ReauthStatus {
  const r = c.session.reauth;
  const until = r?.sudo && r.until && r.until > c.now() ? r.until : undefined;
  return { codeSentTo: r?.vid ? maskContact(r.to) : undefined, until, resendAt: r?.resendAt };
}

function assertRegistered(caller: SignedInCaller): OwnContact {
  if (!caller.user || caller.user.anonymous) throw new AppError('forbidden');
  const contact = ownContact(caller.user);
  if (!contact) throw new AppError('reauth_required', { messageKey: 'err.reauth_no_contact' });
  return contact;
}

/** Sends a code to the account's own phone or email; a resend before the cooldown is refused here. */
export async function sendReauthCode(c: FlowContext, caller: SignedInCaller, cooldownS: number): Promise<{ expiresIn: number; sentTo: string }> {
  const contact = assertRegistered(caller);
  const key = keyOf(contact);
  const now = c.now();
  const previous = c.session.reauth?.to === key ? c.session.reauth : undefined;
  if (previous?.resendAt && previous.resendAt > now) {
    throw new AppError('resend_too_soon', { retryAfterS: Math.ceil((previous.resendAt - now) / 1000) });
  }
  const captchaToken = await solveCaptcha(c);
  const sent = await c.auth.sendOwnCode(c.call(captchaToken), await caller.accessToken(), contact);
  c.session.reauth = { to: key, vid: sent.vid, resendAt: now + cooldownS * 1000 };
  return { expiresIn: sent.expiresIn, sentTo: maskContact(key) };
}

/** Proves the code; the session is re-authenticated (holds a sudo token) until the answer's time. */
export async function verifyReauthCode(c: FlowContext, caller: SignedInCaller, input: { code: string }): Promise<{ until: number }> {
  assertRegistered(caller);
  const pending = c.session.reauth;
  if (!pending?.vid) throw flowExpired();
  const code = verificationCode(input.code);
  const captchaToken = await solveCaptcha(c);
  const vtok = await c.auth.verifyCode(c.call(captchaToken), pending.vid, code).catch((e: unknown) => {
    throw e instanceof AppError && e.code === 'invalid_code' ? invalidCode() : e;
  });
  const { sudoToken, expiresIn } = await c.auth.sudoByCode(c.call(), await caller.accessToken(), vtok);
  const until = c.now() + Math.max(0, expiresIn * 1000 - SUDO_MARGIN_MS);
  c.session.reauth = { to: pending.to, sudo: sudoToken, until };
  return { until };
}

/**
 * The proof for a sensitive step: the password when one was typed, else the session's code re-authentication; with
 * neither, `reauth_required` on `field`.
 */
export function proofFor(c: Pick<FlowContext, 'session' | 'now'>, password: string | undefined, field: string): Proof {
  if (password) return { password };
  const r = c.session.reauth;
  if (r?.sudo && r.until && r.until > c.now()) return { sudoToken: r.sudo };
  throw new AppError('reauth_required', { field, messageKey: 'err.reauth_password_or_code' });
}

/** A step that used the code re-authentication spends it: the next sensitive step proves itself again. */
export function spendProof(c: Pick<FlowContext, 'session'>, proof: Proof): void {
  if (proof.sudoToken !== undefined) delete c.session.reauth;
}
