import { assert, fail } from '../errors.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import { assertStrongPassword, assertUsername, normalizeEmail, phoneDigits } from '../rules.js';
import type { Contact, EmulatorState, UserRecord } from '../state.js';
import { type OperationInput, optionalString, requiredString } from './input.js';
import { bindIdentity, findUserByIdentity, peekProviderToken } from './identities.js';
import {
  issueTokens,
  newSub,
  openSession,
  resolveAccessToken,
  revokeUserSessions,
  type TokenResponse,
} from './tokens.js';
import {
  consumeVerificationToken,
  findUserByContact,
  peekVerificationToken,
  readContact,
} from './verification.js';

/** More wrong passwords than this within the window lock the account (`invalid_status`) until the window passes. */
export const LOCKOUT_ATTEMPTS = 5;
export const LOCKOUT_WINDOW_MS = 15 * 60 * 1000;
export const GENDERS = ['MALE', 'FEMALE'];

/** A sign-in name may be a username, an email or a "+86 …" phone number. */
export function findUserByLogin(state: EmulatorState, login: string): UserRecord | undefined {
  const email = normalizeEmail(login);
  for (const user of state.users.values()) {
    if (user.username === login || user.email === email || user.phone_number === login) return user;
  }
  return undefined;
}

export function findUserByUsername(state: EmulatorState, username: string): UserRecord | undefined {
  for (const user of state.users.values()) if (user.username === username) return user;
  return undefined;
}

function providerTypeOf(user: UserRecord, login: string): string {
  if (user.phone_number === login) return 'phone';
  if (user.email === normalizeEmail(login)) return 'email';
  return 'username';
}

export function assertUserActive(user: UserRecord): void {
  assert(user.status !== 'BLOCKED', 'user_blocked', 'the user is blocked');
  assert(user.status !== 'PENDING', 'user_pending', 'the user is not activated yet');
}

/** Checks a password, counting failures toward the lock-out; resets the count on success. */
export async function checkPassword(state: EmulatorState, user: UserRecord, password: string): Promise<void> {
  const now = state.now();
  user.failedLogins = user.failedLogins.filter((at) => now - at < LOCKOUT_WINDOW_MS);
  assert(user.failedLogins.length < LOCKOUT_ATTEMPTS, 'invalid_status', 'too many wrong passwords, try again later');
  assert(user.passwordHash, 'password_not_set', 'the user has no password, sign in with a verification code');
  if (!(await verifyPassword(password, user.passwordHash))) {
    user.failedLogins.push(now);
    fail('invalid_password', 'wrong password');
  }
  user.failedLogins = [];
}

async function signInWithPassword(state: EmulatorState, input: OperationInput): Promise<TokenResponse> {
  const username = optionalString(input.body, 'username');
  const password = optionalString(input.body, 'password');
  assert(username && password, 'invalid_argument', 'username and password are required');
  const user = findUserByLogin(state, username);
  assert(user, 'not_found', 'user not found');
  await checkPassword(state, user, password);
  assertUserActive(user);
  return issueTokens(state, openSession(state, user, providerTypeOf(user, username), input));
}

function sameContact(login: string, contact: Contact): boolean {
  return contact.phone_number !== undefined
    ? phoneDigits(login) === phoneDigits(contact.phone_number)
    : normalizeEmail(login) === contact.email;
}

/** POST /auth/v1/signin: username + password, or a verification token (optionally with the phone/email as username). */
export async function signIn(state: EmulatorState, input: OperationInput): Promise<TokenResponse> {
  const token = optionalString(input.body, 'verification_token');
  if (token === undefined) return signInWithPassword(state, input);

  assert(optionalString(input.body, 'password') === undefined, 'invalid_argument', 'send a password or a verification_token, not both');
  const contact = peekVerificationToken(state, token);
  const username = optionalString(input.body, 'username');
  if (username !== undefined) {
    assert(sameContact(username, contact), 'invalid_argument', 'phone or email does not match validation code');
  }
  const user = findUserByContact(state, contact);
  assert(user, 'not_found', 'user not found');
  assertUserActive(user);
  consumeVerificationToken(state, token);
  const providerType = contact.phone_number !== undefined ? 'phone' : 'email';
  return issueTokens(state, openSession(state, user, providerType, input));
}

/** Profile fields shared by sign-up and the control route that seeds users. */
export function readProfile(body: Record<string, unknown>): Pick<UserRecord, 'name' | 'picture' | 'gender'> {
  const gender = optionalString(body, 'gender');
  assert(gender === undefined || GENDERS.includes(gender), 'invalid_argument', 'gender must be MALE or FEMALE');
  const profile: Pick<UserRecord, 'name' | 'picture' | 'gender'> = {};
  const name = optionalString(body, 'name');
  const picture = optionalString(body, 'picture');
  if (name !== undefined) profile.name = name;
  if (picture !== undefined) profile.picture = picture;
  if (gender !== undefined) profile.gender = gender;
  return profile;
}

export function newUser(state: EmulatorState, fields: Partial<UserRecord>): UserRecord {
  const now = state.now();
  const user: UserRecord = {
    sub: newSub(false),
    anonymous: false,
    status: 'ACTIVE',
    createdAt: now,
    updatedAt: now,
    failedLogins: [],
    ...fields,
  };
  if (user.passwordHash) user.passwordUpdatedAt = now;
  state.users.set(user.sub, user);
  return user;
}

