import type { Request, Response, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import type { Translate } from '../../i18n/index.js';
import { accountProfile, type SignedInCaller } from '../../flows/account/index.js';
import { startProvider, unbindProvider } from '../../flows/provider/index.js';
import { formFlowContext } from '../flow-context.js';
import { callbackUri } from '../provider-callback.js';
import { accountView } from './account-view.js';
import { isSignedOut, requireSignedIn, signInAgain } from './signed-in.js';
import { renderFailure } from './web.js';

/** Bind and unbind third-party sign-in methods from the account page. */
export function register(router: Router, { config, auth, freshAccessToken, formCsrf, now }: RouteDeps): void {
  const offered = config.providers.map((p) => p.id);
  const caller = (req: Request): SignedInCaller => ({ user: req.session.user, accessToken: () => freshAccessToken(req) });

  async function renderProvidersFailure(req: Request, res: Response, err: unknown): Promise<void> {
    if (isSignedOut(err)) throw err;
    const profile = await accountProfile(formFlowContext(req, auth, now), caller(req)).catch(() => undefined);
    const account = profile && accountView(profile, String(res.locals.locale), res.locals.t as Translate);
    await renderFailure(req, res, auth, 'account.njk', err, { account, failedForm: 'providers' });
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
