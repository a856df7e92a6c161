import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import nunjucks from 'nunjucks';
import { requireConnectedStore } from './session/redis.js';
import { requestId, type TrustFn } from './http/request-id.js';
import { permissionsPolicy } from './http/permissions-policy.js';
import { fixedHeaders } from './http/fixed-headers.js';
import { leanProxy, PROXY_ROUTE_LABEL } from './proxy/lean.js';
import { compileProxyRoutes } from './proxy/target.js';
import { installRequestLogger, logCompletion, requestCompletionLog } from './http/request-log.js';
import { fromBodyParserError, rejectHostileBody, verifyFormKeys } from './http/body-guard.js';
import { AppError, errorText, internalError, notFound } from './errors/app-error.js';
import { httpStatus, startErrorResponse } from './http/errors.js';
import { translator, pickLocale } from './i18n/index.js';
import { sessionPolicy } from './session/policy.js';
import { sessionCookieOptions } from './session/cookie-options.js';
import { sessionTokenReader, sessionTokenVerifier } from './session/token-session.js';
import { leanSessionRead } from './routes/api/session-read.js';
import { createApiRouter, noStore } from './routes/api/index.js';
import { jsonErrors } from './routes/api/errors.js';
import { jsonBody } from './routes/api/body.js';
import { passwordLoginRoute } from './routes/api/session.js';
import { leanLogin } from './routes/api/login-lean.js';
import { appMessageClasses } from './http/message-classes.js';
import { requireApiCsrf } from './http/api-csrf.js';
import { isTokenMode } from './session/token-session.js';
import * as home from './routes/browser/home.js';
import * as login from './routes/browser/login.js';
import * as smsLogin from './routes/browser/sms-login.js';
import * as signup from './routes/browser/signup.js';
import * as reset from './routes/browser/reset.js';
import * as logout from './routes/browser/logout.js';
import * as captcha from './routes/browser/captcha.js';
import * as account from './routes/browser/account.js';
import * as accountSessions from './routes/browser/sessions.js';
import * as provider from './routes/browser/provider.js';
import * as accountProviders from './routes/browser/account-providers.js';
import * as accountProfile from './routes/browser/profile.js';
import * as accountHistory from './routes/browser/history.js';
import * as accountContact from './routes/browser/contact.js';
import { viewLocals } from './routes/browser/web.js';
import { endedElsewhere } from './routes/browser/ended-elsewhere.js';
import type { RouteDeps } from './routes/deps.js';
import type { Logger } from './logger.js';
import type { Services } from './compose.js';

/** What the app is built from: the services of the composition root (compose.ts), which it uses and does not build. */
export interface AppDeps extends Services {
  /** true once the process drains for shutdown: readiness then answers 503 */
  isDraining?: () => boolean;
  /** false: every sign-in goes through Express (tests compare both paths); default true */
  leanLogin?: boolean;
}

const root = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));

/** The browser flows, in the order a person meets them. */
const BROWSER_FLOWS: { register(router: Router, deps: RouteDeps): void }[] = [
  home, provider, login, smsLogin, signup, reset, account, accountProviders, accountSessions, accountProfile, accountHistory, accountContact, logout, captcha,
];

