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
    // eslint-disable-next-line no-restricted-syntax -- made once per app, on its request prototype (not per request)
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
    res.once('finish', () => logCompletion(logger, req, res.statusCode, started));
    next();
  };
}

/** The completion line itself, also for a handler that answers before Express (the lean session read, the proxy's lean path). */
export function logCompletion(
  logger: Logger,
  req: { id?: string | undefined; method?: string | undefined; url?: string | undefined; originalUrl?: string },
  statusCode: number,
  started: number,
): void {
  const level = statusCode >= 500 ? 'error' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      req: { id: req.id, method: req.method, path: (req.originalUrl ?? req.url ?? '').split('?')[0] },
      res: { statusCode },
      responseTime: Math.round(performance.now() - started),
    },
    'request completed',
  );
}
