import { request as httpRequest, type Agent, type ClientRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AppError, notFound } from '../errors/app-error.js';
import { backendAgent } from './agent.js';

/** One PROXY_ROUTES entry, parsed once: where it goes and the keep-alive agent its calls share. */
export interface ProxyRoute {
  name: string;
  protocol: 'http:' | 'https:';
  hostname: string;
  port: string;
  host: string;
  /** the base path without trailing slashes ('' for none) */
  basePath: string;
  agent: Agent;
  send: (options: RequestOptions) => ClientRequest;
}

/** Where one proxied call goes: always a host from PROXY_ROUTES, with a path under that route's base path. */
export interface ProxyTarget {
  route: ProxyRoute;
  /** path and query as sent on the request line */
  path: string;
}

export type ProxyRoutes = ReadonlyMap<string, ProxyRoute>;

/**
 * Parses PROXY_ROUTES once and gives each route its own keep-alive agent, so connections to a backend are reused
 * across requests (and a slow backend's sockets do not count against another's). `timeoutMs` (PROXY_TIMEOUT_MS) is
 * each backend socket's idle limit (agent.ts).
 */
export function compileProxyRoutes(routes: Readonly<Record<string, string>>, timeoutMs: number): ProxyRoutes {
  const compiled = new Map<string, ProxyRoute>();
  for (const [name, url] of Object.entries(routes)) {
    const base = new URL(url);
    const https = base.protocol === 'https:';
    compiled.set(name, {
      name,
      protocol: https ? 'https:' : 'http:',
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port,
      host: base.host,
      basePath: base.pathname.replace(/\/+$/, ''),
      agent: backendAgent(https, timeoutMs),
      send: https ? httpsRequest : httpRequest,
    });
  }
  return compiled;
}

const badPath = () => new AppError('invalid_proxy_path');

// Raw backslashes and control characters; encoded slashes, backslashes and NUL; double encoding of any of those or of
// dots: each could let an upstream that decodes (again) read a path outside the base.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_RAW = /[\\\u0000-\u001f\u007f]|%(2f|5c|00)|%25(2e|2f|5c|00)/i;

function segmentsOk(rest: string): boolean {
  for (const segment of rest.split('/')) {
    if (segment.includes('%')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        return false;
      }
      if (decoded === '.' || decoded === '..') return false;
    } else if (segment === '.' || segment === '..') return false;
  }
  return true;
}

/**
 * `rawUrl` is the request URL under the proxy's mount, undecoded: `/<name>[/<path>][?<query>]`. An unknown name is
 * 404; a path that could step out of the configured base (`..` segments, however encoded, encoded slashes) is 400.
 * Segments are passed on as the client encoded them; the query string untouched.
 */
export function resolveProxyTarget(routes: ProxyRoutes, rawUrl: string): ProxyTarget {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q);
  const slash = rawPath.indexOf('/', 1);
  const name = rawPath.slice(1, slash < 0 ? undefined : slash);
  const route = rawPath.startsWith('/') && name ? routes.get(name) : undefined;
  if (!route) throw notFound();
  const rest = slash < 0 ? '' : rawPath.slice(slash);
  if (FORBIDDEN_RAW.test(rest) || !segmentsOk(rest)) throw badPath();
  return { route, path: `${route.basePath}${rest || (route.basePath ? '' : '/')}${query}` };
}
