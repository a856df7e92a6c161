import type { Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { AppError } from '../errors/app-error.js';
import { CATALOGUE } from '../errors/catalogue.js';

export interface ErrorLog {
  /** when the request has no logger of its own */
  logger?: Logger;
  level: 'error' | 'warn';
  msg: string;
}

/**
 * The HTTP status an error answers with. Errors carry a code, not a status: this edge is the one place that maps
 * one to the other (from the catalogue).
 */
export function httpStatus(err: AppError): number {
  return CATALOGUE[err.code].status;
}

/**
 * The error core every responder (error page, JSON error, failed form's redirect) runs before writing its body: logs a 5xx
 * (only those: a 4xx is the caller's doing), then, unless the answer has already started, sets the code's status,
 * Retry-After (the error's own wait, else its code's default) and no-store. False when the headers were already sent:
 * the caller cannot answer any more.
 */
export function startErrorResponse(req: Request, res: Response, err: AppError, log: ErrorLog, original: unknown = err): boolean {
  const status = httpStatus(err);
  if (status >= 500) (req.log ?? log.logger)?.[log.level]({ err: err.extra.cause ?? original, code: err.code }, log.msg);
  if (res.headersSent) return false;
  const retryAfterS = err.retryAfterS;
  if (retryAfterS) res.setHeader('Retry-After', String(retryAfterS));
  res.setHeader('Cache-Control', 'no-store');
  res.status(status);
  return true;
}
