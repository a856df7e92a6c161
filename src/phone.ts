import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Turns a mainland China mobile number as a person types it (`13800000000`, `+86 138 0000 0000`, `+8613800000000`,
 * `0086…`, full-width digits, dashes) into CloudBase's form `+86 13800000000`; undefined when it is not one.
 * CloudBase sends SMS to mainland China numbers only.
 */
export function normalizePhone(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 40) return undefined;
  const folded = input.normalize('NFKC').trim();
  if (!/^[+\d\s().-]+$/.test(folded)) return undefined;
  const compact = folded.replace(/^00/, '+');
  const parsed = parsePhoneNumberFromString(compact, 'CN');
  if (!parsed || parsed.countryCallingCode !== '86' || !parsed.isValid()) return undefined;
  const type = parsed.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return undefined;
  return `+86 ${parsed.nationalNumber}`;
}

/** "+86 138****0000", for showing which number a code went to. */
export function maskPhone(phone: string): string {
  const national = phone.replace(/^\+86\s*/, '');
  return national.length === 11 ? `+86 ${national.slice(0, 3)}****${national.slice(7)}` : phone;
}

/** A phone number typed as a sign-in name goes upstream in CloudBase's `+86 ` form; anything else as typed. */
export function loginName(input: string): string {
  if (/^[+\d\s()．０-９-]+$/.test(input)) return normalizePhone(input) ?? input;
  return input;
}
