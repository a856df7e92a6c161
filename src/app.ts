import { fileURLToPath } from 'node:url';
import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import session, { type Store } from 'express-session';
import helmet from 'helmet';
import nunjucks from 'nunjucks';
import { pinoHttp } from 'pino-http';
import type { Config } from './config/index.js';
import type { Logger } from './logger.js';
import type { CloudbaseClient } from './cloudbase/client.js';
import type { RedisClient } from './session/redis.js';
import { requestId } from './http/request-id.js';
import { requireFormCsrf } from './http/csrf.js';
import { AppError, notFound } from './http/errors.js';
import { translator, pickLocale } from './i18n/index.js';
import { sessionPolicy, sessionLimits } from './session/policy.js';
import { createSessionManager } from './session/auth-session.js';
import { createTokenKeeper } from './session/tokens.js';
import { createSessionDirectory } from './session/directory.js';
import { VersionedRedisStore } from './session/store.js';
import { createAuthService } from './services/auth.js';
import type { RouteDeps } from './routes/deps.js';
import * as home from './routes/browser/home.js';
import * as login from './routes/browser/login.js';
import * as smsLogin from './routes/browser/sms-login.js';
import * as signup from './routes/browser/signup.js';
import * as reset from './routes/browser/reset.js';
import * as logout from './routes/browser/logout.js';
import * as captcha from './routes/browser/captcha.js';
import * as account from './routes/browser/account.js';
import { viewLocals } from './routes/browser/web.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  cloudbase: CloudbaseClient;
  sessionStore: Store;
  /** absent with the in-process development store */
  redis?: RedisClient;
  now?: () => number;
}

const root = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));

/** The browser flows, in the order a person meets them. */
const BROWSER_FLOWS: { register(router: Router, deps: RouteDeps): void }[] = [home, login, smsLogin, signup, reset, account, logout, captcha];

export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  const views = nunjucks.configure(root('views'), { autoescape: true, noCache: !config.production, throwOnUndefined: false });
  views.express(app);
  app.set('view engine', 'njk');

  app.use(requestId());
  app.use(
    pinoHttp({
      logger,
      genReqId: (req) => req.id,
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url?.startsWith('/static/') === true },
    }),
  );
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
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (!deps.redis) return res.json({ status: 'ok', store: 'memory' });
    try {
      await deps.redis.ping();
      res.json({ status: 'ok', store: 'redis' });
    } catch {
      res.status(503).json({ status: 'unavailable', store: 'redis' });
    }
  });

  app.use('/static', express.static(root('public'), { maxAge: config.production ? '1d' : 0, index: false }));

  app.use(
    session({
      name: config.session.cookieName,
      secret: [...config.session.secrets],
      store: deps.sessionStore,
      resave: false,
      saveUninitialized: false,
      unset: 'destroy',
      cookie: { httpOnly: true, sameSite: 'lax', secure: config.session.secureCookie, path: '/' },
    }),
  );
  app.use(sessionPolicy(config, now));

  const redisStore = deps.sessionStore instanceof VersionedRedisStore ? deps.sessionStore : undefined;
  const directory = createSessionDirectory(redisStore, sessionLimits(config).absoluteMs);
  const routeDeps: RouteDeps = {
    config,
    auth: createAuthService(deps.cloudbase, now),
    sessions: createSessionManager(config, directory, now),
    freshAccessToken: createTokenKeeper({
      client: deps.cloudbase,
      ...(redisStore ? { store: redisStore } : {}),
      skewS: config.refreshSkewS,
      upstreamTimeoutMs: config.cloudbase.timeoutMs,
      now,
      onSessionEnded: (sub, sid) => directory.remove(sub, sid),
    }),
    directory,
    formCsrf: requireFormCsrf(config),
  };

  const browser = express.Router();
  browser.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));
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
  const e = err as { status?: number; type?: string };
  if (e?.type === 'entity.too.large') return new AppError(413, 'payload_too_large', 'err.invalid_input');
  if (e?.status === 400 || e?.type === 'entity.parse.failed') return new AppError(400, 'invalid_input', 'err.invalid_input');
  if (e?.status === 415) return new AppError(415, 'unsupported_media_type', 'err.invalid_input');
  return new AppError(500, 'internal', 'err.internal', { cause: err });
}

function htmlErrors(logger: Logger): ErrorRequestHandler {
  return function htmlErrorHandler(err, req, res, _next) {
    const appErr = toAppError(err);
    if (appErr.status >= 500) (req.log ?? logger).error({ err: appErr.extra.cause ?? err, code: appErr.code }, 'request failed');
    if (res.headersSent) return;
    if (appErr.extra.retryAfterS) res.setHeader('Retry-After', String(appErr.extra.retryAfterS));
    const t = (res.locals.t as ReturnType<typeof translator> | undefined) ?? translator(pickLocale(req));
    res.status(appErr.status);
    res.setHeader('Cache-Control', 'no-store');
    res.render('error.njk', { ...res.locals, t, message: t(appErr.status === 404 ? 'error.notFound' : appErr.messageKey) }, (renderErr, html) => {
      if (renderErr) return res.type('text/plain').send(t(appErr.messageKey));
      res.type('html').send(html);
    });
  };
}
