import 'express-session';

/** The user's public profile as the BFF keeps it (never a token). */
export interface PublicUser {
  sub: string;
  name?: string;
  username?: string;
  email?: string;
  phone_number?: string;
  picture?: string;
  anonymous: boolean;
}

/** CloudBase tokens, kept server-side only. Short keys: every byte is read on every request. */
export interface AuthTokens {
  /** access token */
  at: string;
  /** refresh token (absent for some anonymous sign-ins) */
  rt?: string;
  /** access-token expiry, epoch ms */
  exp: number;
  /** access-token lifetime CloudBase gave (expires_in), seconds: bounds the refresh window */
  lt?: number;
  sub: string;
  /** scope as CloudBase sent it */
  sc?: string;
}

/** What a sign-in hands the session: the tokens and the public profile. */
export interface SignedIn {
  tokens: AuthTokens;
  user: PublicUser;
}

export type SmsPurpose = 'signup' | 'login' | 'reset';

/** State of a multi-step SMS flow: CloudBase's ids stay here, never in the browser. */
export interface FlowState {
  purpose: SmsPurpose | 'contact';
  /** "+86 13800000000" */
  phone: string;
  /** verification_id from POST /verification */
  vid?: string;
  /** epoch ms when a new code may be requested */
  resendAt?: number;
  /** verification_token from POST /verification/verify (single use upstream) */
  vtok?: string;
  /** whether CloudBase said the phone is registered */
  isUser?: boolean;
  /** same-origin path to land on once the flow signs the person in */
  returnTo?: string;
}

/**
 * Re-authentication by a code to the account's own phone or email (accounts without a password, or by choice): the
 * code's verification id while it is pending, then CloudBase's sudo token until it is spent or runs out.
 */
export interface ReauthState {
  /** the account's own phone ("+86 …") or email the code went to */
  to: string;
  /** verification_id of the code sent (POST /verification, target CUR_USER) */
  vid?: string;
  /** epoch ms when a new code may be requested */
  resendAt?: number;
  /** sudo_token from POST /user/sudo with the code's verification token */
  sudo?: string;
  /** epoch ms until which the sudo token is used (a little before CloudBase's own expiry) */
  until?: number;
}

/** A captcha challenge CloudBase asked for, waiting to be solved before the action is retried. */
export interface CaptchaState {
  /** our id for the image route */
  id: string;
  /** token of the image from POST /captcha/data */
  token: string;
  /** the image as CloudBase sent it (a data: URL), shown once by the image route */
  img: string;
}

declare module 'express-session' {
  interface SessionData {
    /** creation time, epoch ms (absolute timeout counts from here) */
    created: number;
    /** last time activity was recorded, epoch ms (idle timeout; only written when half the idle window passed) */
    seen: number;
    /** stable device id sent upstream as x-device-id */
    did: string;
    /** CSRF synchronizer secret */
    csrf?: string;
    auth?: AuthTokens;
    user?: PublicUser;
    flow?: FlowState;
    reauth?: ReauthState;
    captcha?: CaptchaState;
    /** device label and address, for the session list */
    ua?: string;
    ip?: string;
    /** token sessions (mobile): hash of the secret half of `id.secret`; absent for cookie sessions */
    tok?: string;
  }
}
