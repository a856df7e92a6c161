import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Request, Response } from 'express';
import { AppError } from '../errors/app-error.js';
import type { ProxyTarget } from './target.js';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

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
 * the gateway set itself are never replaced either (see forward()).
 */
const RESPONSE_DROPPED =
  /^(set-cookie2?|access-control-.+|timing-allow-origin|clear-site-data|alt-svc|strict-transport-security|permissions-policy|feature-policy|cdn-cache-control|surrogate-control)$/;

class ProxyTimeout extends Error {}

const timedOut = () => new AppError('upstream_timeout', { messageKey: 'api.proxy_timeout' });
const unreachable = (cause: unknown) => new AppError('upstream_unreachable', { cause });

/** Headers minus hop-by-hop ones (the fixed list and any the Connection header names) and those `drop` matches. */
function endToEnd(from: IncomingHttpHeaders, drop: RegExp): OutgoingHttpHeaders {
  const named = String(from.connection ?? '')
    .toLowerCase()
    .split(',')
    .map((s) => s.trim());
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(from)) {
    if (value === undefined || HOP_BY_HOP.includes(name) || drop.test(name) || named.includes(name)) continue;
    out[name] = value;
  }
  return out;
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

/** What the gateway itself vouches for about the caller, sent as X-Forwarded-For, -Proto and -Host. */
export interface Forwarded {
  /** the client address as judged under TRUST_PROXY */
  for: string;
  proto: string;
  host: string;
}

export interface ForwardOptions {
  accessToken: string;
  forwarded: Forwarded;
  /** socket idle limit: connecting, waiting for the answer, and between body chunks */
  timeoutMs: number;
}

/**
 * Streams the request to the target and the answer back, status, headers and body as they come. node:http rather
 * than got: got's stream mode retries, follows redirects and turns statuses into errors, and a proxy wants none of
 * that. Until the upstream answers, failures reject (and become JSON errors); after that the answer is committed and
 * a failure can only cut the connection.
 */
export function forward(req: Request, res: Response, target: ProxyTarget, { accessToken, forwarded, timeoutMs }: ForwardOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstream = send({
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port ? { port: target.port } : {}),
      method: req.method,
      path: target.path,
      timeout: timeoutMs,
      headers: {
        ...endToEnd(req.headers, REQUEST_DROPPED),
        host: target.host,
        authorization: `Bearer ${accessToken}`,
        'x-request-id': String(req.id),
        'x-forwarded-for': forwarded.for,
        'x-forwarded-proto': forwarded.proto,
        'x-forwarded-host': forwarded.host,
      },
    });
    let committed = false;

    upstream.on('timeout', () => upstream.destroy(new ProxyTimeout()));
    upstream.on('response', (answer) => {
      committed = true;
      res.status(answer.statusCode ?? 502);
      // The gateway's own headers (CSP, X-Frame-Options, X-Content-Type-Options, the request id, …) stay its own.
      const ours = new Set(res.getHeaderNames());
      for (const [name, value] of Object.entries(endToEnd(answer.headers, RESPONSE_DROPPED))) {
        if (!ours.has(name)) res.setHeader(name, value!);
      }
      const cacheControl = privateAtMost(answer.headers['cache-control']);
      if (cacheControl) res.setHeader('cache-control', cacheControl);
      answer.on('error', () => res.destroy());
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      if (committed) return res.destroy();
      reject(err instanceof ProxyTimeout ? timedOut() : unreachable(err));
    });
    req.on('error', () => upstream.destroy());
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
      resolve();
    });
    req.pipe(upstream);
  });
}
