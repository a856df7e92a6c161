import type { Request } from 'express';
import type { CloudbaseClient } from '../cloudbase/client.js';
import { CloudbaseError } from '../cloudbase/errors.js';
import { fromUpstream } from '../http/upstream-errors.js';
import { notSignedIn, sessionExpired } from '../http/errors.js';
import { toAuthTokens } from '../services/auth.js';
import { callContext } from './context.js';

/**
 * The session's access token, refreshed first when it expires within `skewS`. When CloudBase says the refresh token
 * is spent (`invalid_grant`), the session is over.
 */
export function createTokenKeeper(client: CloudbaseClient, skewS: number, now: () => number = Date.now) {
  return async function freshAccessToken(req: Request): Promise<string> {
    const auth = req.session?.auth;
    if (!auth) throw notSignedIn();
    if (auth.exp - skewS * 1000 > now()) return auth.at;
    if (!auth.rt) throw sessionExpired();
    try {
      const t = await client.refreshToken(callContext(req), auth.rt);
      const next = toAuthTokens(t, now());
      // CloudBase rotates refresh tokens; keep the old one only if no new one came back.
      if (!next.rt) next.rt = auth.rt;
      req.session.auth = next;
      return next.at;
    } catch (e) {
      if (e instanceof CloudbaseError && (e.error === 'invalid_grant' || e.error === 'unauthenticated')) {
        delete req.session.auth;
        delete req.session.user;
        throw sessionExpired();
      }
      throw fromUpstream(e, 'session');
    }
  };
}

export type TokenKeeper = ReturnType<typeof createTokenKeeper>;
