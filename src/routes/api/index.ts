import express, { type RequestHandler, type Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { notFound } from '../../errors/app-error.js';
import { requireApiCsrf } from '../../http/api-csrf.js';
import { isTokenMode } from '../../session/token-session.js';
import * as proxy from '../../proxy/index.js';
import { jsonBody } from './body.js';
import * as account from './account.js';
import * as openapi from './openapi.js';
import * as provider from './provider.js';
import * as session from './session.js';
import * as sessions from './sessions.js';
import * as sms from './sms.js';

/** The JSON resources, each `register(router, deps)` under /api. */
export const API_RESOURCES: { register(router: Router, deps: RouteDeps): void }[] = [session, provider, sms, sessions, account, openapi];

export const noStore: RequestHandler = function noStore(_req, res, next) {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/**
 * Everything under /api: CSRF first, then the proxy (its bodies stream, so it comes before the JSON parser), then the
 * JSON resources; unknown routes are 404. Errors leave the router: mount it with `jsonErrors` after it, at app level,
 * so errors raised before it (the session store failing) answer JSON too.
 */
export function createApiRouter(deps: RouteDeps): Router {
  const api = express.Router();
  api.use(noStore, requireApiCsrf(deps.config, isTokenMode));
  proxy.register(api, deps);
  api.use(jsonBody());
  for (const resource of API_RESOURCES) resource.register(api, deps);
  api.use((_req, _res, next) => next(notFound()));
  return api;
}
