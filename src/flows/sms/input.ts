import { AppError } from '../../errors/app-error.js';
import type { Contact } from '../../services/auth.js';
import { normalizePhone } from '../../phone.js';

/** What an unusable verification looks like to a person: the same words as a wrong code, so reset reveals nothing. */
export const invalidCode = () => new AppError('invalid_code', { field: 'verification_code' });

/** A typed number in CloudBase's `+86 ` form, or a 400 with the clear phone message. */
export function phoneNumber(typed: string): string {
  const phone = normalizePhone(typed.trim());
  if (!phone) throw new AppError('invalid_phone', { field: 'phone_number' });
  return phone;
}

/** The longest address RFC 5321 lets through. */
export const EMAIL_MAX = 254;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A typed email address, trimmed and lower-cased (one account per address, however it is typed), or a clear 400. */
export function emailAddress(typed: string): string {
  const email = typed.trim().toLowerCase();
  if (email.length > EMAIL_MAX || !EMAIL.test(email)) throw new AppError('invalid_input', { field: 'email', messageKey: 'err.invalid_email' });
  return email;
}

/** Where a code goes: exactly one of a phone number and an email address, as typed. */
export interface TypedContact {
  phone_number?: string | undefined;
  email?: string | undefined;
}

/** The typed contact checked and put in CloudBase's form; neither or both is a 400 saying to give one. */
export function contactOf(typed: TypedContact): Contact {
  if ((typed.phone_number === undefined) === (typed.email === undefined)) throw new AppError('invalid_input', { messageKey: 'api.contact_one' });
  return typed.email !== undefined ? { email: emailAddress(typed.email) } : { phone_number: phoneNumber(typed.phone_number!) };
}

/**
 * A flow keeps its contact as one string (`FlowState.phone`): a `+86 ` number or an email address, told apart by the
 * `@` no phone number has.
 */
export const contactKey = (contact: Contact): string => contact.phone_number ?? contact.email;
export const contactFromKey = (key: string): Contact => (key.includes('@') ? { email: key } : { phone_number: key });

/** A typed code as six ASCII digits; full-width digits and spaces from pasting are accepted. */
export function verificationCode(typed: string): string {
  const code = typed.trim().normalize('NFKC').replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) throw new AppError('invalid_code_format', { field: 'verification_code' });
  return code;
}
