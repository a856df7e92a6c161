import type { Request, Response, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import type { SignedInCaller } from '../../flows/account/index.js';
import { startProvider, unbindProvider } from '../../flows/provider/index.js';
import { formFlowContext } from '../flow-context.js';
import { callbackUri } from '../provider-callback.js';
import { isSignedOut, requireSignedIn, signInAgain } from './signed-in.js';
import { failForm } from './web.js';

/** Bind and unbind third-party sign-in methods from the account page. */
export function register(router: Router, deps: RouteDeps): void {
  const { config, auth, freshAccessToken, formCsrf, now } = deps;
  const offered = config.providers.map((p) => p.id);
  const caller = (req: Request): SignedInCaller => ({ user: req.session.user, accessToken: () => freshAccessToken(req) });

  async function renderProvidersFailure(req: Request, res: Response, err: unknown): Promise<void> {
    if (isSignedOut(err)) throw err;
    await failForm(req, res, deps, err, { page: '/account', form: 'providers' });
  }

  // Binding goes through the provider like a sign-in; the callback binds instead, since the flow says so.
  router.post('/account/provider/:id/bind', requireSignedIn, formCsrf, async (req, res) => {
    try {
      const { url } = await startProvider(formFlowContext(req, auth, now), {
        providerId: String(req.params.id),
        offered,
        returnTo: '/account',
        mode: 'bind',
        redirectUri: callbackUri(config, req),
      });
      res.redirect(303, url);
    } catch (err) {
      await renderProvidersFailure(req, res, err);
    }
  });

  router.post('/account/provider/:id/unbind', requireSignedIn, formCsrf, async (req, res) => {
    try {
      await unbindProvider(formFlowContext(req, auth, now), caller(req), String(req.params.id));
      res.redirect(303, '/account?notice=provider_unbound');
    } catch (err) {
      await renderProvidersFailure(req, res, err);
    }
  });

  router.use('/account/provider', signInAgain);
}
