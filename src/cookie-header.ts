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
