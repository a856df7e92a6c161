import type { MessageKey } from '../i18n/index.js';

interface Entry {
  status: number;
  /** the message a person reads unless the site names a more precise one */
  key: MessageKey;
  /** whether the same request may succeed later unchanged (a limit, an outage); such answers carry Retry-After */
  retryable: boolean;
}

const e = (status: number, key: MessageKey, retryable = false): Entry => ({ status, key, retryable });

/**
 * Every error code the gateway answers with: its HTTP status, default message and whether it is retryable. Callers
 * (and clients) branch on the code; an `AppError` takes its status from here, so a code always means one status.
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
  too_many_attempts: e(429, 'err.too_many_attempts', true),
  rate_limited: e(429, 'err.rate_limited', true),
  resend_too_soon: e(429, 'err.resend_too_soon', true),
  // the gateway and what it depends on
  internal: e(500, 'err.internal'),
  upstream_error: e(502, 'err.upstream_error'),
  upstream_unreachable: e(502, 'api.proxy_unavailable', true),
  gateway_misconfigured: e(502, 'err.gateway_misconfigured'),
  upstream_unavailable: e(503, 'err.upstream_unavailable', true),
  store_unavailable: e(503, 'err.store_unavailable', true),
  upstream_timeout: e(504, 'err.upstream_timeout', true),
} as const satisfies Record<string, Entry>;

export type ErrorCode = keyof typeof CATALOGUE;

export const ERROR_CODES = Object.keys(CATALOGUE) as [ErrorCode, ...ErrorCode[]];
