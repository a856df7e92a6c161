import Tokens from 'csrf';
import type { Request, RequestHandler } from 'express';
import type { Config } from '../config/index.js';
import { csrfFailed } from './errors.js';

const tokens = new Tokens({ saltLength: 12, secretLength: 18 });

/** A fresh synchronizer token for this session's secret (made on first use, so it lives and dies with the session). */
export function csrfToken(req: Request): string {
  if (!req.session.csrf) req.session.csrf = tokens.secretSync();
  return tokens.create(req.session.csrf);
}

export function csrfTokenValid(req: Request, token: unknown): boolean {
  return typeof token === 'string' && token.length < 200 && !!req.session.csrf && tokens.verify(req.session.csrf, token);
}

export function expectedOrigin(config: Config, req: Request): string {
  return config.publicOrigin ?? `${req.protocol}://${req.get('host') ?? ''}`;
}

/**
 * A cross-site request is refused before anything else looks at it: Origin must be ours when the browser sends it,
 * and Sec-Fetch-Site must not say cross-site. Safe methods pass.
 */
export function sameOriginCheck(config: Config, req: Request): boolean {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return true;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== expectedOrigin(config, req)) return false;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  return true;
}

/** For server-rendered forms: same-origin check, then the `_csrf` field against the session's secret. */
export function requireFormCsrf(config: Config): RequestHandler {
  return function formCsrf(req, _res, next) {
    const body = req.body as Record<string, unknown> | undefined;
    if (!sameOriginCheck(config, req) || !csrfTokenValid(req, body?._csrf)) return next(csrfFailed());
    next();
  };
}
