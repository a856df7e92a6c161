import type { Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { AppError } from '../errors/app-error.js';

export interface ErrorLog {
  /** when the request has no logger of its own */
  logger?: Logger;
  level: 'error' | 'warn';
  msg: string;
}

/**
 * What every error responder (error page, JSON error, re-rendered form) does before writing its body: logs a 5xx
 * (only those: a 4xx is the caller's doing), then, unless the answer has already started, sets the status,
 * Retry-After and no-store. False when the headers were already sent: the caller cannot answer any more.
 */
export function startErrorResponse(req: Request, res: Response, err: AppError, log: ErrorLog, original: unknown = err): boolean {
  if (err.status >= 500) (req.log ?? log.logger)?.[log.level]({ err: err.extra.cause ?? original, code: err.code }, log.msg);
  if (res.headersSent) return false;
  if (err.extra.retryAfterS) res.setHeader('Retry-After', String(err.extra.retryAfterS));
  res.setHeader('Cache-Control', 'no-store');
  res.status(err.status);
  return true;
}
