import { assert } from '../errors.js';
import type { EmulatorState } from '../state.js';
import { type OperationInput, optionalString } from './input.js';
import { authenticate, resolveAccessToken, revokeSession, revokeUserSessions } from './tokens.js';

export interface IntrospectResponse {
  token_type?: 'Bearer';
  client_id?: string;
  sub?: string;
  scope?: string;
}

/**
 * GET /auth/v1/token/introspect: the token is the Bearer (documented) or `?token=` (cheat-sheet form, with Basic).
 * An invalid, expired or revoked token is `{}` with 200, never an error.
 */
export async function introspect(state: EmulatorState, input: OperationInput): Promise<IntrospectResponse> {
  const token = input.bearer ?? input.query.token;
  const auth = token ? await resolveAccessToken(state, token) : undefined;
  if (!auth) return {};
  return { token_type: 'Bearer', client_id: state.identity.clientId, sub: auth.user.sub, scope: auth.session.scope };
}

/**
 * POST /auth/v1/revoke: the token is `{token}` in the body (SDK, cheat-sheet) or the Bearer (docs). Revoking an access
 * or refresh token ends its whole session. As in RFC 7009 an unknown body token is not an error, but a Bearer that
 * does not authenticate (and no body token) is.
 */
export async function revoke(state: EmulatorState, input: OperationInput): Promise<Record<string, never>> {
  const bodyToken = optionalString(input.body, 'token');
  const token = bodyToken ?? input.bearer;
  assert(token, 'invalid_argument', 'token is required');

  if (token.startsWith('m.')) {
    const record = state.refreshTokens.get(token);
    if (record) revokeSession(state, record.sessionId);
    return {};
  }
  const auth = await resolveAccessToken(state, token, true);
  assert(auth || bodyToken !== undefined, 'unauthenticated', 'the oauth2.0 access token is not correct or expired');
  if (auth) revokeSession(state, auth.session.id);
  return {};
}

/** POST /auth/v1/user/signout: ends the Bearer's session; echoes `redirect_uri` when one is given. */
export async function signOut(state: EmulatorState, input: OperationInput): Promise<{ redirect_uri?: string }> {
  const { session } = await authenticate(state, input.bearer);
  const redirectUri = optionalString(input.body, 'redirect_uri');
  revokeSession(state, session.id);
  return redirectUri === undefined ? {} : { redirect_uri: redirectUri };
}

/** DELETE /auth/v1/user/revoke/all (SDK): ends every session of the Bearer's user, the Bearer's own included. */
export async function revokeAll(state: EmulatorState, input: OperationInput): Promise<Record<string, never>> {
  const { user } = await authenticate(state, input.bearer);
  revokeUserSessions(state, user.sub);
  return {};
}
