/**
 * The account self-service routes of the OpenAPI document (profile, history), kept in their own module; `openapi.ts`
 * spreads `ACCOUNT_PATHS` into its paths. Same conventions as there: request bodies from the zod schemas the routes
 * validate with, answers by reference to `components`.
 */
import { z } from 'zod';
import { HISTORY_CURSOR, HISTORY_PAGE_SIZE } from '../../flows/account/history.js';
import { accountDeleteBody, contactSendBody, contactVerifyBody, passwordChangeBody, profileBody, reauthSendBody, reauthVerifyBody } from './account-schemas.js';

type Json = Record<string, unknown>;

function fromZod(schema: z.ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
  return rest;
}

const json = (schema: Json) => ({ 'application/json': { schema } });
const answer = (description: string, schemaName: string) => ({ description, content: json({ $ref: `#/components/schemas/${schemaName}` }) });
const failure = (name: string) => ({ $ref: `#/components/responses/${name}` });
const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });

const SIGNED_IN = [{ sessionCookie: [] }, { sessionToken: [] }];
const WRITE_HEADERS = [param('XCSRF'), param('XSessionMode')];
const ALWAYS = { '500': failure('Internal'), '503': failure('Unavailable') };
const WRITE = { '400': failure('BadRequest'), '403': failure('Forbidden'), '413': failure('PayloadTooLarge'), '415': failure('UnsupportedMediaType') };
const noContent = (description: string) => ({ description });
const UPSTREAM = { '429': failure('TooManyRequests'), '502': failure('BadGateway'), '504': failure('GatewayTimeout') };

export const ACCOUNT_TAGS = [{ name: 'account', description: 'The signed-in person\'s own account: profile, contact, password, deletion, re-authentication, sign-in history' }];

