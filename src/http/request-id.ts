import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

const SAFE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Takes a well-formed incoming x-request-id or makes one; echoes it and keeps it for logs and upstream calls. */
export function requestId(): RequestHandler {
  return function requestIdMiddleware(req, res, next) {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('x-request-id', id);
    next();
  };
}

declare module 'http' {
  interface IncomingMessage {
    /** this request's id (x-request-id), set first thing */
    id: string;
  }
}
