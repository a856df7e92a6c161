/** Wire types of CloudBase Auth v2 (see docs/cloudbase-auth-v2.md); those the emulator shares live in src/wire/. */

export type * from '../wire/auth-v2.js';

export interface TokenResponse {
  token_type: 'Bearer';
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  scope?: string;
  sub: string;
  groups?: string[];
}


export interface IntrospectResponse {
  token_type?: 'Bearer';
  client_id?: string;
  sub?: string;
  scope?: string;
}

export interface ProviderInfo {
  id: string;
  provider_user_id?: string;
  name?: string;
  picture?: string;
  url?: string;
  meta?: Record<string, unknown>;
}

export interface UserProfile {
  sub: string;
  name?: string;
  picture?: string;
  username?: string;
  email?: string;
  phone_number?: string;
  providers?: ProviderInfo[];
  status?: string;
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- names the documented values; others pass through
  gender?: 'MALE' | 'FEMALE' | string;
  groups?: { id: string; expires_at?: string }[];
  meta?: Record<string, unknown>;
  created_at?: string;
  updated_at?: string;
  password_updated_at?: string;
  user_id?: string;
  has_password?: boolean;
  internal_user_type?: string;
  type?: string;
  user_source?: number;
  user_desc?: string;
  last_login?: string;
}

export interface SudoResponse {
  sudo_token: string;
  expires_in: number;
}

export interface CaptchaDataResponse {
  data: string;
  type: 'image';
  token: string;
  expires_in: number;
}

export interface CaptchaVerifyResponse {
  captcha_token: string;
  expires_in: number;
}

export type VerificationTarget = 'ANY' | 'USER' | 'NOT_USER' | 'CUR_USER';

/** Per-call context the caller passes in: tracing and device headers, and a captcha token when upstream asked. */
export interface CallContext {
  requestId: string;
  deviceId: string;
  captchaToken?: string;
  /** The client's address (express `req.ip`), for the abuse limits; never sent upstream. */
  ip?: string;
  /** The session id, for the abuse limits (hashed before use); never sent upstream. */
  sessionKey?: string;
}

/** A phone number (`"+86 13800000000"`) or an email address, never both. */
export type Contact = { phone_number: string; email?: never } | { email: string; phone_number?: never };

export type VerificationUsage =
  | 'REGISTER'
  | 'SIGN_IN'
  | 'PASSWORD_RESET'
  | 'EMAIL_ADDRESS_CHANGE'
  | 'PHONE_NUMBER_CHANGE';

export interface PasswordSignInRequest {
  /** A username, an email or a `+86 ` phone number. */
  username: string;
  password: string;
}

export interface VerificationTokenSignInRequest {
  verification_token: string;
  username?: string;
}

export type SignUpRequest = Contact & {
  verification_token: string;
  verification_code?: string;
  name?: string;
  username?: string;
  password?: string;
  /** Binds this provider identity to the new user. */
  provider_token?: string;
  /** An anonymous user's access token: that user (same `sub`) becomes the registered one. */
  anonymous_token?: string;
};

export type SendVerificationRequest = Contact & {
  target: VerificationTarget;
  usage?: VerificationUsage;
};

export interface VerifyRequest {
  verification_id: string;
  verification_code: string;
}

export type SudoRequest =
  | { password: string; verification_token?: never }
  | { verification_token: string; password?: never };

export interface ChangePasswordRequest {
  sudo_token: string;
  new_password: string;
  old_password?: string;
}

export type ResetPasswordRequest = Contact & {
  new_password: string;
  verification_token: string;
};

export interface CaptchaVerifyRequest {
  token: string;
  key: string;
}