export const ACCOUNT_PATHS = {
  '/api/session/user': {
    patch: {
      operationId: 'editProfile',
      tags: ['account'],
      summary: 'Edit the profile (name, username, gender, picture); the session shows it at once',
      description:
        'Only the fields given change. A new username is checked for availability first: a taken one is 409 `username_taken` (field `username`). The answer is the session with the user as CloudBase now has it; `GET /api/session` shows the same from now on.',
      security: SIGNED_IN,
      parameters: WRITE_HEADERS,
      requestBody: { required: true, content: json(fromZod(profileBody)) },
      responses: { '200': answer('Saved', 'SessionState'), '401': failure('Unauthorized'), '409': failure('Conflict'), ...WRITE, ...UPSTREAM, ...ALWAYS },
    },
  },
  '/api/session/history': {
    get: {
      operationId: 'getSignInHistory',
      tags: ['account'],
      summary: 'The account\'s sign-ins, newest first, by pages (from CloudBase\'s security history)',
      description: `${HISTORY_PAGE_SIZE} per page. Pass \`next_cursor\` back as \`cursor\` for the next page; it is \`null\` on the last one. \`current\` marks the sign-ins of this session's device.`,
      security: SIGNED_IN,
      parameters: [
        { name: 'cursor', in: 'query', required: false, schema: { type: 'string', pattern: HISTORY_CURSOR.source }, description: '`next_cursor` of the previous page; absent for the first' },
      ],
      responses: { '200': answer('One page of sign-ins', 'SignInHistory'), '400': failure('BadRequest'), '401': failure('Unauthorized'), ...UPSTREAM, ...ALWAYS },
    },
  },
  '/api/sessions/revoke-all': {
    post: {
      operationId: 'signOutEverywhere',
      tags: ['sessions'],
      summary: 'Sign out everywhere: every session of the user ends, this one included, here and at CloudBase',
      description:
        'CloudBase ends all of the user\'s sessions (`DELETE /user/revoke/all`, which also reaches sign-ins made outside this gateway); every gateway session of the user ends, browser and token alike, however many; then this one signs out (its cookie is cleared). Should CloudBase not confirm, each ended session\'s tokens are revoked one by one instead.',
      security: SIGNED_IN,
      parameters: WRITE_HEADERS,
      responses: { '204': noContent('Signed out everywhere'), '401': failure('Unauthorized'), ...WRITE, ...ALWAYS },
    },
  },
  '/api/session/contact/send': {
    post: {
      operationId: 'sendContactCode',
      tags: ['account'],
      summary: 'Change phone or email, step 1: send a code to the new phone number or email',
      description:
        'Exactly one of `phone_number` and `email`. Guests cannot (403 `forbidden`). A second code to the same contact within `LIMIT_SMS_COOLDOWN_S` is 429 `resend_too_soon`; the SMS sending limits apply. CloudBase\'s verification id stays in the session.',
      security: SIGNED_IN,
      parameters: WRITE_HEADERS,
      requestBody: { required: true, content: json(fromZod(contactSendBody)) },
      responses: { '200': answer('Code sent', 'ContactCodeSent'), '401': failure('Unauthorized'), ...WRITE, ...UPSTREAM, ...ALWAYS },
    },
  },
  '/api/session/contact/verify': {
    post: {
      operationId: 'verifyContactChange',
      tags: ['account'],
      summary: 'Change phone or email, step 2: the code and the current password; the contact changes',
      description:
        'Re-authenticate by the current password, or leave `password` out after `POST /api/session/reauth/verify` (a code to the current phone or email; this change spends it); with neither, 403 `reauth_required` (field `password`). A wrong code is 400 `invalid_code`; a wrong password 403 `wrong_password` (the proven code is kept, so only the password is retried); a contact that belongs to another account 409 `contact_taken` (nothing changes, the flow ends); no step 1 409 `flow_expired`. The answer is the session with the new contact.',
      security: SIGNED_IN,
      parameters: WRITE_HEADERS,
      requestBody: { required: true, content: json(fromZod(contactVerifyBody)) },
      responses: { '200': answer('Changed', 'SessionState'), '401': failure('Unauthorized'), '409': failure('Conflict'), ...WRITE, ...UPSTREAM, ...ALWAYS },
    },
  },
  '/api/session/reauth/send': {
    post: {
      operationId: 'sendReauthCode',
      tags: ['account'],
      summary: 'Re-authenticate by a code, step 1: send a code to the account\'s own phone (or email, when it has no phone)',
      description:
        'For accounts without a password (made by a code), which change (set) their password, delete themselves or change their contact this way; any account may. `sent_to` names the contact, masked. Guests: 403 `forbidden`; an account with neither phone nor email: 403 `reauth_required`. A second code within `LIMIT_SMS_COOLDOWN_S` is 429 `resend_too_soon`; the SMS sending limits apply. CloudBase\'s verification id stays in the session.',
      security: SIGNED_IN,
      parameters: WRITE_HEADERS,
      requestBody: { required: false, content: json(fromZod(reauthSendBody)) },
      responses: { '200': answer('Code sent', 'ReauthCodeSent'), '401': failure('Unauthorized'), ...WRITE, ...UPSTREAM, ...ALWAYS },
    },
  },
  '/api/session/reauth/verify': {
    post: {
      operationId: 'verifyReauthCode',
      tags: ['account'],
      summary: 'Re-authenticate by a code, step 2: the code; the next sensitive step needs no password',
      description:
        'CloudBase gives a sudo token for the code (`POST /user/sudo {verification_token}`); it stays in the session until `reauthenticated_until`, and the next `POST /api/session/password`, `POST /api/session/delete` or `POST /api/session/contact/verify` without a password spends it. A wrong code is 400 `invalid_code` (after `LIMIT_CODE_GUESSES` a new code is needed); no step 1 409 `flow_expired`.',
      security: SIGNED_IN,
      parameters: WRITE_HEADERS,
      requestBody: { required: true, content: json(fromZod(reauthVerifyBody)) },
      responses: { '200': answer('Re-authenticated', 'Reauthenticated'), '401': failure('Unauthorized'), '409': failure('Conflict'), ...WRITE, ...UPSTREAM, ...ALWAYS },
    },
  },
  '/api/session/password': {
    post: {
      operationId: 'changePassword',
      tags: ['account'],
      summary: 'Change the password, or set one for an account that has none',
      description:
        'Proved by `old_password`, or without it by a code re-authentication (`/api/session/reauth/*`; an account without a password must). With neither: 403 `reauth_required` (field `old_password`); a wrong one: 403 `wrong_password`; a password typed for an account that has none: 403 `reauth_required`. CloudBase signs the user\'s other sessions out; the gateway ends them too, and this session signs in again with the new password (a new session id; in token mode a new `session_token`).',
      security: SIGNED_IN,
      parameters: WRITE_HEADERS,
      requestBody: { required: true, content: json(fromZod(passwordChangeBody)) },
      responses: { '200': answer('Changed; signed in again', 'SessionState'), '401': failure('Unauthorized'), ...WRITE, ...UPSTREAM, ...ALWAYS },
    },
  },
  '/api/session/delete': {
    post: {
      operationId: 'deleteAccount',
      tags: ['account'],
      summary: 'Delete the account; every session of it ends, this one included',
      description:
        'Proved by `password`, or without it by a code re-authentication (`/api/session/reauth/*`; an account without a password must). With neither: 403 `reauth_required` (field `password`); a wrong password: 403 `wrong_password`.',
      security: SIGNED_IN,
      parameters: WRITE_HEADERS,
      requestBody: { required: false, content: json(fromZod(accountDeleteBody)) },
      responses: { '204': noContent('Deleted and signed out'), '401': failure('Unauthorized'), ...WRITE, ...UPSTREAM, ...ALWAYS },
    },
  },
};
