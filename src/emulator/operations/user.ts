import { assert } from '../errors.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import { assertPhone, assertStrongPassword, assertUsername, assertEmail, normalizeEmail } from '../rules.js';
import type { Contact, EmulatorState, UserRecord, UserStatus } from '../state.js';
import { type OperationInput, optionalString, requiredString } from './input.js';
import { findUserByUsername, newUser, readProfile } from './signin.js';
import { authenticate, randomToken, revokeUserSessions } from './tokens.js';
import { consumeVerificationToken, findUserByContact, peekVerificationToken, readContact } from './verification.js';

export const SUDO_TTL_S = 900;
const STATUSES: UserStatus[] = ['ACTIVE', 'BLOCKED', 'PENDING'];

export interface UserProfile {
  sub: string;
  name: string;
  picture: string;
  username: string;
  email: string;
  phone_number: string;
  providers: { id: string; provider_user_id: string; name: string; picture: string; url: string; meta: object }[];
  status: UserStatus;
  gender: string;
  groups: { id: string }[];
  meta: object;
  created_at: string;
  updated_at: string;
  password_updated_at: string;
  user_id: string;
  has_password: boolean;
  internal_user_type: string;
  type: string;
  user_source: number;
  user_desc: string;
  last_login: string;
}

const iso = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

/** The documented user object (GET /user/me); unset strings are "" as in the live service's examples. */
export function toUserProfile(user: UserRecord): UserProfile {
  const providers: UserProfile['providers'] = [];
  if (user.phone_number) {
    providers.push({ id: 'phone', provider_user_id: user.phone_number, name: '短信验证码登录', picture: '', url: '', meta: {} });
  }
  if (user.email) {
    providers.push({ id: 'email', provider_user_id: user.email, name: '邮箱登录', picture: '', url: '', meta: {} });
  }
  for (const identity of user.identities ?? []) {
    const { providerId: id, sub, name = '', picture = '' } = identity;
    providers.push({ id, provider_user_id: sub, name, picture, url: '', meta: {} });
  }
  return {
    sub: user.sub,
    // The js-sdk tests an anonymous user's /user/me name against "anonymous" (lower case).
    name: user.name ?? (user.anonymous ? 'anonymous' : ''),
    picture: user.picture ?? '',
    username: user.username ?? '',
    email: user.email ?? '',
    phone_number: user.phone_number ?? '',
    providers,
    status: user.status,
    gender: user.gender ?? '',
    groups: [{ id: user.anonymous ? 'anonymous' : 'user' }],
    meta: {},
    created_at: iso(user.createdAt),
    updated_at: iso(user.updatedAt),
    password_updated_at: iso(user.passwordUpdatedAt),
    user_id: user.sub,
    has_password: user.passwordHash !== undefined,
    internal_user_type: user.anonymous ? 'anonymousUser' : 'generalUser',
    type: user.anonymous ? 'anonymous' : 'external',
    user_source: 1,
    user_desc: user.anonymous ? '匿名用户' : '普通用户',
    last_login: iso(user.lastLoginAt),
  };
}

function ownContact(user: UserRecord): Contact | undefined {
  if (user.phone_number) return { phone_number: user.phone_number };
  if (user.email) return { email: user.email };
  return undefined;
}

/** GET /auth/v1/user/me */
export async function getMe(state: EmulatorState, input: OperationInput): Promise<UserProfile> {
  const { user } = await authenticate(state, input.bearer);
  return toUserProfile(user);
}

export function checkSudo(state: EmulatorState, token: string | undefined, sub: string): void {
  const record = token === undefined ? undefined : state.sudoTokens.get(token);
  assert(record && record.sub === sub && state.now() < record.expiresAt, 'permission_denied', 'bad sudo token');
}

/** POST /auth/v1/user/sudo: re-authentication by password or by a verification token for the user's own contact. */
export async function sudo(state: EmulatorState, input: OperationInput): Promise<{ sudo_token: string; expires_in: number }> {
  const { user } = await authenticate(state, input.bearer);
  const password = optionalString(input.body, 'password');
  const verificationToken = optionalString(input.body, 'verification_token');
  assert(password !== undefined || verificationToken !== undefined, 'invalid_argument', 'password or verification_token is required');

  if (password !== undefined) {
    assert(user.passwordHash, 'password_not_set', 'the user has no password, use a verification code');
    assert(await verifyPassword(password, user.passwordHash), 'invalid_password', 'wrong password');
  } else if (verificationToken !== undefined) {
    const contact = ownContact(user);
    assert(contact, 'invalid_argument', 'the user has no phone number or email');
    peekVerificationToken(state, verificationToken, contact);
    consumeVerificationToken(state, verificationToken);
  }

  const token = randomToken(32);
  state.sudoTokens.set(token, { sub: user.sub, expiresAt: state.now() + SUDO_TTL_S * 1000 });
  return { sudo_token: token, expires_in: SUDO_TTL_S };
}

