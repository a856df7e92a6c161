import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';

const SAFE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export type TrustFn = (addr: string, hop: number) => boolean;

/**
 * Takes a well-formed incoming x-request-id when a trusted proxy (TRUST_PROXY) sent it, or makes one; echoes it and
 * keeps it for logs and upstream calls. A client's own id is not kept: CloudBase and the proxied backends would take
 * it for one the gateway vouches for (and one client could make its requests look like another's in the logs).
 */
export function requestId(): RequestHandler {
  return function requestIdMiddleware(req, res, next) {
    // A request a lean path handed over (the lean read, or the proxy's when its backend failed) keeps its id.
    const id = req.id ?? assignRequestId(req);
    res.setHeader('x-request-id', id);
    next();
  };
}

/**
 * The same choice for a handler that writes its own headers (the lean session read, which runs before Express has
 * made `req` an Express request: it passes the app's trust function): sets and returns `req.id`.
 */
export function assignRequestId(req: IncomingMessage, trust?: TrustFn): string {
  const incoming = req.headers['x-request-id'];
  const isTrusted = trust ?? ((req as Request).app.get('trust proxy fn') as TrustFn | undefined);
  const trusted = incoming !== undefined && isTrusted?.(req.socket.remoteAddress ?? '', 0) === true;
  const id = trusted && typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
  req.id = id;
  return id;
}

declare module 'http' {
  interface IncomingMessage {
    /** this request's id (x-request-id), set first thing */
    id: string;
  }
}
