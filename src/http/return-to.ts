const BASE = 'http://same.invalid';

/** A path a browser reads as this site's: one leading slash, then neither a slash nor a backslash. */
function sitePath(path: string): boolean {
  return path.startsWith('/') && path[1] !== '/' && path[1] !== '\\';
}

/**
 * A same-origin path to go to after sign-in, or "/" for anything else: protocol-relative (`//x`, `/\x`), schemes,
 * encoded slashes or backslashes, control characters and over-long values all fall back to "/". The answer is the
 * path as a browser resolves it (dot segments, encoded dots included), and that resolved form is checked again: `/.//x`
 * and `/%2e%2e//x` resolve to `//x`, which a browser would read as another host.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return '/';
  if (!sitePath(value)) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  if (/%(2f|5c|0d|0a|00|09)/i.test(value)) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return '/';
  }
  // eslint-disable-next-line no-control-regex
  if (!sitePath(decoded) || /[\u0000-\u001f\u007f]/.test(decoded)) return '/';
  const url = new URL(value, BASE);
  if (url.origin !== BASE || !sitePath(url.pathname)) return '/';
  return url.pathname + url.search + url.hash;
}
