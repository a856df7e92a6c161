/**
 * The OpenAPI document of the JSON API (a reason to exceed ~250 lines: most of it is prose and per-route data, not
 * logic). Request bodies come from the zod schemas the routes validate with (`schemas.ts`), answer bodies from
 * `responses.ts`.
 */
import type { Router } from 'express';
import { z } from 'zod';
import { COOKIES, cookieName } from '../../config/index.js';
import type { RouteDeps } from '../deps.js';
import { LIST_PAGE_SIZE } from '../../session/directory.js';
import { anonymousBody, codeSendBody, codeVerifyBody, loginBody, providerCodeBody, providerStartBody, resetBody, signupBody, smsSendBody, smsVerifyBody, ticketBody } from './schemas.js';
import { responseComponents } from './responses.js';
import { SESSION_CHALLENGE } from './challenge.js';
import { ACCOUNT_PATHS, ACCOUNT_TAGS } from './openapi-account.js';

type Json = Record<string, unknown>;

/** A request body's JSON Schema, generated from the zod schema the route validates with. */
function fromZod(schema: z.ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const body = (schema: z.ZodType, description?: string) => ({ required: true, ...(description ? { description } : {}), content: json(fromZod(schema)) });
const answer = (description: string, schemaName: string) => ({ description, content: json(ref(schemaName)) });
const noContent = (description: string) => ({ description });
const failure = (name: string) => ({ $ref: `#/components/responses/${name}` });
const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });

/** Statuses any call may meet: the session store or the gateway itself failing. */
const ALWAYS = { '500': failure('Internal'), '503': failure('Unavailable') };
/** Statuses of a state-changing call: CSRF, and the body rules. */
const WRITE = { '400': failure('BadRequest'), '403': failure('Forbidden'), '413': failure('PayloadTooLarge'), '415': failure('UnsupportedMediaType') };
/** Statuses of a call that reaches CloudBase. */
const UPSTREAM = { '429': failure('TooManyRequests'), '502': failure('BadGateway'), '504': failure('GatewayTimeout') };
/** What proving a code answers, by either channel (`code/verify`, `sms/verify`): signed in, or the step that follows. */
const CODE_VERIFIED = {
  '200': { description: 'Signed in, or the next step', content: json({ oneOf: [ref('SessionState'), ref('NextStep')] }) },
  '401': failure('Unauthorized'),
  '409': failure('Conflict'),
  ...WRITE,
  ...UPSTREAM,
  ...ALWAYS,
};

const SIGNED_IN = [{ sessionCookie: [] }, { sessionToken: [] }];
/** Sign-in calls work with a session or without one (`{}`): a token-mode flow carries its pre-login token. */
const ANY_CALLER = [{}, ...SIGNED_IN];
const WRITE_HEADERS = [param('XCSRF'), param('XSessionMode')];

const errorResponses: Record<string, string> = {
  BadRequest:
    'Malformed JSON (`invalid_json`), a body that breaks its schema (`invalid_input`, with `field`), a wrong or expired code (`invalid_code`, `invalid_code_format`), an invalid phone (`invalid_phone`), an invalid email (`invalid_input`, field `email`), a weak password (`weak_password`), sign-up without the consent the gateway asks for (`consent_required`, field `consent`), or a captcha to solve (`captcha_required`, `captcha_wrong`: `captcha` is set; retry with `captcha_answer`); a used or expired provider code or token (`provider_code_invalid`); a provider start in token mode (`token_mode_unsupported`).',
  Unauthorized: 'Not signed in (`not_signed_in`), the session ended (`session_expired`), or wrong credentials (`login_failed`, `ticket_invalid`).',
  Forbidden:
    '`csrf_failed` (a cookie-mode write without `X-CSRF: 1`, or from another origin), or an account state CloudBase refuses (`account_blocked`, `account_pending`, `method_disabled`, `phone_required`, `provider_signup_required`, …).',
  NotFound: 'No such route (`not_found`), or no such session of this user (`session_not_found`), or a provider this gateway does not offer (`provider_unknown`).',
  Conflict: 'The flow step expired or was never started (`flow_expired`), or the account or username exists (`already_exists`, `username_taken`), or a new phone or email belongs to another account (`contact_taken`), or a provider identity another account has (`provider_bind_refused`).',
  PayloadTooLarge: 'The body is over 16 kB (`payload_too_large`).',
  UnsupportedMediaType: 'A body that is not `application/json` (`unsupported_media_type`).',
  TooManyRequests: 'Too many attempts or codes (`rate_limited`, `too_many_attempts`, `resend_too_soon`); see `Retry-After`.',
  Internal: 'The gateway failed (`internal`).',
  BadGateway: 'CloudBase (or a proxied backend) answered with an error or could not be reached (`upstream_error`, `gateway_misconfigured`, `upstream_unreachable`).',
  Unavailable: 'Sessions or CloudBase are unavailable right now (`store_unavailable`, `upstream_unavailable`); see `Retry-After`.',
  GatewayTimeout: 'CloudBase or a proxied backend took too long (`upstream_timeout`).',
};

