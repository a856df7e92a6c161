/**
 * Paths that try to leave the site once a browser resolves them: dot segments in every spelling, slashes and
 * backslashes raw and encoded (once and twice), tabs and newlines browsers strip, scheme tricks. Built as a product so
 * a new spelling of one part is tried with every other part.
 */
const DOTS = ['.', '..', '%2e', '%2E', '.%2e', '%2e.', '%2e%2e', '%2E%2e', '%252e', '%252e%252e', '..;', '.../'];
const SEPARATORS = ['/', '//', '\\', '/\\', '\\/', '%2f', '%5c', '%252f', '%09/', '/%0a/', '\t/', '/./', '/../'];
const HOSTS = ['evil.example', 'evil.example/path?x=1#frag', '@evil.example', 'evil.example:443'];

export function dotSegmentPaths(): string[] {
  const out = new Set<string>();
  for (const dots of DOTS)
    for (const sep of SEPARATORS)
      for (const host of HOSTS) {
        out.add(`/${dots}/${sep}${host}`);
        out.add(`/a/${dots}/${dots}${sep}${host}`);
        out.add(`/${dots}${sep}${host}`);
      }
  for (const extra of [
    '//evil.example',
    '/\\evil.example',
    '/\t/evil.example',
    '/%2F/evil.example',
    '/%5C%5Cevil.example',
    'https://evil.example',
    'javascript:alert(1)',
    '/.',
    '/..',
    '/./..//evil.example',
    '/x/../..//evil.example',
    '/%2e%2e%2f%2fevil.example',
    '/．．//evil.example',
    '/\u3002\u3002//evil.example',
  ])
    out.add(extra);
  return [...out];
}

/** Whether `location`, resolved as a browser would against `origin`, stays on that origin. */
export function staysOn(origin: string, location: string): boolean {
  try {
    return new URL(location, `${origin}/some/page`).origin === origin;
  } catch {
    return false;
  }
}
