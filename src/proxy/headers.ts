import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Not sent on: the BFF's own credentials and controls (the backend gets a Bearer token and the gateway's request id
 * instead), and every header by which a client could pose as a proxy in front of the backend (its address, scheme,
 * host, or a rewritten path or method): the gateway sets X-Forwarded-For/-Proto/-Host itself.
 */
const REQUEST_DROPPED = new RegExp(
  `^(${[
    'cookie|authorization|host|x-csrf|x-session-mode|x-request-id',
    // the caller's address
    'forwarded|x-forwarded(-.+)?|x-real-.+|x-client-ip|client-ip|x?-?true-client-ip|cf-connecting-ipv?6?|fastly-client-ip|akamai-client-ip',
    'x-cluster-client-ip|x-proxyuser-ip|proxy-client-ip|wl-proxy-client-ip|x-originating-ip|x-remote-(ip|addr)|x-custom-ip-authorization',
    'x-azure-(clientip|socketip)|x-appengine-user-ip|x-arr-clientip',
    // its scheme and host, the path or method it asked for
    'x-url-scheme|x-scheme|front-end-https|x-host|x-original-.+|x-rewrite-.+|x-override-.+|x-http-method(-override)?|x-method-override',
    'x-envoy-.+',
  ].join('|')})$`,
);

/**
 * Not passed back: cookies for the gateway's origin, CORS grants (the gateway never grants cross-origin reads), and
 * headers that act on the whole origin (its transport, its features, its stored data) or on shared caches. Headers
 * the gateway set itself are never replaced either (see forward.ts), and Cache-Control goes through privateAtMost.
 */
const RESPONSE_DROPPED =
  /^(set-cookie2?|access-control-.+|timing-allow-origin|clear-site-data|alt-svc|strict-transport-security|permissions-policy|feature-policy|cdn-cache-control|surrogate-control|cache-control)$/;

/** How many distinct header names each filter remembers its verdict for (names are few; a client could send many). */
const MEMO_LIMIT = 1024;

/** A header-name test that remembers its verdicts: the same few names come on every request. */
function memoised(test: (name: string) => boolean): (name: string) => boolean {
  const verdicts = new Map<string, boolean>();
  return (name) => {
    let v = verdicts.get(name);
    if (v === undefined) {
      v = test(name);
      if (verdicts.size < MEMO_LIMIT) verdicts.set(name, v);
    }
    return v;
  };
}

const requestDropped = memoised((name) => HOP_BY_HOP.has(name) || REQUEST_DROPPED.test(name));
const responseDropped = memoised((name) => HOP_BY_HOP.has(name) || RESPONSE_DROPPED.test(name));

/** Header names a Connection header lists (hop-by-hop too), or undefined when it lists none beyond the usual. */
function connectionNamed(headers: IncomingHttpHeaders): Set<string> | undefined {
  const connection = headers.connection;
  if (connection === undefined || connection === 'keep-alive' || connection === 'close') return undefined;
  return new Set(
    String(connection)
      .toLowerCase()
      .split(',')
      .map((s) => s.trim()),
  );
}

/**
 * The request headers the backend may see, appended to `out` as name, value pairs (the flat form node:http takes
 * without re-checking each name through setHeader): hop-by-hop ones and those REQUEST_DROPPED names are left out.
 */
export function forwardableRequestHeaders(from: IncomingHttpHeaders, out: (string | string[])[]): void {
  const named = connectionNamed(from);
  for (const name in from) {
    const value = from[name];
    if (value === undefined || requestDropped(name) || named?.has(name)) continue;
    out.push(name, value);
  }
}

/**
 * The answer's headers the client may see, appended to `out` as name, value pairs: hop-by-hop ones, those
 * RESPONSE_DROPPED names and those `ours` says the gateway has set itself are left out.
 */
export function returnableResponseHeaders(from: IncomingHttpHeaders, ours: (name: string) => boolean, out: (string | string[])[]): void {
  const named = connectionNamed(from);
  for (const name in from) {
    const value = from[name];
    if (value === undefined || responseDropped(name) || ours(name) || named?.has(name)) continue;
    out.push(name, value);
  }
}

/**
 * An answer for one signed-in person may be kept by their browser, never by a shared cache: the backend's directives
 * minus `public` and `s-maxage`, made `private` unless they say `no-store`; none at all stays the gateway's `no-store`.
 */
export function privateAtMost(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const directives = (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d.length > 0 && !/^(public|s-maxage\s*=.*|proxy-revalidate)$/i.test(d));
  if (directives.length === 0) return undefined;
  if (!directives.some((d) => /^(private|no-store)$/i.test(d))) directives.unshift('private');
  return directives.join(', ');
}

/** The Cache-Control the client gets for a backend's answer. */
export function cacheControlFor(backend: string | string[] | undefined): string {
  return privateAtMost(backend) ?? 'no-store';
}
