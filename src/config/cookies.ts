/** The gateway's cookies, by their plain names; with a Secure (https) origin each gets the `__Host-` prefix. */
export const COOKIES = {
  /** the session id (express-session) */
  session: 'cbg.sid',
  /** a visitor's pre-login CSRF secret (signed double submit) */
  csrf: 'cbg.csrf',
  /** the device proof of a past sign-in */
  device: 'cbg.device',
  /** a failed form post's one-shot message for a visitor without a session (sealed, lives two minutes) */
  flash: 'cbg.flash',
} as const;

export type CookieKind = keyof typeof COOKIES;

/** The name a cookie goes by: `__Host-` prefixed when it is Secure (host-only, Path=/). */
export function cookieName(kind: CookieKind, secure: boolean): string {
  return secure ? `__Host-${COOKIES[kind]}` : COOKIES[kind];
}
