import { AppError, notFound } from '../errors/app-error.js';

/** Where one proxied call goes: always a host from PROXY_ROUTES, with a path under that route's base path. */
export interface ProxyTarget {
  name: string;
  protocol: 'http:' | 'https:';
  hostname: string;
  port: string;
  host: string;
  /** path and query as sent on the request line */
  path: string;
}

const badPath = () => new AppError('invalid_proxy_path');

// Raw backslashes and control characters; encoded slashes, backslashes and NUL; double encoding of any of those or of
// dots: each could let an upstream that decodes (again) read a path outside the base.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_RAW = /[\\\u0000-\u001f\u007f]|%(2f|5c|00)|%25(2e|2f|5c|00)/i;

function segmentOk(segment: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return false;
  }
  return decoded !== '.' && decoded !== '..';
}

/**
 * `rawUrl` is the request URL under the proxy's mount, undecoded: `/<name>[/<path>][?<query>]`. An unknown name is
 * 404; a path that could step out of the configured base (`..` segments, however encoded, encoded slashes) is 400.
 * Segments are passed on as the client encoded them; the query string untouched.
 */
export function resolveProxyTarget(routes: Readonly<Record<string, string>>, rawUrl: string): ProxyTarget {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q);
  const m = /^\/([^/]+)(\/.*)?$/.exec(rawPath);
  const name = m?.[1];
  if (!name || !Object.hasOwn(routes, name)) throw notFound();
  const rest = m[2] ?? '';
  if (FORBIDDEN_RAW.test(rest) || !rest.split('/').every(segmentOk)) throw badPath();
  const base = new URL(routes[name]!);
  const basePath = base.pathname.replace(/\/+$/, '');
  return {
    name,
    protocol: base.protocol === 'https:' ? 'https:' : 'http:',
    hostname: base.hostname.replace(/^\[|\]$/g, ''),
    port: base.port,
    host: base.host,
    path: `${basePath}${rest || (basePath ? '' : '/')}${query}`,
  };
}
