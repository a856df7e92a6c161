import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Request, Response } from 'express';
import { AppError } from '../http/errors.js';
import type { ProxyTarget } from './target.js';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];
/** The BFF's own credentials and controls: the backend gets a Bearer token and this request's id instead. */
const BFF_REQUEST_HEADERS = ['cookie', 'authorization', 'host', 'x-csrf', 'x-session-mode', 'x-request-id'];
const BFF_RESPONSE_HEADERS = ['set-cookie'];

class ProxyTimeout extends Error {}

const timedOut = () => new AppError(504, 'upstream_timeout', 'api.proxy_timeout');
const unreachable = (cause: unknown) => new AppError(502, 'upstream_unreachable', 'api.proxy_unavailable', { cause });

/** Headers minus hop-by-hop ones (the fixed list and any the Connection header names) and `drop`. */
function endToEnd(from: IncomingHttpHeaders, drop: readonly string[]): OutgoingHttpHeaders {
  const named = String(from.connection ?? '')
    .toLowerCase()
    .split(',')
    .map((s) => s.trim());
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(from)) {
    if (value === undefined || HOP_BY_HOP.includes(name) || drop.includes(name) || named.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

export interface ForwardOptions {
  accessToken: string;
  /** socket idle limit: connecting, waiting for the answer, and between body chunks */
  timeoutMs: number;
}

/**
 * Streams the request to the target and the answer back, status, headers and body as they come. node:http rather
 * than got: got's stream mode retries, follows redirects and turns statuses into errors, and a proxy wants none of
 * that. Until the upstream answers, failures reject (and become JSON errors); after that the answer is committed and
 * a failure can only cut the connection.
 */
export function forward(req: Request, res: Response, target: ProxyTarget, { accessToken, timeoutMs }: ForwardOptions): Promise<void> {
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
        ...endToEnd(req.headers, BFF_REQUEST_HEADERS),
        host: target.host,
        authorization: `Bearer ${accessToken}`,
        'x-request-id': String(req.id),
      },
    });
    let committed = false;

    upstream.on('timeout', () => upstream.destroy(new ProxyTimeout()));
    upstream.on('response', (answer) => {
      committed = true;
      res.status(answer.statusCode ?? 502);
      for (const [name, value] of Object.entries(endToEnd(answer.headers, BFF_RESPONSE_HEADERS))) res.setHeader(name, value!);
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
