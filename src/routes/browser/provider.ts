import type { Request, RequestHandler, Response, Router } from 'express';
import type { Config } from '../../config/index.js';
import type { RouteDeps } from '../deps.js';
import { errorText } from '../../errors/app-error.js';
import { fromUpstream } from '../../errors/upstream.js';
import { startErrorResponse } from '../../http/errors.js';
import { safeReturnTo } from '../../http/return-to.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import { finishProvider, signInWithTicket, startProvider } from '../../flows/provider/index.js';
import { invalidInput } from '../../errors/app-error.js';
import { FORMS, readForm } from '../forms.js';
import { failForm } from './web.js';
import { flowContext, formFlowContext } from '../flow-context.js';
import { CALLBACK_PATH, callbackUri } from '../provider-callback.js';

/** A provider's name on its button: the operator's, else the pages' own for providers they know, else the id. */
function buttonsFor(config: Config): RequestHandler {
  return function providerButtons(_req, res, next) {
    const t = res.locals.t as Translate;
    res.locals.offeredProviderIds = config.providers.map((p) => p.id);
    res.locals.providerButtonList = config.providers.map((p) => {
      const key = `provider.${p.id}` as MessageKey;
      const known = t(key);
      return { id: p.id, name: p.name ?? (known === key ? p.id : known) };
    });
    next();
  };
}

/** A query parameter as one bounded string; anything else (absent, repeated, oversized) is treated as absent. */
function param(req: Request, name: string, max = 2048): string | undefined {
  const v = req.query[name];
  return typeof v === 'string' && v.length <= max ? v : undefined;
}

function renderFailed(req: Request, res: Response, err: unknown, returnTo: string): void {
  const appErr = fromUpstream(err);
  if (!startErrorResponse(req, res, appErr, { level: 'warn', msg: 'provider sign-in failed upstream' })) return;
  const t = res.locals.t as Translate;
  res.render('provider-failed.njk', { message: errorText(appErr, t), errorCode: appErr.code, returnTo });
}

export function register(router: Router, deps: RouteDeps): void {
  const { config, auth, sessions, freshAccessToken, formCsrf, now } = deps;
  const offered = config.providers.map((p) => p.id);
  router.use(buttonsFor(config));

  router.get(CALLBACK_PATH, async (req, res) => {
    const c = flowContext(req, auth, now, undefined);
    // Where to go back to is only known once the state is found: a refused state goes back to a plain /login.
    const pending = c.session.providerStarts?.find((s) => s.state === param(req, 'state'));
    try {
      const done = await finishProvider(c, {
        state: param(req, 'state'),
        code: param(req, 'code'),
        error: param(req, 'error', 256) ?? (req.query.error !== undefined ? '' : undefined),
        redirectUri: callbackUri(config, req),
        offered,
        ...(req.session.auth ? { caller: { user: req.session.user, accessToken: () => freshAccessToken(req) } } : {}),
      });
      if ('bound' in done) return res.redirect(303, '/account?notice=provider_bound');
      await sessions.signIn(req, done.signedIn);
      res.redirect(303, done.returnTo);
    } catch (err) {
      renderFailed(req, res, err, pending?.returnTo ?? '/');
    }
  });

  router.get('/login/provider/:id', async (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    try {
      const { url } = await startProvider(formFlowContext(req, auth, now), {
        providerId: req.params.id,
        offered,
        returnTo,
        mode: 'signin',
        redirectUri: callbackUri(config, req),
      });
      res.redirect(303, url);
    } catch (err) {
      renderFailed(req, res, err, returnTo);
    }
  });

  // An app's own page posts the ticket its backend minted; the person lands signed in on returnTo.
  router.post('/login/ticket', formCsrf, async (req, res) => {
    const returnTo = safeReturnTo((req.body as Record<string, unknown>).returnTo);
    try {
      const { ticket } = readForm(FORMS.ticket, req.body);
      if (!ticket) throw invalidInput('ticket');
      await sessions.signIn(req, await signInWithTicket(formFlowContext(req, auth, now), ticket));
      res.redirect(303, returnTo);
    } catch (err) {
      await failForm(req, res, deps, err, { page: '/login', returnTo });
    }
  });
}
