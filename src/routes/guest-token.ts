import type { Request } from 'express';
import type { TokenKeeper } from '../session/tokens.js';

/**
 * The access token of the guest this session is signed in as, for a sign-up to upgrade that guest in place (same
 * `sub`, same data); undefined for any other session. A guest whose tokens no longer work signs up as a new account.
 */
export async function guestToken(req: Request, freshAccessToken: TokenKeeper): Promise<string | undefined> {
  if (!req.session.auth || !req.session.user?.anonymous) return undefined;
  return freshAccessToken(req).catch(() => undefined);
}
