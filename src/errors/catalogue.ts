import type { MessageKey } from '../i18n/index.js';

interface Entry {
  /** the HTTP status the edge answers with; only the edge reads it (`src/http/errors.ts`) */
  status: number;
  /** the message a person reads unless the site names a more precise one */
  key: MessageKey;
  /** whether the same request may succeed later unchanged (a limit, an outage); such answers carry Retry-After */
  retryable: boolean;
  /** a retryable code's Retry-After (seconds) when the error carries no wait of its own */
  retryAfterS?: number;
  /** a limit: the person's message may tell how long to wait */
  limit?: boolean;
}

const e = (status: number, key: MessageKey): Entry => ({ status, key, retryable: false });
/** retryable: an outage, tried again after `retryAfterS` unless the error knows better */
const outage = (status: number, key: MessageKey, retryAfterS: number): Entry => ({ status, key, retryable: true, retryAfterS });
/** retryable: a limit (429), whose error normally carries the real wait; CloudBase's limits may not say */
const limit = (key: MessageKey): Entry => ({ status: 429, key, retryable: true, retryAfterS: 60, limit: true });

/**
 * Every error code the gateway answers with: its HTTP status, default message, whether it is retryable and after how
 * long. Services and flows throw an `AppError` with a code and no status; callers (and clients) branch on the code,
 * and the edge maps it to the status and Retry-After found here, so a code always means one status.
 */
export const CATALOGUE = {
  // input
  invalid_input: e(400, 'err.invalid_input'),
  invalid_json: e(400, 'api.invalid_json'),
  too_long: e(400, 'err.invalid_input'),
  payload_too_large: e(413, 'err.invalid_input'),
  unsupported_media_type: e(415, 'err.invalid_input'),
  invalid_phone: e(400, 'err.invalid_phone'),
  invalid_code_format: e(400, 'err.code_format'),
  invalid_code: e(400, 'err.invalid_code'),
  password_required: e(400, 'err.password_required'),
  weak_password: e(400, 'err.weak_password'),
  captcha_required: e(400, 'err.captcha_required'),
  captcha_wrong: e(400, 'err.captcha_wrong'),
  consent_required: e(400, 'err.consent_required'),
  invalid_proxy_path: e(400, 'api.proxy_path'),
  // who is asking
  not_signed_in: e(401, 'err.not_signed_in'),
  session_expired: e(401, 'err.session_expired'),
  login_failed: e(401, 'err.login_failed'),
  csrf_failed: e(403, 'err.csrf'),
  forbidden: e(403, 'err.forbidden'),
  wrong_password: e(403, 'err.wrong_password'),
  reauth_required: e(403, 'err.reauth_required'),
  account_blocked: e(403, 'err.account_blocked'),
  account_pending: e(403, 'err.account_pending'),
  phone_required: e(403, 'err.phone_required'),
  two_factor_required: e(403, 'err.two_factor_required'),
  method_disabled: e(403, 'err.method_disabled'),
  // what is asked for
  not_found: e(404, 'err.not_found'),
  session_not_found: e(404, 'api.session_not_found'),
  flow_expired: e(409, 'err.flow_expired'),
  // third-party providers and custom tickets
  provider_unknown: e(404, 'err.provider_unknown'),
  provider_denied: e(400, 'err.provider_denied'),
  provider_state_invalid: e(400, 'err.provider_state'),
  provider_code_invalid: e(400, 'err.provider_code'),
  provider_signup_required: e(403, 'err.provider_signup'),
  token_mode_unsupported: e(400, 'api.token_mode_unsupported'),
  ticket_invalid: e(401, 'err.ticket_invalid'),
  provider_bind_refused: e(409, 'err.provider_bind_refused'),
  provider_last_method: e(409, 'err.provider_last_method'),
  username_taken: e(409, 'err.username_taken'),
  already_exists: e(409, 'err.already_exists'),
  contact_taken: e(409, 'err.contact_taken'),
  // limits
  too_many_attempts: limit('err.too_many_attempts'),
  rate_limited: limit('err.rate_limited'),
  resend_too_soon: limit('err.resend_too_soon'),
  // the gateway and what it depends on
  internal: e(500, 'err.internal'),
  upstream_error: e(502, 'err.upstream_error'),
  upstream_unreachable: outage(502, 'api.proxy_unavailable', 5),
  gateway_misconfigured: e(502, 'err.gateway_misconfigured'),
  upstream_unavailable: outage(503, 'err.upstream_unavailable', 5),
  store_unavailable: outage(503, 'err.store_unavailable', 2),
  upstream_timeout: outage(504, 'err.upstream_timeout', 5),
} as const satisfies Record<string, Entry>;

export type ErrorCode = keyof typeof CATALOGUE;

export const ERROR_CODES = Object.keys(CATALOGUE) as [ErrorCode, ...ErrorCode[]];
