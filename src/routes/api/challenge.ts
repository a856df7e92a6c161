import type { Response } from 'express';

/**
 * The challenge every 401 of the API carries (RFC 9110 §11.6.1 wants one on each 401). `Session` is the scheme a
 * token-mode app answers with (`Authorization: Session <session_token>`); a browser's cookie session has no scheme of
 * its own, so a cookie client reads the same header as "sign in again".
 */
export const SESSION_CHALLENGE = 'Session realm="api"';

export function challenge(res: Response): void {
  res.setHeader('WWW-Authenticate', SESSION_CHALLENGE);
}
