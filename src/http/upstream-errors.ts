import { CloudbaseError, UpstreamUnavailableError } from '../cloudbase/errors.js';
import { AppError } from './errors.js';
import type { MessageKey } from '../i18n/index.js';

/** Which step a call belongs to, where the same upstream error means something else to a person. */
export type FlowStep = 'login' | 'sms-send' | 'sms-verify' | 'signup' | 'reset' | 'reauth' | 'session' | 'other';

interface Mapping {
  status: number;
  code: string;
  key: MessageKey;
}

const m = (status: number, code: string, key: MessageKey): Mapping => ({ status, code, key });

const LOGIN_FAILED = m(401, 'login_failed', 'err.login_failed');
const INVALID_CODE = m(400, 'invalid_code', 'err.invalid_code');
const RATE_LIMITED = m(429, 'rate_limited', 'err.rate_limited');
const SESSION_EXPIRED = m(401, 'session_expired', 'err.session_expired');
const UPSTREAM_ERROR = m(502, 'upstream_error', 'err.upstream_error');

/**
 * The one table from CloudBase's `error` string to what the BFF answers. Keys are CloudBase's strings; a row may
 * hold overrides per flow step. Login and reset never tell whether an account exists.
 */
const TABLE: Record<string, { default: Mapping } & Partial<Record<FlowStep, Mapping>>> = {
  invalid_password: { default: LOGIN_FAILED, reauth: m(403, 'wrong_password', 'err.wrong_password') },
  invalid_username_or_password: { default: LOGIN_FAILED },
  invalid_credentials: { default: LOGIN_FAILED },
  wrong_password: { default: LOGIN_FAILED, reauth: m(403, 'wrong_password', 'err.wrong_password') },
  password_not_set: { default: LOGIN_FAILED },
  not_found: { default: LOGIN_FAILED, session: SESSION_EXPIRED },
  user_not_found: { default: LOGIN_FAILED, session: SESSION_EXPIRED },
  invalid_status: { default: m(429, 'too_many_attempts', 'err.too_many_attempts') },
  user_blocked: { default: m(403, 'account_blocked', 'err.account_blocked') },
  user_pending: { default: m(403, 'account_pending', 'err.account_pending') },
  under_review: { default: m(403, 'account_pending', 'err.account_pending') },
  phone_required: { default: m(403, 'phone_required', 'err.phone_required') },
  two_factor_required: { default: m(403, 'two_factor_required', 'err.two_factor_required') },
  invalid_verification_code: { default: INVALID_CODE },
  invalid_phone_number: { default: m(400, 'invalid_phone', 'err.invalid_phone') },
  rate_limit_exceeded: { default: RATE_LIMITED },
  resource_exhausted: { default: RATE_LIMITED },
  captcha_required: { default: m(400, 'captcha_required', 'err.captcha_required') },
  captcha_invalid: { default: m(400, 'captcha_required', 'err.captcha_wrong') },
  invalid_captcha: { default: m(400, 'captcha_wrong', 'err.captcha_wrong') },
  captcha_expired: { default: m(400, 'captcha_wrong', 'err.captcha_wrong') },
  username_already_exists: { default: m(409, 'username_taken', 'err.username_taken') },
  already_exists: { default: m(409, 'already_exists', 'err.already_exists') },
  weak_password: { default: m(400, 'weak_password', 'err.weak_password') },
  invalid_argument: {
    default: m(400, 'invalid_input', 'err.invalid_input'),
    // "phone or email does not match validation code", "verification required": the code step must be redone.
    reset: INVALID_CODE,
    // An unknown or expired verification id: a new code is needed.
    'sms-verify': INVALID_CODE,
    signup: m(409, 'flow_expired', 'err.flow_expired'),
  },
  invalid_request: { default: m(400, 'invalid_input', 'err.invalid_input') },
  invalid_grant: { default: SESSION_EXPIRED, 'sms-verify': INVALID_CODE },
  unauthenticated: { default: SESSION_EXPIRED },
  unauthorized: { default: SESSION_EXPIRED },
  permission_denied: { default: m(403, 'reauth_required', 'err.reauth_required'), login: LOGIN_FAILED },
  invalid_client: { default: m(502, 'gateway_misconfigured', 'err.gateway_misconfigured') },
  unauthorized_client: { default: m(502, 'gateway_misconfigured', 'err.gateway_misconfigured') },
  unimplemented: { default: m(403, 'method_disabled', 'err.method_disabled') },
  provider_not_enabled: { default: m(403, 'method_disabled', 'err.method_disabled') },
  login_method_disabled: { default: m(403, 'method_disabled', 'err.method_disabled') },
  login_type_disabled: { default: m(403, 'method_disabled', 'err.method_disabled') },
  deadline_exceeded: { default: m(504, 'upstream_timeout', 'err.upstream_timeout') },
  unavailable: { default: m(503, 'upstream_unavailable', 'err.upstream_unavailable') },
  temporarily_unavailable: { default: m(503, 'upstream_unavailable', 'err.upstream_unavailable') },
};

/** Turns anything the CloudBase client threw into the AppError a person or client sees. */
export function fromUpstream(err: unknown, step: FlowStep = 'other'): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof UpstreamUnavailableError) {
    return err.reason === 'timeout'
      ? new AppError(504, 'upstream_timeout', 'err.upstream_timeout', { retryAfterS: 5, cause: err })
      : new AppError(503, 'upstream_unavailable', 'err.upstream_unavailable', { retryAfterS: 5, cause: err });
  }
  if (err instanceof CloudbaseError) {
    const row = Object.hasOwn(TABLE, err.error) ? TABLE[err.error] : undefined;
    const mapping = (row && (row[step] ?? row.default)) ?? UPSTREAM_ERROR;
    const retryAfterS = mapping.status === 429 ? (err.retryAfterS ?? 60) : mapping.status === 503 ? 5 : undefined;
    return new AppError(mapping.status, mapping.code, mapping.key, { cause: err, ...(retryAfterS ? { retryAfterS } : {}) });
  }
  throw err;
}

/** The upstream error strings the table knows (for tests and docs). */
export const KNOWN_UPSTREAM_ERRORS = Object.keys(TABLE);
