import { z } from 'zod';
import { MAX } from '../forms.js';
import { GENDERS, PICTURE_MAX, USERNAME_RULE, isPictureUrl } from '../../flows/account/profile.js';
import { EMAIL_MAX } from '../../flows/account/contact.js';
import { CAPTCHA_ANSWER_MAX } from '../../flows/captcha.js';

/** Request bodies of the account self-service API (their OpenAPI schemas are generated from these). */

export const profileBody = z
  .strictObject({
    name: z.string().max(MAX.name).optional().describe('display name; "" empties it'),
    username: z.string().min(2).max(MAX.username).regex(USERNAME_RULE).optional().describe('2–48 letters, digits and -_.:+ @, starting with a letter or digit; a taken one is 409 `username_taken`'),
    gender: z.enum(GENDERS).optional(),
    picture: z.string().max(PICTURE_MAX).refine(isPictureUrl).optional().describe('an http(s) address of the picture; "" empties it'),
  })
  .meta({ minProperties: 1, description: 'only the fields given change; at least one' });

const captcha_answer = z.string().max(CAPTCHA_ANSWER_MAX).optional().describe('the characters of the captcha picture, when the last answer asked for one');

export const contactSendBody = z
  .strictObject({
    phone_number: z.string().min(1).max(MAX.phone).optional().describe('the new mainland China mobile number, as typed'),
    email: z.string().min(3).max(EMAIL_MAX).optional().describe('the new email address'),
    captcha_answer,
  })
  .meta({ description: 'exactly one of phone_number and email' });

export const contactVerifyBody = z.strictObject({
  verification_code: z.string().min(1).max(MAX.code).describe('the 6-digit code sent to the new contact'),
  password: z
    .string()
    .max(MAX.currentPassword)
    .optional()
    .describe('the current password, proved again; leave it out after re-authenticating by a code to the current phone or email'),
  captcha_answer,
});

export const reauthSendBody = z.strictObject({ captcha_answer });

export const reauthVerifyBody = z.strictObject({
  verification_code: z.string().min(1).max(MAX.code).describe('the 6-digit code sent to the account\'s own phone or email'),
  captcha_answer,
});

export const passwordChangeBody = z.strictObject({
  old_password: z
    .string()
    .max(MAX.currentPassword)
    .optional()
    .describe('the current password; leave it out after re-authenticating by a code (an account without a password must)'),
  new_password: z.string().min(1).max(MAX.password).describe('the new password'),
});

export const accountDeleteBody = z.strictObject({
  password: z
    .string()
    .max(MAX.currentPassword)
    .optional()
    .describe('the current password; leave it out after re-authenticating by a code (an account without a password must)'),
});
