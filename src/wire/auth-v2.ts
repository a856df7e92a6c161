/**
 * Wire shapes of CloudBase Auth v2 calls shared by the typed client (`src/cloudbase/`) and the emulator
 * (`src/emulator/`): the one module of `src/` the emulator may import. Types only, no code. See
 * docs/cloudbase-auth-v2.md for the calls.
 */

/** `GET /provider/uri` answer: where to send the browser (the js-sdk also reads `signout_uri`). */
export interface ProviderUriResponse {
  uri: string;
  signout_uri?: string;
}

/** Native apps and mini programs: a provider code obtained without a redirect. */
export interface ProviderParams {
  provider_code_type?: 'open_id' | 'union_id' | 'phone' | (string & {});
  appid?: string;
  code?: string;
}

/** `POST /provider/token` body: the code from the redirect (with the same redirect URI) or `provider_params`. */
export interface ProviderTokenRequest {
  provider_id: string;
  provider_code?: string;
  provider_redirect_uri?: string;
  provider_params?: ProviderParams;
}

export interface ProviderProfile {
  provider_id: string;
  sub?: string;
  name?: string;
  picture?: string;
  email?: string;
  phone_number?: string;
}

export interface ProviderTokenResponse {
  provider_token: string;
  expires_in: number;
  provider_profile?: ProviderProfile;
}

/** `POST /signin/with/provider` body. */
export interface ProviderSignInRequest {
  provider_token: string;
  provider_id?: string;
  /** Fail (instead of signing the person up) when no user has this identity. */
  force_disable_sign_up?: boolean;
  sync_profile?: boolean;
}

/** `POST /signin/custom` body: a ticket from `@cloudbase/node-sdk`'s `createTicket(uid)`. */
export interface CustomSignInRequest {
  provider_id: 'custom';
  ticket: string;
}

/** `GET /user/provider` answer. */
export interface ProviderListResponse {
  total: number;
  data: {
    id: string;
    name?: string;
    homepage?: string;
    picture?: string;
    provider_user_name?: string;
    provider_type?: string;
    bind: boolean;
  }[];
}

/** `POST /user/basic/edit` body (names differ from `/user/me`: nickname ↔ name, avatar_url ↔ picture). */
export interface BasicInfoEditRequest {
  nickname?: string;
  username?: string;
  description?: string;
  avatar_url?: string;
  gender?: 'MALE' | 'FEMALE';
}

export type ConflictResolution = 'DEFAULT' | 'TRANSFER' | 'DELETE_ACCOUNT_TRANSFER';

/** `PATCH /user/contact` body: the new phone or email, its verification token and a sudo token. */
export type ContactEditRequest = ({ phone_number: string; email?: never } | { email: string; phone_number?: never }) & {
  verification_token: string;
  sudo_token: string;
  conflict_resolution?: ConflictResolution;
};

/** `GET /checkIfUserExist?username=` answer. */
export interface UserExistResponse {
  exist: boolean;
}

/** One entry of `GET /user/security/history`. */
export interface SecurityHistoryEntry {
  id: string;
  ip: string;
  user_agent: string;
  client_id: string;
  device_id: string;
  created_at: string;
  meta: Record<string, string>;
}

/** The page envelope is the emulator's reading (unconfirmed: the client types show only the entry). */
export interface SecurityHistoryPage {
  data: SecurityHistoryEntry[];
  next_page_token?: string;
}

/** The error body; `retry_after` (seconds) comes with `resource_exhausted`. */
export interface ErrorBody {
  error: string;
  error_code: number;
  error_description: string;
  retry_after?: number;
}

/** `POST /verification`: the id of the code sent, and whether the number or address already has an account. */
export interface VerificationResponse {
  verification_id: string;
  expires_in: number;
  is_user: boolean;
}

/** `POST /verification/verify`: the token that proves the code was right. */
export interface VerifyResponse {
  verification_token: string;
  expires_in: number;
}
