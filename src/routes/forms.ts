import { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import type { MessageKey } from '../i18n/index.js';
import { EMAIL_MAX } from '../flows/sms/index.js';

/** Longest value each kind of field takes: shared by the forms and the JSON API's schemas. */
export const MAX = { phone: 40, code: 12, name: 48, username: 48, loginName: 128, password: 64, currentPassword: 128 } as const;

/**
 * A form's text field: absent means '' (the route decides whether it may be empty), a non-string (`a=1&a=2`) is
 * refused, and a value over `max` is refused with `tooLong`. Passwords are kept exactly as typed.
 */
function text(max: number, tooLong: MessageKey = 'err.invalid_input', trim = true) {
  const s = trim ? z.string().trim() : z.string();
  return s.max(max, { error: tooLong }).optional().transform((v) => v ?? '');
}
const secret = (max: number, tooLong?: MessageKey) => text(max, tooLong, false);

/** Every browser form's fields (the CSRF token and returnTo are read where they are checked). */
export const FORMS = {
  login: z.object({ username: text(MAX.loginName), password: secret(MAX.currentPassword) }),
  smsPhone: z.object({ phone_number: text(MAX.phone, 'err.invalid_phone') }),
  smsEmail: z.object({ email: text(EMAIL_MAX, 'err.invalid_email') }),
  smsCode: z.object({ verification_code: text(MAX.code, 'err.code_format') }),
  signupProfile: z.object({
    name: text(MAX.name, 'err.name_too_long'),
    username: text(MAX.username, 'err.username_too_long'),
    password: secret(MAX.password, 'err.password_too_long'),
    /** the consent checkbox ("yes" when ticked), shown and required only when TERMS_URL or PRIVACY_URL is set */
    consent: text(8),
  }),
  resetPassword: z.object({ new_password: secret(MAX.password, 'err.password_too_long') }),
  changePassword: z.object({ old_password: secret(MAX.currentPassword), new_password: secret(MAX.password, 'err.password_too_long') }),
  deleteAccount: z.object({ password: secret(MAX.currentPassword) }),
  /** a custom ticket the app's backend minted (`@cloudbase/node-sdk` `createTicket`), posted by the app's own page */
  ticket: z.object({ ticket: secret(8192) }),
};

/** The form's fields, validated; a 400 naming the first field at fault (and its own message when it is too long). */
export function readForm<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  const key = issue.code === 'too_big' ? (issue.message as MessageKey) : 'err.invalid_input';
  throw new AppError(issue.code === 'too_big' ? 'too_long' : 'invalid_input', { messageKey: key, ...(field ? { field } : {}) });
}
