import cookieSignature from 'cookie-signature';

/**
 * One cookie's value from a request's `Cookie` header, as sent (no decoding), or undefined. The gateway reads a few
 * cookies of its own beside express-session's (language, device proof, pre-login CSRF); they share this reader.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The session id of a validly signed session cookie (express-session's format: `s:<sid>.<hmac>`, URL-encoded), checked
 * against every secret (rotation), or undefined.
 */
export function signedSessionId(header: string | undefined, name: string, secrets: readonly string[]): string | undefined {
  if (!header || header.length > 8192) return undefined;
  const raw = readCookie(header, name);
  if (raw === undefined) return undefined;
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (!value.startsWith('s:')) return undefined;
  for (const secret of secrets) {
    const sid = cookieSignature.unsign(value.slice(2), secret);
    if (sid !== false) return sid;
  }
  return undefined;
}
