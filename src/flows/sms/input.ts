import { AppError } from '../../errors/app-error.js';
import { normalizePhone } from '../../phone.js';

/** What an unusable verification looks like to a person: the same words as a wrong code, so reset reveals nothing. */
export const invalidCode = () => new AppError('invalid_code', { field: 'verification_code' });

/** A typed number in CloudBase's `+86 ` form, or a 400 with the clear phone message. */
export function phoneNumber(typed: string): string {
  const phone = normalizePhone(typed.trim());
  if (!phone) throw new AppError('invalid_phone', { field: 'phone_number' });
  return phone;
}

/** A typed code as six ASCII digits; full-width digits and spaces from pasting are accepted. */
export function verificationCode(typed: string): string {
  const code = typed.trim().normalize('NFKC').replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) throw new AppError('invalid_code_format', { field: 'verification_code' });
  return code;
}
