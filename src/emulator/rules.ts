import { assert } from './errors.js';

/** CloudBase's wire format: `+86`, one space, 11 digits starting with 1. */
const PHONE = /^\+86 1\d{10}$/;
/** Doc rule: 2–48 chars of letters, digits and `-_.:+ @`, starting with a letter or digit. */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9\-_.:+ @]{1,47}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function assertPhone(phone: string): void {
  assert(PHONE.test(phone), 'invalid_phone_number', 'phone number must look like "+86 13800000000"');
}

export function assertEmail(email: string): void {
  assert(EMAIL.test(email) && email.length <= 254, 'invalid_argument', 'email is invalid');
}

export function assertUsername(username: string): void {
  assert(
    USERNAME.test(username),
    'invalid_argument',
    'username must be 2-48 characters of letters, digits and -_.:+ @, starting with a letter or digit',
  );
}

/**
 * The emulator's password policy (the real one is set per environment in the console): 8–64 characters drawn from at
 * least two of the classes upper-case, lower-case, digit, other.
 */
export function assertStrongPassword(password: string): void {
  const classes = [/[A-Z]/, /[a-z]/, /\d/, /[^A-Za-z\d]/].filter((re) => re.test(password)).length;
  assert(
    password.length >= 8 && password.length <= 64 && classes >= 2,
    'weak_password',
    'password must be 8-64 characters and mix at least two of upper-case, lower-case, digits and symbols',
  );
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Digits of a phone number with the country code, for lenient lookups ("+86 138…", "8613…", "138…"). */
export function phoneDigits(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length === 11 && digits.startsWith('1') ? `86${digits}` : digits;
}
