import { z } from 'zod';
import { MAX } from '../forms.js';
import { CAPTCHA_ANSWER_MAX } from '../../flows/captcha.js';
import { EMAIL_MAX } from '../../flows/sms/index.js';

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

export const codeSendBody = z
  .strictObject({
    phone_number: z.string().min(1).max(MAX.phone).optional().describe('a mainland China mobile number, as typed (the code goes by SMS)'),
    email: z.string().min(1).max(EMAIL_MAX).optional().describe('an email address (the code goes by mail)'),
    purpose: smsPurpose,
    captcha_answer,
  })
  .meta({ description: 'exactly one of phone_number and email' });

export const codeVerifyBody = z.strictObject({
  verification_code: z.string().min(1).max(MAX.code).describe('the 6-digit code from the SMS or the mail'),
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

// Third-party providers and custom tickets.

const provider_id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).describe('a CloudBase provider id this gateway offers (AUTH_PROVIDERS), e.g. `wx_open`');

export const providerStartBody = z.strictObject({
  provider_id,
  returnTo: z.string().max(2048).optional().describe('same-origin path to land on after the callback (anything else lands on `/`)'),
});

export const providerCodeBody = z.strictObject({
  provider_id,
  code: z.string().min(1).max(2048).describe('the code the provider gave the app (native apps, WeChat mini programs)'),
  code_type: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).optional().describe('CloudBase `provider_code_type`, e.g. `open_id`, `union_id`, `phone`'),
});

export const ticketBody = z.strictObject({
  ticket: z.string().min(1).max(8192).describe('a ticket minted by the app\'s backend with `@cloudbase/node-sdk` `createTicket(uid)`'),
});
