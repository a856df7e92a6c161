import type { ErrorBody } from '../wire/auth-v2.js';

export type { ErrorBody };

/**
 * CloudBase Auth v2 error strings, the HTTP status and `error_code` the emulator answers with for each.
 *
 * Clients branch on the `error` string. The numbers follow the js-sdk 3.7 `AuthErrorCode` (the client that ships to
 * users): gRPC-style strings get gRPC numbers, 4001 is `captcha_required`, 4002 a wrong captcha, 4019 `provider_error`,
 * 4022 `unauthorized_client`, 4042 `mfa_phone_required`, 4045 `login_type_disabled`. A wrong or expired verification
 * code is code 3 (the js-sdk's "verification failed" reading). Other auth strings keep numbers that collide with none
 * of those; the live numbering of those is unconfirmed (see docs/cloudbase-auth-v2.md).
 */
export const ERROR_TABLE = {
  // gRPC-style (SDK ErrorType)
  cancelled: { status: 499, code: 1 },
  unknown: { status: 500, code: 2 },
  invalid_argument: { status: 400, code: 3 },
  deadline_exceeded: { status: 504, code: 4 },
  not_found: { status: 404, code: 5 },
  already_exists: { status: 409, code: 6 },
  permission_denied: { status: 403, code: 7 },
  resource_exhausted: { status: 429, code: 8 },
  failed_precondition: { status: 400, code: 9 },
  aborted: { status: 409, code: 10 },
  out_of_range: { status: 400, code: 11 },
  unimplemented: { status: 501, code: 12 },
  internal: { status: 500, code: 13 },
  unavailable: { status: 503, code: 14 },
  data_loss: { status: 500, code: 15 },
  unauthenticated: { status: 401, code: 16 },
  // auth-specific
  invalid_verification_code: { status: 400, code: 3 },
  invalid_password: { status: 400, code: 4003 },
  user_not_found: { status: 404, code: 4004 },
  weak_password: { status: 400, code: 4005 },
  password_not_set: { status: 400, code: 4006 },
  invalid_status: { status: 403, code: 4007 },
  user_pending: { status: 403, code: 4008 },
  user_blocked: { status: 403, code: 4009 },
  invalid_phone_number: { status: 400, code: 4010 },
  phone_required: { status: 403, code: 4011 },
  provider_not_enabled: { status: 403, code: 4012 },
  login_method_disabled: { status: 403, code: 4013 },
  captcha_required: { status: 400, code: 4001 },
  captcha_invalid: { status: 400, code: 4002 },
  invalid_captcha: { status: 400, code: 4002 },
  captcha_expired: { status: 400, code: 4002 },
  provider_error: { status: 400, code: 4019 },
  mfa_phone_required: { status: 403, code: 4042 },
  login_type_disabled: { status: 403, code: 4045 },
  // The narrative docs' rate-limit string; the emulator itself answers resource_exhausted (kept for forced errors).
  rate_limit_exceeded: { status: 429, code: 8 },
  provider_not_found: { status: 404, code: 5 },
  username_already_exists: { status: 409, code: 409 },
  unauthorized: { status: 401, code: 4030 },
  // OAuth2-style
  invalid_request: { status: 400, code: 4100 },
  invalid_client: { status: 401, code: 4101 },
  invalid_grant: { status: 400, code: 4102 },
  unauthorized_client: { status: 403, code: 4022 },
  access_denied: { status: 403, code: 4104 },
  invalid_scope: { status: 400, code: 4105 },
  server_error: { status: 500, code: 4107 },
  temporarily_unavailable: { status: 503, code: 4108 },
} as const satisfies Record<string, { status: number; code: number }>;

export type ErrorString = keyof typeof ERROR_TABLE;

/** Status and code for any error string; strings outside the table (e.g. a forced one) answer like `unknown` but 400. */
export function errorInfo(error: string): { status: number; code: number } {
  return Object.hasOwn(ERROR_TABLE, error) ? ERROR_TABLE[error as ErrorString] : { status: 400, code: 2 };
}

export class EmulatorError extends Error {
  readonly status: number;
  readonly error: string;
  readonly errorCode: number;
  readonly description: string;
  retryAfterS?: number;

  constructor(status: number, error: string, errorCode: number, description: string) {
    super(`${error}: ${description}`);
    this.name = 'EmulatorError';
    this.status = status;
    this.error = error;
    this.errorCode = errorCode;
    this.description = description;
  }

  /** The error for a string, with the status and code from {@link ERROR_TABLE}. */
  static of(error: ErrorString | (string & {}), description?: string): EmulatorError {
    const { status, code } = errorInfo(error);
    return new EmulatorError(status, error, code, description ?? error.replace(/_/g, ' '));
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: this.error, error_code: this.errorCode, error_description: this.description };
    if (this.retryAfterS !== undefined) body.retry_after = this.retryAfterS;
    return body;
  }
}

export function fail(error: ErrorString, description?: string): never {
  throw EmulatorError.of(error, description);
}

/** `resource_exhausted` (429, gRPC 8) with `retry_after` in seconds, as the js-sdk expects a rate limit. */
export function rateLimited(retryAfterS: number, description: string): never {
  const error = EmulatorError.of('resource_exhausted', description);
  error.retryAfterS = retryAfterS;
  throw error;
}

export function assert(cond: unknown, error: ErrorString, description?: string): asserts cond {
  if (!cond) fail(error, description);
}
