import cookieSignature from 'cookie-signature';
import { readCookie } from '../cookie-header.js';

/** Longer Cookie headers are not read by the lean paths (the full stack answers them). */
const MAX_COOKIE_HEADER = 8192;

/** `<sid>.<hmac>` from a cookie value `s:<sid>.<hmac>` as express-session encodes it, or undefined. */
function signedPart(value: string): string | undefined {
  // express-session's cookies are `s%3A` + an id and a signature that only need %2B, %2F when the signature has them.
  if (value.startsWith('s%3A') && !value.includes('%', 4)) return value.slice(4);
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  return decoded.startsWith('s:') ? decoded.slice(2) : undefined;
}

/** The session id in a cookie value (still encoded) signed as express-session signs it, with any of `secrets`. */
function unsignedId(value: string, secrets: readonly string[]): string | undefined {
  const signed = signedPart(value);
  if (signed === undefined) return undefined;
  for (const secret of secrets) {
    const sid = cookieSignature.unsign(signed, secret);
    if (sid !== false) return sid;
  }
  return undefined;
}

/** The session id of a validly signed session cookie (express-session's format: `s:<sid>.<hmac>`), or undefined. */
export function signedSessionId(cookieHeader: string | undefined, name: string, secrets: readonly string[]): string | undefined {
  if (!cookieHeader || cookieHeader.length > MAX_COOKIE_HEADER) return undefined;
  const value = readCookie(cookieHeader, name);
  return value === undefined ? undefined : unsignedId(value, secrets);
}

/**
 * express-session's cookie as the lean paths (the session read, the proxy's) read it, remembering the values whose
 * signature already verified and their session id: the same browser sends the same cookie on every call, and the HMAC
 * was a visible share of each. Only verified values are kept (what a forger sends is checked every time); bounded, and
 * emptied when full.
 */
export class VerifiedCookies {
  private readonly known = new Map<string, string>();
  constructor(
    private readonly name: string,
    private readonly secrets: readonly string[],
    private readonly max = 10_000,
  ) {}

  /** The session cookie's value (still encoded) in a Cookie header, or undefined (none, or a header too long). */
  valueIn(header: string | undefined): string | undefined {
    return !header || header.length > MAX_COOKIE_HEADER ? undefined : readCookie(header, this.name);
  }

  /** The session id of a cookie value from `valueIn`, when it is validly signed. */
  sessionIdOf(value: string): string | undefined {
    const hit = this.known.get(value);
    if (hit !== undefined) return hit;
    const sid = unsignedId(value, this.secrets);
    if (sid !== undefined) {
      if (this.known.size >= this.max) this.known.clear();
      this.known.set(value, sid);
    }
    return sid;
  }

  /** The session id of the session cookie in a Cookie header, when it is validly signed. */
  sessionId(header: string | undefined): string | undefined {
    const value = this.valueIn(header);
    return value === undefined ? undefined : this.sessionIdOf(value);
  }
}
