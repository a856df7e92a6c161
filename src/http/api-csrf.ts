import type { Request, RequestHandler } from 'express';
import type { Config } from '../config/index.js';
import { sameOriginCheck } from './csrf.js';
import { AppError } from '../errors/app-error.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const apiCsrfFailed = () => new AppError('csrf_failed', { messageKey: 'api.csrf' });

/**
 * CSRF for the JSON API and the proxy: a state-changing call must send `X-CSRF: 1` (a header no cross-site form can
 * set, and that a cross-site fetch cannot send without a CORS preflight this server never grants), plus the same-origin
 * Origin / Sec-Fetch-Site check. Token-mode calls are exempt: they never read the cookie, so there is no ambient
 * credential for another site to ride on.
 */
export function requireApiCsrf(config: Config, isTokenMode: (req: Request) => boolean): RequestHandler {
  return function apiCsrf(req, _res, next) {
    if (SAFE_METHODS.has(req.method) || isTokenMode(req)) return next();
    if (req.get('x-csrf') !== '1' || !sameOriginCheck(config, req)) return next(apiCsrfFailed());
    next();
  };
}
