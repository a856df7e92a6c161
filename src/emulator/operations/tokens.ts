import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { assert } from '../errors.js';
import { signJwt, verifyJwt } from '../keys.js';
import type { EmulatorState, HistoryRecord, SessionRecord, UserRecord } from '../state.js';
import type { OperationInput } from './input.js';

/** Where a sign-in came from: what the session and the sign-in history keep. */
export type Origin = Pick<OperationInput, 'deviceId' | 'ip' | 'userAgent'>;

export interface TokenResponse {
  token_type: 'Bearer';
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  sub: string;
  groups: string[];
}

export interface Authenticated {
  user: UserRecord;
  session: SessionRecord;
  jti: string;
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Registered users get CloudBase-style 19-digit ids, anonymous ones a 22-character base64url id. */
export function newSub(anonymous: boolean): string {
  if (anonymous) return randomToken(16);
  return `${randomInt(1, 10)}${Array.from({ length: 18 }, () => randomInt(0, 10)).join('')}`;
}

export function issuer(state: EmulatorState): string {
  return `http://${state.identity.envId}.ap-shanghai.tcb-api.tencentcloudapi.com`;
}

/** One entry of the sign-in history (`GET /user/security/history`), stamped with where the call came from. */
export function recordHistory(state: EmulatorState, sub: string, action: HistoryRecord['action'], from: Origin, meta: Record<string, string>): void {
  state.history.push({
    id: randomUUID(),
    sub,
    action,
    ip: from.ip ?? '',
    userAgent: from.userAgent ?? '',
    deviceId: from.deviceId ?? '',
    createdAt: state.now(),
    meta,
  });
}

export function openSession(
  state: EmulatorState,
  user: UserRecord,
  providerType: string,
  from: Origin,
): SessionRecord {
  const { deviceId } = from;
  const session: SessionRecord = {
    id: randomUUID(),
    sub: user.sub,
    scope: user.anonymous ? 'anonymous' : 'user sso',
    providerType,
    createdAt: state.now(),
  };
  if (deviceId) session.deviceId = deviceId;
  state.sessions.set(session.id, session);
  user.lastLoginAt = state.now();
  recordHistory(state, user.sub, 'USER_LOGIN', from, { from: providerType });
  return session;
}

/** A fresh access token and refresh token for the session (the "standard token response"). */
export async function issueTokens(state: EmulatorState, session: SessionRecord): Promise<TokenResponse> {
  const now = state.now();
  const { access_token_ttl_s: accessTtl, refresh_token_ttl_s: refreshTtl } = state.config;
  const anonymous = session.scope === 'anonymous';

  const refreshToken = `m.${randomToken(48)}`;
  state.refreshTokens.set(refreshToken, { sessionId: session.id, expiresAt: now + refreshTtl * 1000, used: false });

  const jti = randomUUID();
  const iat = Math.floor(now / 1000);
  const accessToken = await signJwt(state.key, {
    iss: issuer(state),
    sub: session.sub,
    aud: state.identity.clientId,
    exp: iat + accessTtl,
    iat,
    at_hash: createHash('sha256').update(refreshToken).digest().subarray(0, 16).toString('base64url'),
    scope: session.scope,
    project_id: state.identity.envId,
    provider_type: session.providerType,
    meta: { wxOpenId: '', wxUnionId: '' },
    user_type: anonymous ? 'anonymous' : '',
    jti,
    ...(anonymous ? { nonce: randomToken(12), name: 'Anonymous' } : {}),
  });
  state.accessTokens.set(jti, { sessionId: session.id, expiresAt: now + accessTtl * 1000 });

  return {
    token_type: 'Bearer',
    access_token: accessToken,
    refresh_token: refreshToken,
    expires_in: accessTtl,
    scope: session.scope,
    sub: session.sub,
    groups: [anonymous ? 'anonymous' : 'user'],
  };
}

/**
 * The session behind a valid access token: good signature, not expired, not revoked, its user still exists.
 * Undefined otherwise; `ignoreExpiry` lets revocation accept tokens that have just expired.
 */
export async function resolveAccessToken(
  state: EmulatorState,
  token: string,
  ignoreExpiry = false,
): Promise<Authenticated | undefined> {
  const payload = await verifyJwt(state.key, token, state.now(), ignoreExpiry);
  const jti = payload?.jti;
  if (!jti) return undefined;
  const record = state.accessTokens.get(jti);
  const session = record && state.sessions.get(record.sessionId);
  const user = session && state.users.get(session.sub);
  if (!session || !user) return undefined;
  return { user, session, jti };
}

/** The Bearer check of every `/user/*` endpoint. */
export async function authenticate(state: EmulatorState, bearer: string | undefined): Promise<Authenticated> {
  assert(bearer, 'unauthenticated', 'the oauth2.0 access token is missing');
  const auth = await resolveAccessToken(state, bearer);
  assert(auth, 'unauthenticated', 'the oauth2.0 access token is not correct or expired');
  return auth;
}

/** Ends a session: its access tokens and refresh tokens stop working everywhere. */
export function revokeSession(state: EmulatorState, sessionId: string): void {
  state.sessions.delete(sessionId);
  for (const [token, record] of state.refreshTokens) {
    if (record.sessionId === sessionId) state.refreshTokens.delete(token);
  }
  for (const [jti, record] of state.accessTokens) {
    if (record.sessionId === sessionId) state.accessTokens.delete(jti);
  }
}

export function revokeUserSessions(state: EmulatorState, sub: string, exceptSessionId?: string): void {
  for (const session of [...state.sessions.values()]) {
    if (session.sub === sub && session.id !== exceptSessionId) revokeSession(state, session.id);
  }
}
