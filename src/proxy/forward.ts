import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors/app-error.js';
import { BackendTimeout } from './agent.js';
import { cacheControlFor, forwardableRequestHeaders, returnableResponseHeaders } from './headers.js';
import type { ProxyTarget } from './target.js';

export { privateAtMost } from './headers.js';

/** Whether the request has a body to stream on: HTTP/1.1 says so by Content-Length or Transfer-Encoding alone. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

const timedOut = () => new AppError('upstream_timeout', { messageKey: 'api.proxy_timeout' });
const unreachable = (cause: unknown) => new AppError('upstream_unreachable', { cause });

/** The Authorization header for a session's access token. */
export const bearer = (accessToken: string) => `Bearer ${accessToken}`;

/** What the gateway itself vouches for about the caller, sent as X-Forwarded-For, -Proto and -Host. */
export interface Forwarded {
  /** the client address as judged under TRUST_PROXY */
  for: string;
  proto: string;
  host: string;
}

type HeaderPairs = (string | string[])[];

/**
 * How the answer's head is written. The full stack has set the gateway's headers on the response already, so its
 * own headers are those the response has; the lean path (lean.ts) writes the gateway's headers and the backend's in
 * one `writeHead`, starting from a list made once.
 */
export interface AnswerHead {
  /** true for a header the gateway sets itself: the backend's is dropped */
  ours: (name: string) => boolean;
  /** the pairs the head starts with, before the backend's (the lean path's own headers, made once) */
  start?: readonly string[];
  /** status and headers (name, value pairs: `start`, the request id when `start` is given, the backend's kept ones,
   * then Cache-Control) onto the response */
  write(res: ServerResponse, status: number, headers: HeaderPairs): void;
}

/** The full stack's head: the gateway's headers are already on the response. */
export function headOnto(res: ServerResponse): AnswerHead {
  return {
    ours: (name) => res.hasHeader(name),
    write(target, status, headers) {
      for (let i = 0; i < headers.length; i += 2) target.setHeader(headers[i] as string, headers[i + 1]!);
      target.statusCode = status;
    },
  };
}

export interface ForwardOptions {
  /** the Authorization header the backend gets: `Bearer <the session's access token>` (bearer() makes it) */
  authorization: string;
  requestId: string;
  forwarded: Forwarded;
  head: AnswerHead;
}

/**
 * The answer's head as it is built: `writeHead` reads a list of pairs at once and keeps none of it (node:http's
 * `_storeHeader` makes the head's text from it there and then), so one list serves every answer.
 */
const answerPairs: HeaderPairs = [];

/**
 * The answer's body onto the response, as `pipe` would (the end of one ends the other; a slow client pauses the
 * backend) with two listeners instead of pipe's seven set up and taken down per answer.
 */
function relay(answer: IncomingMessage, res: ServerResponse): void {
  const resume = () => answer.resume();
  answer.on('data', (chunk: Buffer) => {
    if (res.destroyed) return;
    if (!res.write(chunk)) {
      answer.pause();
      res.once('drain', resume);
    }
  });
  answer.on('end', () => {
    if (!res.destroyed) res.end();
  });
}

/**
 * Streams the request to the target and the answer back, status, headers and body as they come. node:http rather
 * than got: got's stream mode retries, follows redirects and turns statuses into errors, and a proxy wants none of
 * that. Until the upstream answers, a failure is passed to `done` (and becomes a JSON error); after that the answer is
 * committed and a failure can only cut the connection, and `done` is called without one when the answer is over
 * (`done` is called once).
 * Connections to the backend are kept alive by the route's agent, which also times them out (PROXY_TIMEOUT_MS).
 */
export function forwardTo(req: IncomingMessage, res: ServerResponse, target: ProxyTarget, opts: ForwardOptions, done: (failure?: AppError) => void): void {
  const { route } = target;
  const headers: HeaderPairs = [
    'host',
    route.host,
    'authorization',
    opts.authorization,
    'x-request-id',
    opts.requestId,
    'x-forwarded-for',
    opts.forwarded.for,
    'x-forwarded-proto',
    opts.forwarded.proto,
    'x-forwarded-host',
    opts.forwarded.host,
  ];
  forwardableRequestHeaders(req.headers, headers);
  const upstream = route.send({
    agent: route.agent,
    hostname: route.hostname,
    port: route.port || undefined,
    method: req.method,
    path: target.path,
    headers: headers as unknown as Record<string, string>,
  });
  let committed = false;
  let settled = false;
  const settle = (failure?: AppError) => {
    if (settled) return;
    settled = true;
    done(failure);
  };

  upstream.on('response', (answer) => {
    committed = true;
    const { head } = opts;
    const back = answerPairs;
    back.length = 0;
    if (head.start) {
      for (let i = 0; i < head.start.length; i++) back.push(head.start[i]!);
      back.push('x-request-id', opts.requestId);
    }
    returnableResponseHeaders(answer.headers, head.ours, back);
    back.push('cache-control', cacheControlFor(answer.headers['cache-control']));
    try {
      head.write(res, answer.statusCode ?? 502, back);
    } finally {
      back.length = 0;
    }
    answer.on('error', () => res.destroy());
    relay(answer, res);
  });
  upstream.on('error', (err) => {
    if (committed) return res.destroy();
    settle(err instanceof BackendTimeout ? timedOut() : unreachable(err));
  });
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
    settle();
  });
  if (hasBody(req)) {
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  } else {
    upstream.end();
  }
}

/** forwardTo as a promise: rejected with the failure met before the backend answered, resolved when the answer is over. */
export function forward(req: IncomingMessage, res: ServerResponse, target: ProxyTarget, opts: ForwardOptions): Promise<void> {
  return new Promise((resolve, reject) => forwardTo(req, res, target, opts, (failure) => (failure ? reject(failure) : resolve())));
}