/**
 * PATCH /auth/v1/user/password: with a sudo token (query or body), or — the cheat-sheet form — with the old password
 * instead. A given old_password is always checked. The user's other sessions are signed out.
 */
export async function updatePassword(state: EmulatorState, input: OperationInput): Promise<Record<string, never>> {
  const { user, session } = await authenticate(state, input.bearer);
  const sudoToken = input.query.sudo_token || optionalString(input.body, 'sudo_token');
  const oldPassword = optionalString(input.body, 'old_password');
  const newPassword = requiredString(input.body, 'new_password');

  if (sudoToken !== undefined) checkSudo(state, sudoToken, user.sub);
  else assert(oldPassword !== undefined && user.passwordHash, 'permission_denied', 'bad sudo token');
  if (oldPassword !== undefined && user.passwordHash) {
    assert(await verifyPassword(oldPassword, user.passwordHash), 'invalid_password', 'old password is wrong');
  }
  assertStrongPassword(newPassword);

  user.passwordHash = await hashPassword(newPassword);
  user.passwordUpdatedAt = user.updatedAt = state.now();
  user.failedLogins = [];
  revokeUserSessions(state, user.sub, session.id);
  return {};
}

/** DELETE /auth/v1/user/me?sudo_token=… */
export async function deleteMe(state: EmulatorState, input: OperationInput): Promise<Record<string, never>> {
  const { user } = await authenticate(state, input.bearer);
  checkSudo(state, input.query.sudo_token || optionalString(input.body, 'sudo_token'), user.sub);
  revokeUserSessions(state, user.sub);
  state.users.delete(user.sub);
  for (const [token, record] of state.sudoTokens) if (record.sub === user.sub) state.sudoTokens.delete(token);
  for (const [device, sub] of state.anonymousDevices) if (sub === user.sub) state.anonymousDevices.delete(device);
  return {};
}

/** POST /auth/v1/reset: forgotten password, proven by a verification token; signs the user out everywhere. */
export async function resetPassword(state: EmulatorState, input: OperationInput): Promise<Record<string, never>> {
  const contact = readContact(input.body);
  assert(contact, 'invalid_argument', 'email or phone number is empty');
  const token = optionalString(input.body, 'verification_token');
  assert(token, 'invalid_argument', 'verification required');
  const newPassword = requiredString(input.body, 'new_password');
  assertStrongPassword(newPassword);

  const hash = await hashPassword(newPassword);
  peekVerificationToken(state, token, contact);
  const user = findUserByContact(state, contact);
  assert(user, 'user_not_found', 'user not found');
  consumeVerificationToken(state, token);
  user.passwordHash = hash;
  user.passwordUpdatedAt = user.updatedAt = state.now();
  user.failedLogins = [];
  revokeUserSessions(state, user.sub);
  return {};
}

/**
 * Control route POST /__emulator/users: seeds a user as the console would, so any password is accepted; contacts and
 * username are checked for format and uniqueness.
 */
export async function createUser(state: EmulatorState, body: Record<string, unknown>): Promise<UserProfile> {
  const username = optionalString(body, 'username');
  const phone = optionalString(body, 'phone_number');
  const email = optionalString(body, 'email');
  const password = optionalString(body, 'password');
  const status = optionalString(body, 'status') ?? 'ACTIVE';
  assert(username || phone || email, 'invalid_argument', 'username, phone_number or email is required');
  assert((STATUSES as string[]).includes(status), 'invalid_argument', `status must be one of ${STATUSES.join(', ')}`);
  if (username !== undefined) assertUsername(username);
  if (phone !== undefined) assertPhone(phone);
  if (email !== undefined) assertEmail(normalizeEmail(email));
  const profile = readProfile(body);
  const passwordHash = password === undefined ? undefined : await hashPassword(password);

  if (username !== undefined) assert(!findUserByUsername(state, username), 'already_exists', 'username already exists');
  if (phone !== undefined) assert(!findUserByContact(state, { phone_number: phone }), 'already_exists', 'phone number already exists');
  if (email !== undefined) {
    assert(!findUserByContact(state, { email: normalizeEmail(email) }), 'already_exists', 'email already exists');
  }

  const user = newUser(state, {
    ...profile,
    status: status as UserStatus,
    ...(username !== undefined && { username }),
    ...(phone !== undefined && { phone_number: phone }),
    ...(email !== undefined && { email: normalizeEmail(email) }),
    ...(passwordHash !== undefined && { passwordHash }),
  });
  return toUserProfile(user);
}
