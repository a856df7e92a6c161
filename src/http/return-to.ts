/**
 * A same-origin path to go to after sign-in, or "/" for anything else: protocol-relative (`//x`, `/\x`), schemes,
 * encoded slashes or backslashes, control characters and over-long values all fall back to "/".
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return '/';
  if (!value.startsWith('/')) return '/';
  if (value.startsWith('//') || value.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  if (/%(2f|5c|0d|0a|00|09)/i.test(value)) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return '/';
  }
  if (decoded.startsWith('//') || decoded.startsWith('/\\') || /[\u0000-\u001f\u007f]/.test(decoded)) return '/';
  const url = new URL(value, 'http://same.invalid');
  if (url.origin !== 'http://same.invalid') return '/';
  return url.pathname + url.search + url.hash;
}
