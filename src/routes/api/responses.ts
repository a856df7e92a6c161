import { z } from 'zod';
import { ERROR_CODES } from '../../errors/catalogue.js';
import { ACCOUNT_RESPONSES } from './responses-account.js';

/**
 * Every JSON answer body of the API as a zod schema: the TypeScript types below and the OpenAPI document's
 * `components.schemas` are both generated from these, so the two cannot drift apart.
 */

const nullableString = z.string().nullable();
const dateTime = (description: string) => z.string().meta({ format: 'date-time', description });

export const SessionToken = z
  .string()
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/)
  .meta({ id: 'SessionToken', description: 'Token mode only: send it as `Authorization: Session <session_token>` from now on.' });

export const User = z
  .strictObject({
    sub: z.string(),
    name: nullableString,
    username: nullableString,
    email: nullableString,
    phone_number: nullableString.meta({ description: 'CloudBase form: "+86 13800000000"' }),
    picture: nullableString,
    anonymous: z.boolean(),
  })
  .meta({ id: 'User' });

export const SessionState = z
  .strictObject({
    authenticated: z.literal(true),
    user: User,
    expires_at: dateTime('when the session ends unless used again (idle window), capped by the absolute limit'),
    session_token: SessionToken.optional(),
    device_token: z
      .string()
      .max(400)
      .optional()
      .meta({ description: 'Token mode, password sign-in only: keep it and send it as `X-Device-Token` on later password sign-ins.' }),
  })
  .meta({ id: 'SessionState' });

export const SignedOut = z.strictObject({ authenticated: z.literal(false) }).meta({ id: 'SignedOut' });

export const CodeSent = z
  .strictObject({
    expires_in: z.number().int().meta({ description: 'seconds the code stays valid' }),
    is_user: z.literal(false).meta({
      deprecated: true,
      description: 'always false: whether the number has an account is not told before the code is proved (see `next` of sms/verify)',
    }),
    session_token: SessionToken.optional(),
  })
  .meta({ id: 'CodeSent' });

export const NextStep = z
  .strictObject({
    authenticated: z.literal(false),
    next: z.enum(['signup', 'reset_password']),
    session_token: SessionToken.optional(),
  })
  .meta({ id: 'NextStep' });

export const ProviderRedirect = z
  .strictObject({ url: z.string().meta({ description: 'the provider\'s consent page: navigate the browser there; it comes back to /login/provider/callback' }) })
  .meta({ id: 'ProviderRedirect' });

export const SessionSummary = z
  .strictObject({
    id: z.string().meta({ description: 'public id (not the session id)' }),
    current: z.boolean(),
    kind: z.enum(['browser', 'token']),
    device: z.string(),
    ip: z.string().optional(),
    created_at: dateTime('when the session was created'),
    last_seen_at: dateTime('when the session was last used'),
  })
  .meta({ id: 'SessionSummary' });

export const SessionList = z
  .strictObject({
    sessions: z.array(SessionSummary),
    next_cursor: nullableString.meta({ description: 'cursor of the next page; null on the last page' }),
  })
  .meta({ id: 'SessionList' });

export const Revoked = z.strictObject({ revoked: z.number().int().min(0) }).meta({ id: 'Revoked' });

export const ErrorBody = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(ERROR_CODES).meta({ description: 'stable; branch on this (the gateway\'s error catalogue)' }),
      message: z.string().meta({ description: 'for people, in their language' }),
      field: z.string().optional().meta({ description: 'the body field at fault, when one is' }),
    }),
    captcha: z
      .strictObject({ id: z.string(), image_url: z.string().meta({ description: 'same-origin path of the picture' }) })
      .optional()
      .meta({ description: 'when CloudBase wants a captcha: show image_url, send the characters back as `captcha_answer`' }),
    session_token: SessionToken.optional(),
  })
  .meta({ id: 'Error' });

export type ApiUser = z.output<typeof User>;
export type SessionStateBody = z.output<typeof SessionState>;
export type ApiErrorBody = z.output<typeof ErrorBody>;

const RESPONSES = [SessionToken, User, SessionState, SignedOut, CodeSent, NextStep, SessionSummary, SessionList, Revoked, ProviderRedirect, ErrorBody, ...ACCOUNT_RESPONSES];

/** The response schemas as OpenAPI `components.schemas` (JSON Schema 2020-12), each referring to the others by name. */
export function responseComponents(): Record<string, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>();
  for (const schema of RESPONSES) registry.add(schema, { id: (schema.meta() as { id: string }).id });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io: 'output', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as Record<string, unknown>;
      return [id, rest];
    }),
  );
}
