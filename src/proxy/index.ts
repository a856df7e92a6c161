import type { Request, Router } from 'express';
import type { Config } from '../config/index.js';
import { labelRoute } from '../http/route-label.js';
import type { TokenKeeper } from '../session/tokens.js';
import { bearer, forward, headOnto, type Forwarded } from './forward.js';
import { PROXY_ROUTE_LABEL, takeLeanFailure } from './lean.js';
import { compileProxyRoutes, resolveProxyTarget } from './target.js';

/**
 * `/proxy/<name>/<path>?<query>` under the API (any method): the app's own backends, called with the session's fresh
 * CloudBase access token, which never reaches the client. Mounted before the API's JSON parser: bodies stream through.
 * This is the full stack's proxy (every case); the plain case is answered before Express by lean.ts.
 */
export interface ProxyDeps {
  config: Config;
  freshAccessToken: TokenKeeper;
}

export function register(router: Router, { config, freshAccessToken }: ProxyDeps): void {
  const routes = compileProxyRoutes(config.proxy.routes, config.proxy.timeoutMs);
  const publicHost = config.publicOrigin ? new URL(config.publicOrigin).host : undefined;
  router.use('/proxy', async function proxy(req, res) {
    labelRoute(res, PROXY_ROUTE_LABEL);
    const target = resolveProxyTarget(routes, req.url);
    // The lean path met a failing backend before answering: its error is answered here, with the full stack's headers.
    const failure = takeLeanFailure(req);
    if (failure) throw failure;
    const accessToken = await freshAccessToken(req);
    await forward(req, res, target, {
      authorization: bearer(accessToken),
      requestId: String(req.id),
      forwarded: forwardedFor(req, publicHost),
      head: headOnto(res),
    });
  });
}

/**
 * The caller as the gateway judges it: Express reads X-Forwarded-For/-Proto only from proxies TRUST_PROXY names; the
 * host is PUBLIC_ORIGIN's when set (the Host header is the client's to choose).
 */
function forwardedFor(req: Request, publicHost: string | undefined): Forwarded {
  return {
    for: req.ip ?? req.socket.remoteAddress ?? '',
    proto: req.protocol,
    host: publicHost ?? req.host ?? '',
  };
}
