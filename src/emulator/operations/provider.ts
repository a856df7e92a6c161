import type { ProviderListResponse, ProviderTokenResponse, ProviderUriResponse } from '../../wire/auth-v2.js';
import { assert, fail } from '../errors.js';
import type { BoundIdentity, EmulatorState, UserRecord } from '../state.js';
import { bindIdentity, findUserByIdentity, peekProviderToken } from './identities.js';
import { type OperationInput, optionalString, requiredString } from './input.js';
import { assertUserActive, newUser } from './signin.js';
import { authenticate, issueTokens, openSession, randomToken, type TokenResponse } from './tokens.js';

/** How long a code from the authorize page stays good. */
export const PROVIDER_CODE_TTL_S = 300;

function enabledProvider(state: EmulatorState, id: string | undefined) {
  assert(id, 'invalid_argument', 'provider_id is required');
  const provider = state.providers.get(id);
  assert(provider, 'provider_not_enabled', `identity provider "${id}" is not enabled`);
  return provider;
}

/** The identity the authorize page offers for a provider: the same every time, so tests can expect it. */
export function fakeIdentity(state: EmulatorState, providerId: string): BoundIdentity {
  const name = state.providers.get(providerId)?.name ?? providerId;
  return {
    providerId,
    sub: `${providerId}-demo-user`,
    name: `${name} Demo User`,
    email: `demo-${providerId.replace(/[^a-z0-9]/gi, '')}@example.com`,
    picture: `https://example.com/avatars/${encodeURIComponent(providerId)}.png`,
  };
}