/** The picture routes live beside the forms, so a miss answers the HTML error page, not the JSON error. */
const CAPTCHA_ID = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: '`captcha.id` of the error' };
const CAPTCHA_TYPES = ['image/png', 'image/gif', 'image/jpeg', 'image/svg+xml'];
const HTML_NOT_FOUND = { description: 'No captcha of this id in this session (an HTML error page)', content: { 'text/html': { schema: { type: 'string' } } } };

const retryAfter = { 'Retry-After': { description: 'seconds to wait before trying again', schema: { type: 'integer' } } };
const wwwAuthenticate = {
  'WWW-Authenticate': {
    description: `\`${SESSION_CHALLENGE}\` on every 401: a token-mode app signs in again and sends \`Authorization: Session <session_token>\`; a cookie client signs in again (the cookie follows by itself).`,
    schema: { type: 'string', const: SESSION_CHALLENGE },
  },
};

/** OpenAPI 3.1 description of the JSON session API and the proxy, served at `GET /api/openapi.json`. */
export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'CloudBase session gateway: JSON session API',
    version: '1',
    description:
      'Sessions for single-page and native apps in front of CloudBase Auth v2. Browsers use the session cookie; native apps send `X-Session-Mode: token` on sign-in calls, get a `session_token` in the body (no cookie), and then send `Authorization: Session <session_token>`. A multi-step flow (sms/send → sms/verify → signup) gets its token from its first call and the signed-in one at the end. Messages are in English unless `Accept-Language` or `?lang=` picks Chinese.',
  },
  servers: [{ url: '/' }],
  tags: [
    { name: 'session', description: 'The caller\'s own session: who is signed in, sign-in and sign-out' },
    { name: 'sms', description: 'The code flows: sign-in, sign-up and password reset by a code sent by SMS or by mail' },
    { name: 'provider', description: 'Third-party providers (AUTH_PROVIDERS) and custom tickets' },
    { name: 'sessions', description: 'The signed-in user\'s sessions on every device' },
    { name: 'captcha', description: 'The picture of a captcha CloudBase asked for (an error\'s `captcha.image_url`); shared with the HTML forms' },
    { name: 'proxy', description: 'Calls to the configured backends with the CloudBase access token' },
    { name: 'meta', description: 'About the API itself' },
    ...ACCOUNT_TAGS,
  ],
  paths: {
    '/api/session': {
      get: {
        operationId: 'getSession',
        tags: ['session'],
        summary: 'Who is signed in',
        security: ANY_CALLER,
        responses: { '200': answer('Signed in', 'SessionState'), '401': { ...answer('Signed out', 'SignedOut'), headers: wwwAuthenticate }, ...ALWAYS },
      },
      delete: {
        operationId: 'signOut',
        tags: ['session'],
        summary: 'Sign out: revokes the CloudBase tokens, ends the session and clears the cookie',
        security: ANY_CALLER,
        parameters: WRITE_HEADERS,
        responses: { '204': noContent('Signed out (also when no one was signed in)'), ...WRITE, ...ALWAYS },
      },
    },
    '/api/session/login': {
      post: {
        operationId: 'signIn',
        tags: ['session'],
        summary: 'Sign in with a username, email or phone number and a password',
        description:
          'A device that signed in to the account before is judged on its own attempt limit, not on the account\'s: a browser keeps the proof in an httpOnly cookie; a token-mode app gets `device_token` and sends it back as `X-Device-Token`. Too many attempts: 429 `too_many_attempts` with `Retry-After`. Over a signed-in session (another account or the same), the old session ends: a new session id, and its CloudBase tokens are revoked.',
        security: ANY_CALLER,
        parameters: [...WRITE_HEADERS, param('XDeviceToken')],
        requestBody: body(loginBody),
        responses: { '200': answer('Signed in (a new session id)', 'SessionState'), '401': failure('Unauthorized'), ...WRITE, ...UPSTREAM, ...ALWAYS },
      },
    },
    '/api/session/anonymous': {
      post: {
        operationId: 'signInAnonymously',
        tags: ['session'],
        summary: 'Sign in as a guest',
        security: ANY_CALLER,
        parameters: WRITE_HEADERS,
        requestBody: { ...body(anonymousBody), required: false },
        responses: { '200': answer('Signed in as a guest', 'SessionState'), ...WRITE, ...UPSTREAM, ...ALWAYS },
      },
    },
    '/api/session/provider/start': {
      post: {
        operationId: 'startProviderSignIn',
        tags: ['provider'],
        summary: 'Start signing in with a provider: the URL to send the browser to',
        description:
          'For single-page apps that navigate themselves. A single-use `state` (10 minutes) is kept in this browser\'s session (cookie mode): the provider sends the browser back to `GET /login/provider/callback`, which signs in and lands on `returnTo`. A provider not in AUTH_PROVIDERS is 404 `provider_unknown`; one CloudBase has turned off is 403 `method_disabled`. Cookie mode only: the callback can only end in a browser\'s cookie session, so a call in token mode (`X-Session-Mode: token` or `Authorization: Session …`) is 400 `token_mode_unsupported`, whose message says to use `POST /api/session/provider/code` instead.',
        security: [{}, { sessionCookie: [] }],
        parameters: WRITE_HEADERS,
        requestBody: body(providerStartBody),
        responses: { '200': answer('Where to navigate', 'ProviderRedirect'), '404': failure('NotFound'), ...WRITE, ...UPSTREAM, ...ALWAYS },
      },
    },
    '/api/session/provider/code': {
      post: {
        operationId: 'signInWithProviderCode',
        tags: ['provider'],
        summary: 'Sign in with a provider code a native app or mini program got itself (no redirect)',
        description:
          'The gateway exchanges the code for a provider token and signs in; neither the provider token nor CloudBase\'s tokens leave the gateway. With `X-Session-Mode: token` the answer carries `session_token`. A used or expired code is 400 `provider_code_invalid`; an identity CloudBase will not sign up by itself is 403 `provider_signup_required`: the session keeps its provider token (in token mode the error carries `session_token`), so a code sign-up that follows (`code/send` purpose signup → `code/verify` → `signup`) binds the identity to the new account.',
        security: ANY_CALLER,
        parameters: WRITE_HEADERS,
        requestBody: body(providerCodeBody),
        responses: { '200': answer('Signed in (a new session id)', 'SessionState'), '404': failure('NotFound'), ...WRITE, ...UPSTREAM, ...ALWAYS },
      },
    },
    '/api/session/ticket': {
      post: {
        operationId: 'signInWithTicket',
        tags: ['provider'],
        summary: 'Sign in with a custom ticket minted by the app\'s backend (`@cloudbase/node-sdk` `createTicket(uid)`)',
        description: 'A bad, expired or foreign ticket is 401 `ticket_invalid`. With `X-Session-Mode: token` the answer carries `session_token`.',
        security: ANY_CALLER,
        parameters: WRITE_HEADERS,
        requestBody: body(ticketBody),
        responses: { '200': answer('Signed in (a new session id)', 'SessionState'), '401': failure('Unauthorized'), ...WRITE, ...UPSTREAM, ...ALWAYS },
      },
    },
    '/api/session/code/send': {
      post: {
        operationId: 'sendCode',
        tags: ['sms'],
        summary: 'Send a code by SMS (phone_number) or by mail (email) and start (or restart) a flow',
        description:
          'The general form of `sms/send`: exactly one of `phone_number` and `email` (neither or both is 400 `invalid_input`; a malformed address is 400 `invalid_input` with `field: "email"`). CloudBase\'s verification id stays in the session. The answer is the same for a contact with an account and one without: `code/verify` tells what comes next once the code is proved.',
        security: ANY_CALLER,
        parameters: WRITE_HEADERS,
        requestBody: body(codeSendBody),
        responses: { '200': answer('Code sent', 'CodeSent'), '409': failure('Conflict'), ...WRITE, ...UPSTREAM, ...ALWAYS },
      },
    },
    '/api/session/code/verify': {
      post: {
        operationId: 'verifyCode',
        tags: ['sms'],
        summary: 'Check the code of the current flow (sent by SMS or by mail)',
        description:
          'The same step as `sms/verify`, for either channel. Signs in when the phone or email has an account (purpose login, or signup of a registered one). Otherwise the verified code is kept for the next step: `next: "signup"` → `POST /api/session/signup`, `next: "reset_password"` → `POST /api/session/password/reset`.',
        security: ANY_CALLER,
        parameters: WRITE_HEADERS,
        requestBody: body(codeVerifyBody),
        responses: CODE_VERIFIED,
      },
    },
    '/api/session/sms/send': {
      post: {
        operationId: 'sendSmsCode',
        tags: ['sms'],
        summary: 'Send an SMS code and start (or restart) a flow',
        description:
          'CloudBase\'s verification id stays in the session. The answer is the same for a number with an account and one without: `sms/verify` tells what comes next once the code is proved.',
        security: ANY_CALLER,
        parameters: WRITE_HEADERS,
        requestBody: body(smsSendBody),
        responses: { '200': answer('Code sent', 'CodeSent'), '409': failure('Conflict'), ...WRITE, ...UPSTREAM, ...ALWAYS },
      },
    },
    '/api/session/sms/verify': {
      post: {
        operationId: 'verifySmsCode',
        tags: ['sms'],
        summary: 'Check the code of the current flow',
        description:
          'Signs in when the number has an account (purpose login, or signup of a registered number). Otherwise the verified code is kept for the next step: `next: "signup"` → `POST /api/session/signup`, `next: "reset_password"` → `POST /api/session/password/reset`.',
        security: ANY_CALLER,
        parameters: WRITE_HEADERS,
        requestBody: body(smsVerifyBody),
        responses: CODE_VERIFIED,
      },
    },
    '/api/session/signup': {
      post: {
        operationId: 'signUp',
        tags: ['sms'],
        summary: 'Create the account for the verified phone or email (after code/verify or sms/verify said next: signup)',
        description:
          'When a provider sign-in ended in 403 `provider_signup_required` in this session (the browser callback or `provider/code`), its identity is bound to the new account (CloudBase `provider_token`, kept in the session, never sent to the caller). A provider token CloudBase no longer accepts is 400 `provider_code_invalid` and one whose identity another account took meanwhile 409 `provider_bind_refused`: nothing is created, the identity is forgotten, and a new try signs up without it.',
        security: ANY_CALLER,
        parameters: WRITE_HEADERS,
        requestBody: { ...body(signupBody), required: false },
        responses: { '200': answer('Account created and signed in (a new session id)', 'SessionState'), '401': failure('Unauthorized'), '409': failure('Conflict'), ...WRITE, ...UPSTREAM, ...ALWAYS },
      },
    },
    '/api/session/password/reset': {
      post: {
        operationId: 'resetPassword',
        tags: ['sms'],
        summary: 'Set a new password for the verified phone or email (after code/verify or sms/verify said next: reset_password)',
        description: 'Not part of the contract\'s list: completes the `reset` purpose. The caller stays signed out, and every session of the account ends, browser and token alike, here and at CloudBase.',
        security: ANY_CALLER,
        parameters: WRITE_HEADERS,
        requestBody: body(resetBody),
        responses: { '204': noContent('Password changed'), '409': failure('Conflict'), ...WRITE, ...UPSTREAM, ...ALWAYS },
      },
    },
    '/api/sessions': {
      get: {
        operationId: 'listSessions',
        tags: ['sessions'],
        summary: "The signed-in user's sessions, browser and token alike, by pages",
        description: `Newest sign-in first, ${LIST_PAGE_SIZE} per page; the first page starts with the current session. Pass \`next_cursor\` back as \`cursor\` for the next page; it is \`null\` on the last one. Sessions found ended on the way (timed out, data lost, unreadable) are left out and ended at CloudBase by their device (\`DELETE /user/authorized/devices/{id}\`).`,
        security: SIGNED_IN,
        parameters: [
          { name: 'cursor', in: 'query', required: false, schema: { type: 'string', pattern: '^[0-9]{1,15}$' }, description: '`next_cursor` of the previous page; absent for the first' },
        ],
        responses: { '200': answer('One page of sessions', 'SessionList'), '400': failure('BadRequest'), '401': failure('Unauthorized'), ...ALWAYS },
      },
    },
    '/api/sessions/{id}': {
      delete: {
        operationId: 'endSession',
        tags: ['sessions'],
        summary: 'End one session (its CloudBase tokens are revoked; its device, when they cannot be used); the current one signs out',
        security: SIGNED_IN,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: '`id` from the list' }, ...WRITE_HEADERS],
        responses: { '204': noContent('Ended'), '401': failure('Unauthorized'), '404': failure('NotFound'), ...WRITE, ...ALWAYS },
      },
    },
    '/api/sessions/revoke-others': {
      post: {
        operationId: 'revokeOtherSessions',
        tags: ['sessions'],
        summary: 'End every session of the user but this one, however many',
        security: SIGNED_IN,
        parameters: WRITE_HEADERS,
        responses: { '200': answer('How many were ended', 'Revoked'), '401': failure('Unauthorized'), ...WRITE, ...ALWAYS },
      },
    },
    '/api/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        tags: ['meta'],
        summary: 'This document',
        security: [{}],
        responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object', required: ['openapi', 'paths'], properties: { openapi: { const: '3.1.0' }, paths: { type: 'object' } } }) }, ...ALWAYS },
      },
    },
    '/captcha/{id}': {
      get: {
        operationId: 'getCaptchaImage',
        tags: ['captcha'],
        summary: 'The captcha picture (`captcha.image_url` of an error that asked for one)',
        description: 'Only for the session that got the captcha: send the same cookie or `Authorization: Session`. Not cached (`Cache-Control: no-store`).',
        security: SIGNED_IN,
        parameters: [CAPTCHA_ID],
        responses: {
          '200': { description: 'The picture', content: Object.fromEntries(CAPTCHA_TYPES.map((t) => [t, { schema: { type: 'string', contentMediaType: t } }])) },
          '404': HTML_NOT_FOUND,
        },
      },
    },
    '/captcha/{id}/new': {
      get: {
        operationId: 'renewCaptchaImage',
        tags: ['captcha'],
        summary: 'A new picture for the same captcha id (the old one no longer counts), then a redirect to it',
        description: 'For a picture that cannot be read. The answer to the new picture is the one that counts; `captcha_answer` goes with the retried call as before.',
        security: SIGNED_IN,
        parameters: [CAPTCHA_ID],
        responses: {
          '303': { description: 'A new challenge is in place', headers: { Location: { description: '`/captcha/{id}`', schema: { type: 'string' } } } },
          '404': HTML_NOT_FOUND,
          default: { description: 'CloudBase could not give a new picture: an HTML error page (5xx)', content: { 'text/html': { schema: { type: 'string' } } } },
        },
      },
    },
    '/api/proxy/{name}/{path}': Object.fromEntries(
      ['get', 'post', 'put', 'patch', 'delete'].map((method) => [
        method,
        {
          operationId: `proxy${method[0]!.toUpperCase()}${method.slice(1)}`,
          tags: ['proxy'],
          summary: 'Forward to the backend configured as `name` in PROXY_ROUTES',
          description:
            'Any method. The request (path under the route\'s base, query, body, headers) is streamed with `Authorization: Bearer <fresh CloudBase access token>`, the gateway\'s `x-request-id` and its own `X-Forwarded-For`/`-Proto`/`-Host`, without the gateway\'s cookie, `Authorization: Session`, or any client-sent `Forwarded`, `X-Forwarded-*`, `X-Real-IP`, `X-Original-*`, `X-Rewrite-*` and similar. The backend\'s status and body come back as they are; its headers too, except that the gateway\'s own protective headers (CSP, X-Frame-Options, X-Content-Type-Options, Permissions-Policy, the request id) win, Set-Cookie, hop-by-hop, CORS (`Access-Control-*`) and origin-wide headers are dropped, and `Cache-Control` is `private` at most (`no-store` when the backend sends none). Paths with `..` segments or encoded slashes or backslashes are refused.',
          security: SIGNED_IN,
          parameters: [
            { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'path', in: 'path', required: true, schema: { type: 'string' }, description: 'the rest of the path, any number of segments' },
            ...(method === 'get' ? [] : WRITE_HEADERS),
          ],
          responses: {
            default: { description: "The backend's answer (status and body as they are; headers as described above)" },
            '400': failure('BadRequest'),
            '401': failure('Unauthorized'),
            '403': failure('Forbidden'),
            '404': failure('NotFound'),
            '502': failure('BadGateway'),
            '504': failure('GatewayTimeout'),
          },
        },
      ]),
    ),
    ...ACCOUNT_PATHS,
  },
  components: {
    securitySchemes: {
      sessionCookie: {
        type: 'apiKey',
        in: 'cookie',
        name: COOKIES.session,
        description: `The browser session cookie (\`${cookieName('session', true)}\` when the public origin is https). Writes need \`X-CSRF: 1\`.`,
      },
      sessionToken: {
        type: 'http',
        scheme: 'Session',
        description: '`Authorization: Session <session_token>`: an opaque `id.secret` from a token-mode sign-in. Exempt from the X-CSRF rule.',
      },
    },
    parameters: {
      XCSRF: {
        name: 'X-CSRF',
        in: 'header',
        required: false,
        schema: { type: 'string', const: '1' },
        description:
          'Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site\'s, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`.',
      },
      XSessionMode: {
        name: 'X-Session-Mode',
        in: 'header',
        required: false,
        schema: { type: 'string', enum: ['token'] },
        description: '`token`: answer with `session_token` in the body and set no cookie.',
      },
      XDeviceToken: {
        name: 'X-Device-Token',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: 400 },
        description: 'Token mode: the `device_token` of an earlier password sign-in on this device (any other value counts as none).',
      },
    },
    responses: Object.fromEntries(
      Object.entries(errorResponses).map(([name, description]) => [
        name,
        {
          description,
          content: json(ref('Error')),
          ...(['TooManyRequests', 'Unavailable'].includes(name) ? { headers: retryAfter } : {}),
          ...(name === 'Unauthorized' ? { headers: wwwAuthenticate } : {}),
        },
      ]),
    ),
    schemas: responseComponents(),
  },
} as const;

export function register(router: Router, _deps: RouteDeps): void {
  router.get('/openapi.json', (_req, res) => {
    res.json(OPENAPI);
  });
}
