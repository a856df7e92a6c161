import type { Router } from 'express';
import type { RouteDeps } from '../routes/deps.js';
import { forward } from './forward.js';
import { resolveProxyTarget } from './target.js';

/**
 * `/proxy/<name>/<path>?<query>` under the API (any method): the app's own backends, called with the session's fresh
 * CloudBase access token, which never reaches the client. Mounted before the API's JSON parser: bodies stream through.
 */
export function register(router: Router, { config, freshAccessToken }: RouteDeps): void {
  router.use('/proxy', async function proxy(req, res) {
    const target = resolveProxyTarget(config.proxy.routes, req.url);
    const accessToken = await freshAccessToken(req);
    await forward(req, res, target, { accessToken, timeoutMs: config.proxy.timeoutMs });
  });
}