/** GET /auth/v1/provider/uri: the URL of the emulator's own authorize page for the provider. */
export function providerUri(state: EmulatorState, input: OperationInput): ProviderUriResponse {
  const provider = enabledProvider(state, input.query.provider_id);
  const redirectUri = input.query.redirect_uri ?? input.query.provider_redirect_uri;
  assert(redirectUri, 'invalid_argument', 'redirect_uri is required');
  assert(/^https?:\/\//i.test(redirectUri), 'invalid_argument', 'redirect_uri must be an http(s) URL');
  const query = new URLSearchParams({ redirect_uri: redirectUri, state: input.query.state ?? '' });
  const origin = input.origin ?? 'http://127.0.0.1';
  return { uri: `${origin}/__emulator/provider/${encodeURIComponent(provider.id)}/authorize?${query.toString()}` };
}

/**
 * What the authorize page does on "approve": a single-use code for the identity, bound to its provider and, for the
 * redirect flow, to the redirect URI (native apps get codes without one).
 */
export function issueProviderCode(
  state: EmulatorState,
  identity: BoundIdentity,
  redirectUri: string | undefined,
): string {
  enabledProvider(state, identity.providerId);
  assert(identity.sub, 'invalid_argument', 'sub is required');
  const code = randomToken(24);
  state.issuedProviderCodes.add(code);
  state.providerCodes.set(code, {
    providerId: identity.providerId,
    ...(redirectUri !== undefined && { redirectUri }),
    identity: { ...identity },
    expiresAt: state.now() + PROVIDER_CODE_TTL_S * 1000,
  });
  return code;
}

/**
 * POST /auth/v1/provider/token: a provider code (from the redirect, or `provider_params.code` from a native app) for a
 * provider token. The code works once, for its provider, and with the redirect URI it was issued for.
 */
export function grantProviderToken(state: EmulatorState, input: OperationInput): ProviderTokenResponse {
  const provider = enabledProvider(state, optionalString(input.body, 'provider_id'));
  const params = input.body.provider_params;
  const nativeCode =
    typeof params === 'object' && params !== null && typeof (params as { code?: unknown }).code === 'string'
      ? (params as { code: string }).code
      : undefined;
  const code = optionalString(input.body, 'provider_code') ?? nativeCode;
  assert(code, 'invalid_argument', 'provider_code is required');
  const redirectUri = optionalString(input.body, 'provider_redirect_uri');

  const record = state.providerCodes.get(code);
  state.providerCodes.delete(code);
  assert(record && state.now() < record.expiresAt, 'invalid_grant', 'provider code is invalid, used or expired');
  assert(record.providerId === provider.id, 'invalid_grant', 'provider code was issued for another provider');
  assert(record.redirectUri === redirectUri, 'invalid_grant', 'provider_redirect_uri does not match the code');

  const ttl = state.config.provider_token_ttl_s;
  const token = `pt.${randomToken(32)}`;
  state.providerTokens.set(token, { identity: record.identity, expiresAt: state.now() + ttl * 1000 });
  const { sub, name, picture, email } = record.identity;
  return {
    provider_token: token,
    expires_in: ttl,
    provider_profile: {
      provider_id: provider.id,
      sub,
      ...(name !== undefined && { name }),
      ...(picture !== undefined && { picture }),
      ...(email !== undefined && { email }),
    },
  };
}

function syncProfile(user: UserRecord, identity: BoundIdentity): void {
  if (identity.name !== undefined) user.name = identity.name;
  if (identity.picture !== undefined) user.picture = identity.picture;
}

/**
 * POST /auth/v1/signin/with/provider: signs in the user bound to the token's identity. An unknown identity signs up
 * when the provider allows it and `force_disable_sign_up` is not set; otherwise `not_found` (unconfirmed), after
 * which a client signs up with `POST /signup` and the same provider token.
 */
export async function signInWithProvider(state: EmulatorState, input: OperationInput): Promise<TokenResponse> {
  const identity = peekProviderToken(state, requiredString(input.body, 'provider_token'));
  const providerId = optionalString(input.body, 'provider_id');
  assert(providerId === undefined || providerId === identity.providerId, 'invalid_argument', 'provider_id does not match the provider token');
  const provider = enabledProvider(state, identity.providerId);

  let user = findUserByIdentity(state, identity.providerId, identity.sub);
  if (user) {
    assertUserActive(user);
    if (input.body.sync_profile === true) syncProfile(user, identity);
  } else {
    const signUpOff = input.body.force_disable_sign_up === true || !provider.autoSignUp;
    if (signUpOff) fail('not_found', 'user not found: sign up with this provider_token');
    user = newUser(state, {});
    syncProfile(user, identity);
    bindIdentity(state, user, identity);
  }
  return issueTokens(state, openSession(state, user, identity.providerId, input));
}

/** POST /auth/v1/user/provider/bind: binds the token's identity to the Bearer's user. */
export async function bindProvider(state: EmulatorState, input: OperationInput): Promise<Record<string, never>> {
  const { user } = await authenticate(state, input.bearer);
  assert(!user.anonymous, 'failed_precondition', 'an anonymous user cannot bind a provider');
  bindIdentity(state, user, peekProviderToken(state, requiredString(input.body, 'provider_token')));
  return {};
}

/** Whether the user keeps some way to sign in once `providerId` is gone. */
function hasOtherSignIn(user: UserRecord, providerId: string): boolean {
  if (user.passwordHash || user.phone_number || user.email) return true;
  return (user.identities ?? []).some((i) => i.providerId !== providerId);
}

/**
 * DELETE /auth/v1/user/provider/{provider_id}: unbinds. Not bound is `provider_not_found`; the last way the user can
 * sign in is refused with `failed_precondition` (the emulator's choice; the live rule is unconfirmed).
 */
export async function unbindProvider(state: EmulatorState, input: OperationInput): Promise<Record<string, never>> {
  const { user } = await authenticate(state, input.bearer);
  const providerId = input.params?.provider_id;
  assert(providerId, 'invalid_argument', 'provider_id is required');
  const identities = user.identities ?? [];
  const index = identities.findIndex((i) => i.providerId === providerId);
  assert(index >= 0, 'provider_not_found', `no identity of provider "${providerId}" is bound`);
  assert(hasOtherSignIn(user, providerId), 'failed_precondition', 'cannot unbind the last way to sign in');
  identities.splice(index, 1);
  user.updatedAt = state.now();
  return {};
}

/** GET /auth/v1/user/provider: every enabled provider, and whether the Bearer's user has bound it. */
export async function listProviders(state: EmulatorState, input: OperationInput): Promise<ProviderListResponse> {
  const { user } = await authenticate(state, input.bearer);
  const data = [...state.providers.values()].map((p) => {
    const bound = user.identities?.find((i) => i.providerId === p.id);
    return { id: p.id, name: p.name, bind: bound !== undefined, ...(bound?.name !== undefined && { provider_user_name: bound.name }) };
  });
  return { total: data.length, data };
}