/** The anonymous user behind `anonymous_token` (its access token), to be upgraded in place by sign-up. */
async function anonymousUser(state: EmulatorState, token: string | undefined): Promise<UserRecord | undefined> {
  if (token === undefined) return undefined;
  const auth = await resolveAccessToken(state, token);
  assert(auth, 'unauthenticated', 'anonymous_token is invalid or expired');
  assert(auth.user.anonymous, 'failed_precondition', 'anonymous_token does not belong to an anonymous user');
  return auth.user;
}

/** An anonymous user becomes a registered one: same `sub` (so its data stays), its guest sessions end. */
function upgradeAnonymous(state: EmulatorState, user: UserRecord, fields: Partial<UserRecord>): UserRecord {
  const now = state.now();
  Object.assign(user, fields, { anonymous: false, updatedAt: now });
  if (fields.passwordHash) user.passwordUpdatedAt = now;
  revokeUserSessions(state, user.sub);
  for (const [device, sub] of state.anonymousDevices) if (sub === user.sub) state.anonymousDevices.delete(device);
  return user;
}

/**
 * POST /auth/v1/signup: phone or email with a verification token; the new user is signed in. `provider_token` binds
 * that identity to the new user; `anonymous_token` (an anonymous user's access token) makes that user the new one.
 */
export async function signUp(state: EmulatorState, input: OperationInput): Promise<TokenResponse> {
  const { body } = input;
  const contact = readContact(body);
  assert(contact, 'invalid_argument', 'email or phone number is empty');
  const token = optionalString(body, 'verification_token');
  assert(token, 'invalid_argument', 'verification required');
  const username = optionalString(body, 'username');
  if (username !== undefined) assertUsername(username);
  const password = optionalString(body, 'password');
  if (password !== undefined) assertStrongPassword(password);
  const profile = readProfile(body);
  const providerToken = optionalString(body, 'provider_token');
  const guest = await anonymousUser(state, optionalString(body, 'anonymous_token'));

  // Hashed before the checks below so that those and the account creation run without an await in between.
  const passwordHash = password === undefined ? undefined : await hashPassword(password);
  assert(!guest || state.users.get(guest.sub) === guest, 'unauthenticated', 'anonymous_token is invalid or expired');
  peekVerificationToken(state, token, contact);
  const identity = providerToken === undefined ? undefined : peekProviderToken(state, providerToken);
  if (identity) {
    assert(!findUserByIdentity(state, identity.providerId, identity.sub), 'failed_precondition', 'this identity is already bound to another user');
  }
  assert(!findUserByContact(state, contact), 'already_exists', 'user already exists');
  if (username !== undefined) assert(!findUserByUsername(state, username), 'already_exists', 'username already exists');
  consumeVerificationToken(state, token);

  const fields = { ...contact, ...profile, ...(username && { username }), ...(passwordHash && { passwordHash }) };
  const user = guest ? upgradeAnonymous(state, guest, fields) : newUser(state, fields);
  if (identity) bindIdentity(state, user, identity);
  const providerType = contact.phone_number !== undefined ? 'phone' : 'email';
  return issueTokens(state, openSession(state, user, providerType, input));
}

/** POST /auth/v1/signin/anonymously: one anonymous user per x-device-id. */
export async function signInAnonymously(state: EmulatorState, input: OperationInput): Promise<TokenResponse> {
  const deviceId = input.deviceId;
  assert(deviceId, 'invalid_argument', 'x-device-id header is required');
  assert(deviceId.length >= 16 && deviceId.length <= 48, 'invalid_argument', 'x-device-id must be 16-48 characters');

  const known = state.anonymousDevices.get(deviceId);
  let user = known === undefined ? undefined : state.users.get(known);
  if (!user) {
    const now = state.now();
    user = { sub: newSub(true), anonymous: true, status: 'ACTIVE', createdAt: now, updatedAt: now, failedLogins: [] };
    state.users.set(user.sub, user);
    state.anonymousDevices.set(deviceId, user.sub);
  }
  return issueTokens(state, openSession(state, user, 'anonymous', input));
}

/** POST /auth/v1/token: `refresh_token` (rotating: each refresh token works once) or `password` grant. */
export async function grantToken(state: EmulatorState, input: OperationInput): Promise<TokenResponse> {
  const grantType = requiredString(input.body, 'grant_type');
  if (grantType === 'password') return signInWithPassword(state, input);
  assert(grantType === 'refresh_token', 'invalid_argument', `unsupported grant_type "${grantType}"`);

  const refreshToken = requiredString(input.body, 'refresh_token');
  const record = state.refreshTokens.get(refreshToken);
  assert(record, 'invalid_grant', 'refresh token is invalid or revoked');
  assert(!record.used, 'invalid_grant', 'refresh token has already been used');
  assert(state.now() < record.expiresAt, 'invalid_grant', 'refresh token has expired');
  const session = state.sessions.get(record.sessionId);
  const user = session && state.users.get(session.sub);
  assert(session && user, 'invalid_grant', 'refresh token is invalid or revoked');
  assertUserActive(user);
  record.used = true;
  return issueTokens(state, session);
}
