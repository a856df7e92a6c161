import { assert } from '../errors.js';
import type { BoundIdentity, EmulatorState, UserRecord } from '../state.js';

export function findUserByIdentity(state: EmulatorState, providerId: string, sub: string): UserRecord | undefined {
  for (const user of state.users.values()) {
    if (user.identities?.some((i) => i.providerId === providerId && i.sub === sub)) return user;
  }
  return undefined;
}

/**
 * The identity behind a provider token, without using it up (a failed sign-in may be followed by a sign-up with the
 * same token). Unknown or expired is `invalid_grant`; a provider switched off since is `provider_not_enabled`.
 */
export function peekProviderToken(state: EmulatorState, token: string): BoundIdentity {
  const record = state.providerTokens.get(token);
  assert(record && state.now() < record.expiresAt, 'invalid_grant', 'provider token is invalid or expired');
  assert(state.providers.has(record.identity.providerId), 'provider_not_enabled', 'identity provider not enabled');
  return record.identity;
}

/**
 * Binds an identity to a user. An identity bound to someone else, or a second identity of the same provider, is
 * `failed_precondition` (the live service's string is unconfirmed); binding the same one again changes nothing.
 */
export function bindIdentity(state: EmulatorState, user: UserRecord, identity: BoundIdentity): void {
  const owner = findUserByIdentity(state, identity.providerId, identity.sub);
  assert(!owner || owner === user, 'failed_precondition', 'this identity is already bound to another user');
  if (owner === user) return;
  const identities = (user.identities ??= []);
  assert(
    !identities.some((i) => i.providerId === identity.providerId),
    'failed_precondition',
    'the user already has an identity of this provider',
  );
  identities.push({ ...identity });
  user.updatedAt = state.now();
}
