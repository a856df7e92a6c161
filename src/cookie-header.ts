/**
 * One cookie's value from a request's `Cookie` header, as sent (trimmed, no decoding), or undefined: the first cookie
 * called `name`, found by scanning rather than splitting the header (the lean paths read it on every request). The
 * gateway reads a few cookies of its own beside express-session's (session, language, device proof, pre-login CSRF,
 * flash); they share this reader.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (let at = header.indexOf(name); at >= 0; at = header.indexOf(name, at + 1)) {
    let before = at - 1;
    while (before >= 0 && (header.charCodeAt(before) === 32 || header.charCodeAt(before) === 9)) before--;
    if (before >= 0 && header.charCodeAt(before) !== 59 /* ; */) continue;
    let eq = at + name.length;
    while (eq < header.length && (header.charCodeAt(eq) === 32 || header.charCodeAt(eq) === 9)) eq++;
    if (header.charCodeAt(eq) !== 61 /* = */) continue;
    const end = header.indexOf(';', eq + 1);
    return header.slice(eq + 1, end < 0 ? header.length : end).trim();
  }
  return undefined;
}

