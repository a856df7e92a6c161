import type { TokenResponse } from '../cloudbase/types.js';
import type { AuthTokens } from './types.js';

/** CloudBase's token answer as the session keeps it, its expiry made absolute from `now` (epoch ms). */
export function toAuthTokens(t: TokenResponse, now: number): AuthTokens {
  return {
    at: t.access_token,
    ...(t.refresh_token ? { rt: t.refresh_token } : {}),
    exp: now + t.expires_in * 1000,
    lt: t.expires_in,
    sub: t.sub,
    ...(t.scope ? { sc: t.scope } : {}),
  };
}