export function createApp(deps: AppDeps): Express {
  const { config, logger, now, metrics } = deps;
  const app = express();
  // First, before anything keeps `app.request` or `app.response`: the gateway's server makes requests and responses
  // with these prototypes already (http/message-classes.ts says why a swap per request is costly).
  appMessageClasses(app);
  app.disable('x-powered-by');
  // Pages and API answers are no-store: an ETag would only cost a hash of every body.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  const views = nunjucks.configure(root('views'), { autoescape: true, noCache: !config.production, throwOnUndefined: false });
  views.express(app);
  app.set('view engine', 'njk');

  const securityHeaders = [
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'img-src': ["'self'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': config.session.secureCookie ? [] : null,
        },
      },
      strictTransportSecurity: config.session.secureCookie,
      // no-referrer (helmet's default) makes Chromium send `Origin: null` on same-origin form posts, which the CSRF
      // origin check must refuse; same-origin still sends nothing to other sites.
      referrerPolicy: { policy: 'same-origin' },
    }),
    permissionsPolicy(),
  ];

  // The SPA's hottest call answers before the generic chain, with what that chain would have added to it
  // (routes/api/session-read.ts).
  const ownHeaders = fixedHeaders(...securityHeaders);
  // Express's compiled TRUST_PROXY, for the handlers that answer ahead of it
  const trust = app.get('trust proxy fn') as TrustFn;
  const shared = deps.sessions.shared;
  const lean =
    shared && deps.redis
      ? leanSessionRead({
          config,
          redis: deps.redis,
          keys: shared.store.keys,
          now,
          logger,
          countHttp: metrics.countHttp,
          headers: ownHeaders,
          trust,
        })
      : undefined;
  // Ahead of Express itself: its per-request set-up (prototype swaps, router, URL parsing) is a share of a read this
  // small. Anything the lean read does not answer goes to Express untouched.
  if (lean) {
    answerFirst(app, (req, res, pass) => {
      void lean.read(req as express.Request, res as express.Response, pass);
    });
  }

  app.use(requestId());
  app.use(metrics.http());
  installRequestLogger(app, logger);
  app.use(requestCompletionLog(logger));
  app.use(...securityHeaders);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (deps.isDraining?.()) return res.status(503).json({ status: 'draining' });
    if (!deps.redis) return res.json({ status: 'ok', store: 'memory' });
    try {
      await deps.redis.ping();
      res.json({ status: 'ok', store: 'redis' });
    } catch {
      res.status(503).json({ status: 'unavailable', store: 'redis' });
    }
  });

  // Proxied calls of a plain signed-in session: the same, ahead of Express (proxy/lean.ts).
  if (shared && deps.redis && Object.keys(config.proxy.routes).length > 0) {
    answerFirst(
      app,
      leanProxy({
        config,
        store: shared.store,
        redis: deps.redis,
        routes: compileProxyRoutes(config.proxy.routes, config.proxy.timeoutMs),
        trust,
        now,
        ownHeaders,
        onAnswered(req, res, started) {
          metrics.countHttp(req.method!, PROXY_ROUTE_LABEL, res.statusCode, started);
          logCompletion(logger, req, res.statusCode, started);
        },
      }),
    );
  }

  app.use('/static', express.static(root('public'), { maxAge: config.production ? '1d' : 0, index: false }));

  if (lean) app.get('/api/session', lean.failed);
  // The middleware of a session-backed request, kept by name: the lean sign-in runs these very instances.
  const storeReady = deps.redis ? [requireConnectedStore(deps.redis)] : [];
  const sessionChain: RequestHandler[] = [
    ...storeReady,
    sessionTokenReader(config),
    session({
      name: config.session.cookieName,
      secret: [...config.session.secrets],
      store: deps.sessions.store,
      resave: false,
      saveUninitialized: false,
      // 'keep': express-session's 'destroy' also destroys the session of a request whose store read *failed* (it never
      // got `req.session`), so a Redis stall or a Cluster failover would sign healthy users out. Sessions are only
      // ever ended explicitly (`req.session.destroy()`), never by unsetting `req.session`.
      unset: 'keep',
      cookie: sessionCookieOptions(config),
    }),
    sessionTokenVerifier(),
    sessionPolicy(config, now),
  ];
  app.use(...sessionChain);

  const routeDeps: RouteDeps = deps.routes;
  const apiErrors = jsonErrors(logger, routeDeps.auth, now);
  const lastErrors = htmlErrors(logger);

  // A password sign-in without a session: the same middleware and route, without Express's routing (routes/api/login-lean.ts).
  if (shared && deps.redis && deps.leanLogin !== false) {
    answerFirst(
      app,
      leanLogin({
        app,
        redis: deps.redis,
        logger,
        cookieName: config.session.cookieName,
        headers: ownHeaders,
        trust,
        countHttp: metrics.countHttp,
        chain: [...sessionChain, noStore, requireApiCsrf(config, isTokenMode), ...jsonBody()],
        route: passwordLoginRoute(routeDeps),
        errors: [apiErrors, lastErrors],
      }),
    );
  }

  app.use('/api', createApiRouter(routeDeps), apiErrors);

  const browser = express.Router();
  browser.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50, verify: verifyFormKeys }), rejectHostileBody());
  browser.use(endedElsewhere(config, routeDeps.directory));
  browser.use(viewLocals(config, now));
  for (const flow of BROWSER_FLOWS) flow.register(browser, routeDeps);
  app.use(browser);

  app.use((_req, _res, next) => next(notFound()));
  app.use(lastErrors);
  return app;
}

/**
 * The proxy's plain case is answered before Express sees the request (proxy/lean.ts): Express's own routing cost more
 * per request than a whole bare proxy (bench/README.md). Anything else, and every other path, goes to Express as ever.
 */
type Handle = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

/**
 * Puts `first` ahead of Express itself (on this app's own `handle`, so supertest and the server both meet it): it
 * answers the request, or calls `pass` — or returns false — to hand it to Express untouched. Installed later means
 * asked earlier.
 */
function answerFirst(app: Express, first: (req: IncomingMessage, res: ServerResponse, pass: () => void) => boolean | void): void {
  const target = app as unknown as { handle: Handle };
  const handle = target.handle.bind(app);
  const answerFirstHandle: Handle = (req, res, next) => {
    if (first(req, res, () => handle(req, res, next)) === false) handle(req, res, next);
  };
  target.handle = answerFirstHandle;
}

/** Body-parser and other http-errors carry a status; anything else is a 500. */
function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return fromBodyParserError(err) ?? internalError(err);
}

function htmlErrors(logger: Logger): ErrorRequestHandler {
  return function htmlErrorHandler(err, req, res, _next) {
    const appErr = toAppError(err);
    if (!startErrorResponse(req, res, appErr, { logger, level: 'error', msg: 'request failed' }, err)) return;
    const t = (res.locals.t as ReturnType<typeof translator> | undefined) ?? translator(pickLocale(req));
    res.render('error.njk', { ...res.locals, t, message: httpStatus(appErr) === 404 ? t('error.notFound') : errorText(appErr, t) }, (renderErr, html) => {
      if (renderErr) return res.type('text/plain').send(t(appErr.messageKey));
      res.type('html').send(html);
    });
  };
}
