import { z } from 'zod';
import type { MessageKey } from '../i18n/index.js';
import { MAX } from './forms.js';
import { PICTURE_MAX } from '../flows/account/profile.js';
import { EMAIL_MAX } from '../flows/account/contact.js';

/** The account self-service forms' fields (kept beside `FORMS`, read with `readForm`). */
/**
 * Every field of the profile form must be there, each one string: its empty fields mean something (an emptied name),
 * so a post that lacks one (or sends `name[x]`) is not taken for a request to empty it.
 */
const present = (max: number, tooLong: MessageKey = 'err.invalid_input') => z.string().trim().max(max, { error: tooLong });

export const ACCOUNT_FORMS = {
  profile: z.object({
    name: present(MAX.name, 'err.name_too_long'),
    username: present(MAX.username, 'err.username_too_long'),
    gender: present(8),
    picture: present(PICTURE_MAX, 'err.picture_url'),
  }),
  contactNew: z.object({
    phone_number: z.string().trim().max(MAX.phone, { error: 'err.invalid_phone' }).optional(),
    email: z.string().trim().max(EMAIL_MAX, { error: 'err.invalid_email' }).optional(),
  }),
  reauthCode: z.object({
    verification_code: z.string().trim().max(MAX.code, { error: 'err.code_format' }).optional().transform((v) => v ?? ''),
  }),
  contactVerify: z.object({
    verification_code: z.string().trim().max(MAX.code, { error: 'err.code_format' }).optional().transform((v) => v ?? ''),
    password: z.string().max(MAX.currentPassword).optional().transform((v) => v ?? ''),
  }),
};
