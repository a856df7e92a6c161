import { z } from 'zod';
import { MAX } from '../forms.js';
import { CAPTCHA_ANSWER_MAX } from '../../flows/captcha.js';

/** Request bodies of the JSON API. The OpenAPI document is generated from these, so the two cannot drift. */

const captcha_answer = z.string().max(CAPTCHA_ANSWER_MAX).optional().describe('the characters of the captcha picture, when the last answer asked for one');

export const loginBody = z.strictObject({
  username: z.string().min(1).max(MAX.loginName).describe('username, email or phone number'),
  password: z.string().min(1).max(MAX.currentPassword),
  captcha_answer,
});

export const anonymousBody = z.strictObject({});

export const smsPurpose = z.enum(['signup', 'login', 'reset']);

export const smsSendBody = z.strictObject({
  phone_number: z.string().min(1).max(MAX.phone).describe('a mainland China mobile number, as typed'),
  purpose: smsPurpose,
  captcha_answer,
});

export const smsVerifyBody = z.strictObject({
  verification_code: z.string().min(1).max(MAX.code).describe('the 6-digit code from the SMS'),
  captcha_answer,
});

export const signupBody = z.strictObject({
  name: z.string().max(MAX.name).optional(),
  username: z.string().max(MAX.username).optional(),
  password: z.string().max(MAX.password).optional(),
  consent: z
    .boolean()
    .optional()
    .describe('true once the person accepted the terms and privacy policy; required (else 400 `consent_required`, field `consent`) when the gateway shows them, i.e. TERMS_URL or PRIVACY_URL is set'),
  captcha_answer,
});

export const resetBody = z.strictObject({
  new_password: z.string().min(1).max(MAX.password),
  captcha_answer,
});
