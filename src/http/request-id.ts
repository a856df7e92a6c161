import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';

const SAFE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export type TrustFn = (addr: string, hop: number) => boolean;

/**
 * Takes a well-formed incoming x-request-id when a trusted proxy (TRUST_PROXY) sent it, or makes one; echoes it and
 * keeps it for logs and upstream calls. A client's own id is not kept: CloudBase and the proxied backends would take
 * it for one the gateway vouches for (and one client could make its requests look like another's in the logs).
 */
export function requestId(): RequestHandler {
  return function requestIdMiddleware(req, res, next) {
    // A request the proxy's lean path handed over (its backend failed) keeps the id the backend was sent.
    const id = (req.id as string | undefined) ?? requestIdOf(req, req.app.get('trust proxy fn') as TrustFn | undefined);
    req.id = id;
    res.setHeader('x-request-id', id);
    next();
  };
}

/** The id for a request: its incoming x-request-id when well-formed and sent by a trusted proxy, else a new one. */
export function requestIdOf(req: IncomingMessage, trust: TrustFn | undefined): string {
  const incoming = req.headers['x-request-id'];
  const trusted = trust?.(req.socket.remoteAddress ?? '', 0) === true;
  return trusted && typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
}

declare module 'http' {
  interface IncomingMessage {
    /** this request's id (x-request-id), set first thing */
    id: string;
  }
}
