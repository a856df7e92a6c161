import { fileURLToPath } from 'node:url';
import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import session, { type Store } from 'express-session';
import helmet from 'helmet';
import nunjucks from 'nunjucks';
import type { Config } from './config/index.js';
import type { Logger } from './logger.js';
import type { CloudbaseClient } from './cloudbase/client.js';
import { requireConnectedStore, type RedisClient } from './session/redis.js';
import { requestId } from './http/request-id.js';
import { permissionsPolicy } from './http/permissions-policy.js';
import { installRequestLogger, requestCompletionLog } from './http/request-log.js';
import { requireFormCsrf } from './http/csrf.js';
import { fromBodyParserError, rejectHostileBody, verifyFormKeys } from './http/body-guard.js';
import { AppError, errorText, internalError, notFound } from './errors/app-error.js';
import { startErrorResponse } from './http/errors.js';
import { translator, pickLocale } from './i18n/index.js';
import { sessionPolicy, sessionLimits } from './session/policy.js';
import { createSessionManager } from './session/auth-session.js';
import { callContext } from './session/context.js';
import { createSignInPersister } from './session/durable.js';
import { createTokenKeeper } from './session/tokens.js';
import { createSessionDirectory } from './session/directory.js';
import { VersionedRedisStore } from './session/store.js';
import { sessionTokenReader, sessionTokenVerifier } from './session/token-session.js';
import { createAuthService } from './services/auth.js';
import { createLimiters } from './limits/limits.js';
import { createLimitGuard } from './limits/guard.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import type { RouteDeps } from './routes/deps.js';
import { leanSessionRead } from './routes/api/session-read.js';
import { createApiRouter } from './routes/api/index.js';
import { jsonErrors } from './routes/api/errors.js';
import * as home from './routes/browser/home.js';
import * as login from './routes/browser/login.js';
import * as smsLogin from './routes/browser/sms-login.js';
import * as signup from './routes/browser/signup.js';
import * as reset from './routes/browser/reset.js';
import * as logout from './routes/browser/logout.js';
import * as captcha from './routes/browser/captcha.js';
import * as account from './routes/browser/account.js';
import * as accountSessions from './routes/browser/sessions.js';
import * as accountProfile from './routes/browser/profile.js';
import * as accountHistory from './routes/browser/history.js';
import * as accountContact from './routes/browser/contact.js';
import { viewLocals } from './routes/browser/web.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  cloudbase: CloudbaseClient;
  sessionStore: Store;
  /** absent with the in-process development store */
  redis?: RedisClient;
  now?: () => number;
  /** the gateway's metrics; made here when absent (then CloudBase calls are not counted: the client is built outside) */
  metrics?: Metrics;
  /** true once the process drains for shutdown: readiness then answers 503 */
  isDraining?: () => boolean;
}

const root = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));

/** The browser flows, in the order a person meets them. */
const BROWSER_FLOWS: { register(router: Router, deps: RouteDeps): void }[] = [home, login, smsLogin, signup, reset, account, accountSessions, accountProfile, accountHistory, accountContact, logout, captcha];

export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? createMetrics();
  const app = express();
  app.disable('x-powered-by');
  // Pages and API answers are no-store: an ETag would only cost a hash of every body.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  const views = nunjucks.configure(root('views'), { autoescape: true, noCache: !config.production, throwOnUndefined: false });
  views.express(app);
  app.set('view engine', 'njk');

  app.use(requestId());
  app.use(metrics.http());
  installRequestLogger(app, logger);
  app.use(requestCompletionLog(logger));
  app.use(
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
  );
  app.use(permissionsPolicy());

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

  app.use('/static', express.static(root('public'), { maxAge: config.production ? '1d' : 0, index: false }));

  const redisStore = deps.sessionStore instanceof VersionedRedisStore ? deps.sessionStore : undefined;
  if (redisStore && deps.redis) app.get('/api/session', leanSessionRead(config, redisStore, deps.redis, now));
  if (deps.redis) app.use(requireConnectedStore(deps.redis));
  app.use(sessionTokenReader(config));
  app.use(
    session({
      name: config.session.cookieName,
      secret: [...config.session.secrets],
      store: deps.sessionStore,
      resave: false,
      saveUninitialized: false,
      // 'keep': express-session's 'destroy' also destroys the session of a request whose store read *failed* (it never
      // got `req.session`), so a Redis stall or a Cluster failover would sign healthy users out. Sessions are only
      // ever ended explicitly (`req.session.destroy()`), never by unsetting `req.session`.
      unset: 'keep',
      cookie: { httpOnly: true, sameSite: 'lax', secure: config.session.secureCookie, path: '/' },
    }),
  );
  app.use(sessionTokenVerifier());
  app.use(sessionPolicy(config, now));

  const directory = createSessionDirectory(redisStore, sessionLimits(config).absoluteMs);
  const authService = createAuthService(deps.cloudbase, now, {
    limits: createLimitGuard(createLimiters(config.limits, deps.redis, config.redis.keyPrefix), {
      onReject: (kind) => metrics.rateLimited(kind),
      secrets: config.session.secrets,
    }),
    failureMinMs: config.limits.login.failureMinMs,
    onSmsSent: (purpose) => metrics.smsSent(purpose),
  });
  const routeDeps: RouteDeps = {
    config,
    auth: authService,
    sessions: createSessionManager(
      config,
      directory,
      now,
      (req, accessToken) => authService.revoke(callContext(req), accessToken),
      createSignInPersister({ client: redisStore ? deps.redis : undefined, sessionKey: (sid) => redisStore!.keys.session(sid), wait: config.redis.wait }),
    ),
    freshAccessToken: createTokenKeeper({
      client: deps.cloudbase,
      ...(redisStore ? { store: redisStore } : {}),
      skewS: config.refreshSkewS,
      upstreamTimeoutMs: config.cloudbase.timeoutMs,
      now,
      onRefresh: (outcome) => metrics.refresh(outcome),
      onSessionEnded: (sub, sid) => directory.remove(sub, sid),
    }),
    directory,
    formCsrf: requireFormCsrf(config),
    now,
  };

  app.use('/api', createApiRouter(routeDeps), jsonErrors(logger, routeDeps.auth));

  const browser = express.Router();
  browser.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50, verify: verifyFormKeys }), rejectHostileBody());
  browser.use(viewLocals(config));
  for (const flow of BROWSER_FLOWS) flow.register(browser, routeDeps);
  app.use(browser);

  app.use((_req, _res, next) => next(notFound()));
  app.use(htmlErrors(logger));
  return app;
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
    res.render('error.njk', { ...res.locals, t, message: appErr.status === 404 ? t('error.notFound') : errorText(appErr, t) }, (renderErr, html) => {
      if (renderErr) return res.type('text/plain').send(t(appErr.messageKey));
      res.type('html').send(html);
    });
  };
}
