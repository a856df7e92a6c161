import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { safeReturnTo } from '../../http/return-to.js';
import { AppError } from '../../errors/app-error.js';
import { isTokenMode } from '../../session/token-session.js';
import { sessionLimits } from '../../session/policy.js';
import { signInWithProviderCode, signInWithTicket, startProvider } from '../../flows/provider/index.js';
import { callbackUri } from '../provider-callback.js';
import { flowContext } from '../flow-context.js';
import { parseBody } from './body.js';
import { sendSignedIn } from './respond.js';
import { providerCodeBody, providerStartBody, ticketBody } from './schemas.js';

/** Third-party providers and custom tickets for SPAs and native apps. */
export function register(router: Router, { config, auth, sessions, now }: RouteDeps): void {
  const limits = sessionLimits(config);
  const offered = config.providers.map((p) => p.id);

  router.post('/session/provider/start', async (req, res) => {
    // The callback is a browser redirect that can only end in a cookie session: a token-mode app would start a flow
    // it can never finish. Refused before anything is kept or CloudBase is asked.
    if (isTokenMode(req)) throw new AppError('token_mode_unsupported');
    const body = parseBody(providerStartBody, req.body);
    const c = flowContext(req, auth, now, undefined);
    const { url } = await startProvider(c, {
      providerId: body.provider_id,
      offered,
      returnTo: safeReturnTo(body.returnTo),
      mode: 'signin',
      redirectUri: callbackUri(config, req),
    });
    res.json({ url });
  });

  router.post('/session/provider/code', async (req, res) => {
    const body = parseBody(providerCodeBody, req.body);
    const c = flowContext(req, auth, now, undefined);
    const signed = await signInWithProviderCode(c, {
      providerId: body.provider_id,
      code: body.code,
      offered,
      ...(body.code_type ? { codeType: body.code_type } : {}),
    });
    await sessions.signIn(req, signed);
    sendSignedIn(req, res, limits);
  });

  router.post('/session/ticket', async (req, res) => {
    const body = parseBody(ticketBody, req.body);
    await sessions.signIn(req, await signInWithTicket(flowContext(req, auth, now, undefined), body.ticket));
    sendSignedIn(req, res, limits);
  });
}
