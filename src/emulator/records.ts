/** The records the emulator's in-memory state holds (see state.ts). */

/** Where a verification code went: exactly one of the two. */
export type Contact = { phone_number: string; email?: undefined } | { email: string; phone_number?: undefined };

export type UserStatus = 'ACTIVE' | 'BLOCKED' | 'PENDING';

/** An identity a third-party provider (or a custom ticket) vouched for, bound to one user. */
export interface BoundIdentity {
  providerId: string;
  /** The provider's id for the person (`sub` on the authorize page; the `uid` of a custom ticket). */
  sub: string;
  name?: string;
  picture?: string;
  email?: string;
}

/** A third-party provider as configured in the console: `autoSignUp` lets sign-in create the user by itself. */
export interface ProviderConfig {
  id: string;
  name: string;
  autoSignUp: boolean;
}

/** What the authorize page approved: single-use, bound to its provider and (for the redirect flow) redirect URI. */
export interface ProviderCodeRecord {
  providerId: string;
  /** Absent for codes a native app obtained without a redirect. */
  redirectUri?: string;
  identity: BoundIdentity;
  expiresAt: number;
}

export interface ProviderTokenRecord {
  identity: BoundIdentity;
  expiresAt: number;
}

/** One entry of the sign-in history (`GET /user/security/history`). */
export interface HistoryRecord {
  id: string;
  sub: string;
  action: 'USER_LOGIN' | 'USER_MODIFY';
  ip: string;
  userAgent: string;
  deviceId: string;
  createdAt: number;
  meta: Record<string, string>;
}

export interface UserRecord {
  sub: string;
  anonymous: boolean;
  username?: string;
  email?: string;
  phone_number?: string;
  name?: string;
  picture?: string;
  gender?: string;
  /** `scrypt$N$salt$hash` (see passwords.ts); never the password itself. */
  passwordHash?: string;
  status: UserStatus;
  createdAt: number;
  updatedAt: number;
  passwordUpdatedAt?: number;
  lastLoginAt?: number;
  /** Times (ms) of recent wrong passwords, for the lock-out rule. */
  failedLogins: number[];
  /** Third-party identities (and custom-ticket uids) bound to this user. */
  identities?: BoundIdentity[];
  description?: string;
}

/** One signed-in device: every access and refresh token belongs to exactly one session. */
export interface SessionRecord {
  id: string;
  sub: string;
  scope: string;
  providerType: string;
  deviceId?: string;
  createdAt: number;
}

export interface RefreshTokenRecord {
  sessionId: string;
  expiresAt: number;
  /** Set once rotated: a used refresh token answers invalid_grant. */
  used: boolean;
}

export interface AccessTokenRecord {
  sessionId: string;
  expiresAt: number;
}

export interface VerificationRecord {
  id: string;
  contact: Contact;
  code: string;
  expiresAt: number;
  attempts: number;
  /** Verified successfully or out of attempts: a new code must be requested. */
  done: boolean;
}

export interface VerificationTokenRecord {
  contact: Contact;
  expiresAt: number;
}

export interface SudoTokenRecord {
  sub: string;
  expiresAt: number;
}

export interface CaptchaRecord {
  key: string;
  expiresAt: number;
}

export interface SentCode {
  to: string;
  code: string;
  at: number;
}
