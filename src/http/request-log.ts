import type { IncomingMessage } from 'node:http';
import type { Express, RequestHandler } from 'express';
import type { Logger } from '../logger.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** this request's child logger (carries reqId), made on first use */
    log: Logger;
  }
}

/**
 * `req.log` for every request of this app, made lazily: most requests never log anything, and a pino child logger
 * per request was a measurable share of the session read (see bench/README.md).
 */
export function installRequestLogger(app: Express, logger: Logger): void {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: { id: string }) {
      const child = logger.child({ reqId: this.id });
      Object.defineProperty(this, 'log', { value: child, configurable: true });
      return child;
    },
  });
}

/** One line per answered request (id, method, path, status, time), at info, or error for 5xx; never headers or bodies. */
export function requestCompletionLog(logger: Logger): RequestHandler {
  return function requestCompletionLogMiddleware(req, res, next) {
    if (req.url === '/healthz' || req.url.startsWith('/static/')) return next();
    const started = performance.now();
    res.once('finish', () => logAnswered(logger, req, req.originalUrl, res.statusCode, started));
    next();
  };
}

/**
 * The completion line for one answer, also for a handler that runs before Express (the proxy's lean path): `url` is
 * the request's full URL (the query is cut off), `started` from performance.now() when the request came in.
 */
export function logAnswered(logger: Logger, req: IncomingMessage, url: string, status: number, started: number): void {
  const level = status >= 500 ? 'error' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      req: { id: req.id, method: req.method, path: url.split('?')[0] },
      res: { statusCode: status },
      responseTime: Math.round(performance.now() - started),
    },
    'request completed',
  );
}
