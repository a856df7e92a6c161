import { assert, fail } from '../errors.js';

/** What an operation sees of a request: no express types, so operations run without HTTP. */
export interface OperationInput {
  body: Record<string, unknown>;
  query: Record<string, string | undefined>;
  /** The token of `Authorization: Bearer …`. */
  bearer?: string;
  /** The credentials of `Authorization: Basic …`. */
  basic?: { clientId: string; clientSecret: string };
  deviceId?: string;
  /** From header `x-captcha-token` or query `captcha_token`. */
  captchaToken?: string;
  /** Path parameters, e.g. `provider_id` of `DELETE /user/provider/{provider_id}`. */
  params?: Record<string, string>;
  /** `http://host:port` the request came to, for URLs that point back at the emulator. */
  origin?: string;
  /** The caller's address and user agent, for the sign-in history. */
  ip?: string;
  userAgent?: string;
}

export function input(partial: Partial<OperationInput> = {}): OperationInput {
  return { body: {}, query: {}, ...partial };
}

/** A string field of the body; absent, null and "" read as undefined, any other non-string is invalid_argument. */
export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') fail('invalid_argument', `${field} must be a string`);
  return value;
}

export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = optionalString(body, field);
  assert(value !== undefined, 'invalid_argument', `${field} is required`);
  return value;
}
