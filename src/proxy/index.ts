import type { Request, Router } from 'express';
import type { Config } from '../config/index.js';
import type { TokenKeeper } from '../session/tokens.js';
import { forward, type Forwarded } from './forward.js';
import { resolveProxyTarget } from './target.js';

/**
 * `/proxy/<name>/<path>?<query>` under the API (any method): the app's own backends, called with the session's fresh
 * CloudBase access token, which never reaches the client. Mounted before the API's JSON parser: bodies stream through.
 */
export interface ProxyDeps {
  config: Config;
  freshAccessToken: TokenKeeper;
}

export function register(router: Router, { config, freshAccessToken }: ProxyDeps): void {
  router.use('/proxy', async function proxy(req, res) {
    const target = resolveProxyTarget(config.proxy.routes, req.url);
    const accessToken = await freshAccessToken(req);
    await forward(req, res, target, { accessToken, forwarded: forwardedFor(req, config), timeoutMs: config.proxy.timeoutMs });
  });
}

/**
 * The caller as the gateway judges it: Express reads X-Forwarded-For/-Proto only from proxies TRUST_PROXY names; the
 * host is PUBLIC_ORIGIN's when set (the Host header is the client's to choose).
 */
function forwardedFor(req: Request, config: Config): Forwarded {
  return {
    for: req.ip ?? req.socket.remoteAddress ?? '',
    proto: req.protocol,
    host: config.publicOrigin ? new URL(config.publicOrigin).host : (req.host ?? ''),
  };
}
