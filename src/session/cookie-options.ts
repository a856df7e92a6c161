import type { CookieOptions } from 'express-session';
import type { Config } from '../config/index.js';

/** The session cookie's options: express-session sets the cookie with them, and the store leaves them out of Redis. */
export function sessionCookieOptions(config: Config): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: config.session.secureCookie, path: '/' };
}
