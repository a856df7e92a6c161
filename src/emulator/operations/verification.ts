import { randomInt } from 'node:crypto';
import type { VerificationResponse, VerifyResponse } from '../../wire/auth-v2.js';
import { assert, fail, rateLimited } from '../errors.js';
import { assertEmail, assertPhone, normalizeEmail } from '../rules.js';
import { contactKey, type Contact, type EmulatorState, type UserRecord } from '../state.js';
import { type OperationInput, optionalString, requiredString } from './input.js';
import { authenticate, randomToken } from './tokens.js';

export const VERIFICATION_TTL_S = 600;
export const VERIFICATION_MAX_ATTEMPTS = 5;
const TARGETS = ['ANY', 'USER', 'NOT_USER', 'CUR_USER'] as const;


/** Reads `phone_number` or `email` (exactly one), checked and in canonical form. */
export function readContact(body: Record<string, unknown>): Contact | undefined {
  const phone = optionalString(body, 'phone_number');
  const email = optionalString(body, 'email');
  assert(!(phone && email), 'invalid_argument', 'send either phone_number or email, not both');
  if (phone !== undefined) {
    assertPhone(phone);
    return { phone_number: phone };
  }
  if (email !== undefined) {
    const normalized = normalizeEmail(email);
    assertEmail(normalized);
    return { email: normalized };
  }
  return undefined;
}

export function findUserByContact(state: EmulatorState, contact: Contact): UserRecord | undefined {
  for (const user of state.users.values()) {
    if (contact.phone_number !== undefined ? user.phone_number === contact.phone_number : user.email === contact.email) {
      return user;
    }
  }
  return undefined;
}

function userContact(user: UserRecord): Contact | undefined {
  if (user.phone_number) return { phone_number: user.phone_number };
  if (user.email) return { email: user.email };
  return undefined;
}

/** POST /auth/v1/verification: "sends" a 6-digit code (through the log) and returns its verification id. */
export async function sendVerification(
  state: EmulatorState,
  input: OperationInput,
  log: (line: string) => void,
): Promise<VerificationResponse> {
  const target = optionalString(input.body, 'target') ?? 'ANY';
  assert((TARGETS as readonly string[]).includes(target), 'invalid_argument', `target must be one of ${TARGETS.join(', ')}`);

  let contact = readContact(input.body);
  if (target === 'CUR_USER') {
    const { user } = await authenticate(state, input.bearer);
    const own = userContact(user);
    assert(own, 'failed_precondition', 'the current user has no phone number or email');
    contact ??= own;
    assert(contactKey(contact) === contactKey(own), 'invalid_argument', 'phone or email does not match the current user');
  }
  assert(contact, 'invalid_argument', 'email or phone number is empty');

  const existing = findUserByContact(state, contact);
  if (target === 'USER') assert(existing, 'user_not_found', 'user not found');
  if (target === 'NOT_USER') assert(!existing, 'already_exists', 'user already exists');

  const key = contactKey(contact);
  const now = state.now();
  const lastSent = state.lastSentAt.get(key);
  const cooldownMs = state.config.sms_cooldown_s * 1000;
  if (lastSent !== undefined && now - lastSent < cooldownMs) {
    const wait = Math.ceil((cooldownMs - (now - lastSent)) / 1000);
    rateLimited(wait, `too many requests, retry in ${wait} s`);
  }

  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const id = randomToken(24);
  state.verifications.set(id, { id, contact, code, expiresAt: now + VERIFICATION_TTL_S * 1000, attempts: 0, done: false });
  state.lastSentAt.set(key, now);
  state.lastCodes.set(key, code);
  state.sentCodes.push({ to: key, code, at: now });
  log(`[emulator] ${contact.phone_number ? 'SMS' : 'Email'} to ${key}: code ${code}`);

  return { verification_id: id, expires_in: VERIFICATION_TTL_S, is_user: existing !== undefined };
}

/** POST /auth/v1/verification/verify: a right code within its lifetime and attempts gives a single-use token. */
export function verifyCode(state: EmulatorState, input: OperationInput): VerifyResponse {
  // The client's types also name the id `verification_token` (VerifyRequest); either field is accepted.
  const id = optionalString(input.body, 'verification_id') ?? optionalString(input.body, 'verification_token');
  assert(id, 'invalid_argument', 'verification_id is required');
  const code = requiredString(input.body, 'verification_code');
  const verification = state.verifications.get(id);
  assert(verification, 'invalid_argument', 'verification_id is invalid, request a new code');
  assert(!verification.done, 'invalid_verification_code', 'this code can no longer be used, request a new code');
  assert(state.now() < verification.expiresAt, 'invalid_verification_code', 'the code has expired, request a new code');

  if (code !== verification.code) {
    verification.attempts += 1;
    if (verification.attempts >= VERIFICATION_MAX_ATTEMPTS) verification.done = true;
    fail('invalid_verification_code', verification.done ? 'too many wrong codes, request a new code' : 'wrong code');
  }

  verification.done = true;
  const token = randomToken(32);
  state.verificationTokens.set(token, {
    contact: verification.contact,
    expiresAt: state.now() + VERIFICATION_TTL_S * 1000,
  });
  return { verification_token: token, expires_in: VERIFICATION_TTL_S };
}

/**
 * Checks a verification token (and that it was issued for `expected`, when given) without using it up: callers
 * consume it only once the whole request has succeeded, so that a failed request keeps the token.
 */
export function peekVerificationToken(state: EmulatorState, token: string, expected?: Contact): Contact {
  const record = state.verificationTokens.get(token);
  assert(record && state.now() < record.expiresAt, 'invalid_argument', 'verification_token is invalid or expired');
  if (expected) {
    assert(
      contactKey(expected) === contactKey(record.contact),
      'invalid_argument',
      'phone or email does not match validation code',
    );
  }
  return record.contact;
}

export function consumeVerificationToken(state: EmulatorState, token: string): void {
  state.verificationTokens.delete(token);
}
