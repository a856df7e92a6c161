import { CloudbaseError, UpstreamUnavailableError } from '../cloudbase/errors.js';
import type { MessageKey } from '../i18n/index.js';
import { AppError } from './app-error.js';
import { CATALOGUE, type ErrorCode } from './catalogue.js';

/** Which step a call belongs to, where the same upstream error means something else to a person. */
export type FlowStep = 'login' | 'sms-send' | 'sms-verify' | 'signup' | 'reset' | 'reauth' | 'session' | 'provider' | 'provider-unbind' | 'ticket' | 'other';

/** A catalogued code, with the message key when it is not the code's own. */
type Mapping = ErrorCode | { code: ErrorCode; key: MessageKey };

const LOGIN_FAILED: Mapping = 'login_failed';
const INVALID_CODE: Mapping = 'invalid_code';
const RATE_LIMITED: Mapping = 'rate_limited';
const SESSION_EXPIRED: Mapping = 'session_expired';

/**
 * The one table from CloudBase's `error` string to what the BFF answers. Keys are CloudBase's strings; a row may
 * hold overrides per flow step. Login and reset never tell whether an account exists.
 */
const TABLE: Record<string, { default: Mapping } & Partial<Record<FlowStep, Mapping>>> = {
  invalid_password: { default: LOGIN_FAILED, reauth: 'wrong_password' },
  invalid_username_or_password: { default: LOGIN_FAILED },
  invalid_credentials: { default: LOGIN_FAILED },
  wrong_password: { default: LOGIN_FAILED, reauth: 'wrong_password' },
  // A password typed to re-authenticate an account that has none: it must use a code to its own phone or email.
  password_not_set: { default: LOGIN_FAILED, reauth: { code: 'reauth_required', key: 'err.reauth_no_password' } },
  // Provider sign-in of an identity no user has, with sign-up off: the person may sign up with a phone instead.
  not_found: { default: LOGIN_FAILED, session: SESSION_EXPIRED, provider: 'provider_signup_required' },
  user_not_found: { default: LOGIN_FAILED, session: SESSION_EXPIRED },
  invalid_status: { default: 'too_many_attempts' },
  user_blocked: { default: 'account_blocked' },
  user_pending: { default: 'account_pending' },
  under_review: { default: 'account_pending' },
  phone_required: { default: 'phone_required' },
  two_factor_required: { default: 'two_factor_required' },
  invalid_verification_code: { default: INVALID_CODE },
  invalid_phone_number: { default: 'invalid_phone' },
  rate_limit_exceeded: { default: RATE_LIMITED },
  resource_exhausted: { default: RATE_LIMITED },
  captcha_required: { default: 'captcha_required' },
  captcha_invalid: { default: { code: 'captcha_required', key: 'err.captcha_wrong' } },
  invalid_captcha: { default: 'captcha_wrong' },
  captcha_expired: { default: 'captcha_wrong' },
  username_already_exists: { default: 'username_taken' },
  already_exists: { default: 'already_exists' },
  weak_password: { default: 'weak_password' },
  invalid_argument: {
    default: 'invalid_input',
    // "phone or email does not match validation code", "verification required": the code step must be redone.
    reset: INVALID_CODE,
    // An unknown or expired verification id: a new code is needed.
    'sms-verify': INVALID_CODE,
    signup: 'flow_expired',
    ticket: 'ticket_invalid',
  },
  invalid_request: { default: 'invalid_input' },
  // A provider code or token that is used, expired or foreign; a bad, expired or foreign custom ticket.
  // At sign-up, only a provider token is a grant (its verification token is an argument).
  invalid_grant: { default: SESSION_EXPIRED, 'sms-verify': INVALID_CODE, provider: 'provider_code_invalid', signup: 'provider_code_invalid', ticket: 'ticket_invalid' },
  unauthenticated: { default: SESSION_EXPIRED },
  unauthorized: { default: SESSION_EXPIRED },
  permission_denied: { default: 'reauth_required', login: LOGIN_FAILED },
  invalid_client: { default: 'gateway_misconfigured' },
  unauthorized_client: { default: 'gateway_misconfigured' },
  unimplemented: { default: 'method_disabled' },
  provider_not_enabled: { default: 'method_disabled' },
  provider_not_found: { default: 'not_found' },
  // Binding an identity bound elsewhere (or a second one of a provider, or as a guest; at sign-up too); unbinding the
  // last way in.
  failed_precondition: { default: 'upstream_error', provider: 'provider_bind_refused', signup: 'provider_bind_refused', 'provider-unbind': 'provider_last_method' },
  login_method_disabled: { default: 'method_disabled' },
  login_type_disabled: { default: 'method_disabled' },
  deadline_exceeded: { default: 'upstream_timeout' },
  unavailable: { default: 'upstream_unavailable' },
  temporarily_unavailable: { default: 'upstream_unavailable' },
};

/** Turns anything the CloudBase client threw into the AppError a person or client sees. */
export function fromUpstream(err: unknown, step: FlowStep = 'other'): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof UpstreamUnavailableError) {
    return new AppError(err.reason === 'timeout' ? 'upstream_timeout' : 'upstream_unavailable', { retryAfterS: 5, cause: err });
  }
  if (err instanceof CloudbaseError) {
    const row = Object.hasOwn(TABLE, err.error) ? TABLE[err.error] : undefined;
    const mapping = (row && (row[step] ?? row.default)) ?? 'upstream_error';
    const { code, key } = typeof mapping === 'string' ? { code: mapping, key: undefined } : mapping;
    const status = CATALOGUE[code].status;
    const retryAfterS = status === 429 ? (err.retryAfterS ?? 60) : status === 503 ? 5 : undefined;
    return new AppError(code, { cause: err, ...(key ? { messageKey: key } : {}), ...(retryAfterS ? { retryAfterS } : {}) });
  }
  throw err;
}

/**
 * The one place a CloudBase call's failure becomes what the step means to a person: `await upstream('login',
 * client.signIn(…))`.
 */
export function upstream<T>(step: FlowStep, call: Promise<T>): Promise<T> {
  return call.catch((e: unknown) => {
    throw fromUpstream(e, step);
  });
}

/** The upstream error strings the table knows (for tests and docs). */
export const KNOWN_UPSTREAM_ERRORS = Object.keys(TABLE);
