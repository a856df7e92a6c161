import type { SecurityHistoryPage, UserExistResponse } from '../../wire/auth-v2.js';
import { assert, fail } from '../errors.js';
import { assertUsername } from '../rules.js';
import { contactKey, type Contact, type EmulatorState, type UserRecord } from '../state.js';
import { type OperationInput, optionalString, requiredString } from './input.js';
import { findUserByUsername, GENDERS } from './signin.js';
import { authenticate, recordHistory, revokeSession, revokeUserSessions } from './tokens.js';
import { checkSudo } from './user.js';
import { consumeVerificationToken, findUserByContact, peekVerificationToken, readContact } from './verification.js';

const CONFLICT_RESOLUTIONS = ['DEFAULT', 'TRANSFER', 'DELETE_ACCOUNT_TRANSFER'] as const;
export const HISTORY_PAGE_MAX = 100;

/**
 * POST /auth/v1/user/basic/edit `{nickname?, username?, description?, avatar_url?, gender?}` → `{}`. The names differ
 * from /user/me's (nickname ↔ name, avatar_url ↔ picture). A taken username is `username_already_exists`.
 */
export async function editBasicInfo(state: EmulatorState, input: OperationInput): Promise<Record<string, never>> {
  const { user } = await authenticate(state, input.bearer);
  const nickname = optionalString(input.body, 'nickname');
  const username = optionalString(input.body, 'username');
  const description = optionalString(input.body, 'description');
  const avatarUrl = optionalString(input.body, 'avatar_url');
  const gender = optionalString(input.body, 'gender');
  assert(gender === undefined || GENDERS.includes(gender), 'invalid_argument', 'gender must be MALE or FEMALE');
  if (username !== undefined) {
    assertUsername(username);
    const owner = findUserByUsername(state, username);
    assert(!owner || owner === user, 'username_already_exists', 'username already exists');
  }
  if (nickname !== undefined) user.name = nickname;
  if (username !== undefined) user.username = username;
  if (description !== undefined) user.description = description;
  if (avatarUrl !== undefined) user.picture = avatarUrl;
  if (gender !== undefined) user.gender = gender;
  user.updatedAt = state.now();
  return {};
}

/** GET /auth/v1/checkIfUserExist?username= → `{exist}`. */
export function checkIfUserExist(state: EmulatorState, input: OperationInput): UserExistResponse {
  const username = input.query.username;
  assert(username, 'invalid_argument', 'username is required');
  return { exist: findUserByUsername(state, username) !== undefined };
}

function setContact(user: UserRecord, contact: Contact): void {
  if (contact.phone_number !== undefined) user.phone_number = contact.phone_number;
  else user.email = contact.email;
}

function dropContact(user: UserRecord, contact: Contact): void {
  if (contact.phone_number !== undefined) delete user.phone_number;
  else delete user.email;
}

function canSignIn(user: UserRecord): boolean {
  return Boolean(user.passwordHash || user.phone_number || user.email || user.identities?.length);
}

function deleteUser(state: EmulatorState, user: UserRecord): void {
  revokeUserSessions(state, user.sub);
  state.users.delete(user.sub);
}

/**
 * PATCH /auth/v1/user/contact `{phone_number|email, sudo_token, verification_token, conflict_resolution?}`: the new
 * phone or email, proven by a verification token for it, after re-authentication (sudo). A contact of another user
 * is `already_exists` under DEFAULT; TRANSFER moves it (an account left with no way in is deleted);
 * DELETE_ACCOUNT_TRANSFER deletes the other account and takes it. (Error string and the transfers' details are
 * the emulator's reading of the client's comments, unconfirmed.)
 */
export async function editContact(state: EmulatorState, input: OperationInput): Promise<Record<string, never>> {
  const { user } = await authenticate(state, input.bearer);
  const contact = readContact(input.body);
  assert(contact, 'invalid_argument', 'email or phone number is empty');
  const token = requiredString(input.body, 'verification_token');
  const resolution = optionalString(input.body, 'conflict_resolution') ?? 'DEFAULT';
  assert(
    (CONFLICT_RESOLUTIONS as readonly string[]).includes(resolution),
    'invalid_argument',
    `conflict_resolution must be one of ${CONFLICT_RESOLUTIONS.join(', ')}`,
  );
  checkSudo(state, optionalString(input.body, 'sudo_token'), user.sub);
  peekVerificationToken(state, token, contact);

  const owner = findUserByContact(state, contact);
  if (owner && owner !== user) {
    if (resolution === 'DEFAULT') fail('already_exists', 'this phone number or email belongs to another user');
    dropContact(owner, contact);
    if (resolution === 'DELETE_ACCOUNT_TRANSFER' || !canSignIn(owner)) deleteUser(state, owner);
  }
  consumeVerificationToken(state, token);
  setContact(user, contact);
  user.updatedAt = state.now();
  recordHistory(state, user.sub, 'USER_MODIFY', input, { from: contact.phone_number !== undefined ? 'phone' : 'email', to: contactKey(contact) });
  return {};
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * GET /auth/v1/user/security/history?query[action]=USER_LOGIN&limit&page_token (or `ne_query[action]=USER_LOGIN`
 * for the other entries): newest first, `limit` (1-100, default 10) a page; `next_page_token` while more remain.
 * The envelope `{data, next_page_token}` is the emulator's choice (the client types show only the entry).
 */
export async function securityHistory(state: EmulatorState, input: OperationInput): Promise<SecurityHistoryPage> {
  const { user } = await authenticate(state, input.bearer);
  const only = input.query['query[action]'];
  const not = input.query['ne_query[action]'];
  const limit = input.query.limit === undefined ? 10 : Number(input.query.limit);
  assert(Number.isInteger(limit) && limit >= 1 && limit <= HISTORY_PAGE_MAX, 'invalid_argument', `limit must be 1-${HISTORY_PAGE_MAX}`);
  const offset = input.query.page_token === undefined ? 0 : Number(input.query.page_token);
  assert(Number.isInteger(offset) && offset >= 0, 'invalid_argument', 'page_token is invalid');

  const entries = state.history
    .filter((h) => h.sub === user.sub && (only === undefined || h.action === only) && (not === undefined || h.action !== not))
    .reverse();
  const page = entries.slice(offset, offset + limit).map((h) => ({
    id: h.id,
    ip: h.ip,
    user_agent: h.userAgent,
    client_id: state.identity.clientId,
    device_id: h.deviceId,
    created_at: iso(h.createdAt),
    meta: h.meta,
  }));
  return offset + limit < entries.length ? { data: page, next_page_token: String(offset + limit) } : { data: page };
}

/**
 * DELETE /auth/v1/user/authorized/devices/{device_id}: ends every session of the Bearer's user that signed in with
 * that `x-device-id`. A device with no session is not an error (the emulator's choice).
 */
export async function revokeDevice(state: EmulatorState, input: OperationInput): Promise<Record<string, never>> {
  const { user } = await authenticate(state, input.bearer);
  const deviceId = input.params?.device_id;
  assert(deviceId, 'invalid_argument', 'device_id is required');
  for (const session of [...state.sessions.values()]) {
    if (session.sub === user.sub && session.deviceId === deviceId) revokeSession(state, session.id);
  }
  return {};
}
