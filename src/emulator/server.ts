import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from 'express';
import { createAuthorizePageRouter } from './authorize-page.js';
import { createControlRouter } from './control.js';
import { EmulatorError, errorInfo, fail } from './errors.js';
import { generateSigningKey } from './keys.js';
import { checkClient, isValidCaptchaToken, type OperationInput } from './operations/index.js';
import { AUTH_ROUTES } from './routes.js';
import { callKeys, drawnFailure, drawnLatency, forcedFailure } from './faults.js';
import { createState, type EmulatorState, type ProviderConfig } from './state.js';

export type { EmulatorState } from './state.js';

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  envId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Where "sent" SMS codes and internal errors go; default console.log. Never receives passwords or tokens. */
  log?: (line: string) => void;
  /** The clock, in ms since the epoch; tests inject one to move time. */
  now?: () => number;
  /** Enabled third-party providers; default wx_open, github and google (see `parseEmulatorProviders`). */
  providers?: ProviderConfig[];
}

export interface RunningEmulator {
  url: string;
  port: number;
  state: EmulatorState;
  close(): Promise<void>;
}

export interface AppOptions {
  log?: (line: string) => void;
}

const AUTH_PREFIX = '/auth/v1';

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function readAuthorization(header: string | undefined): Pick<OperationInput, 'bearer' | 'basic'> {
  const match = /^(\w+)\s+(.+)$/.exec(header?.trim() ?? '');
  if (!match) return {};
  const [, scheme = '', value = ''] = match;
  if (scheme.toLowerCase() === 'bearer') return { bearer: value };
  if (scheme.toLowerCase() !== 'basic') return {};
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) fail('invalid_client', 'malformed Basic credentials');
  return { basic: { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) } };
}

/** The express request reduced to what operations see. */
function toInput(req: Request): OperationInput {
  const query: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.query as Record<string, unknown>)) query[name] = firstString(value);
  const input: OperationInput = { body: req.body as Record<string, unknown>, query, ...readAuthorization(req.get('authorization')) };
  const deviceId = req.get('x-device-id');
  const captchaToken = req.get('x-captcha-token') || query.captcha_token;
  if (deviceId) input.deviceId = deviceId;
  if (captchaToken) input.captchaToken = captchaToken;
  const params = req.params as Record<string, string>;
  if (Object.keys(params).length > 0) input.params = { ...params };
  input.origin = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  if (req.ip) input.ip = req.ip;
  const userAgent = req.get('user-agent');
  if (userAgent) input.userAgent = userAgent;
  return input;
}

/**
 * A `fail` entry for this call (unless a captcha token lifts `captcha_required`), else a failure drawn by `fail_rate`.
 */
function forcedError(state: EmulatorState, keys: string[], input: OperationInput): string | undefined {
  const forced = forcedFailure(state, keys);
  if (forced && !(forced === 'captcha_required' && isValidCaptchaToken(state, input.captchaToken))) return forced;
  return drawnFailure(state, keys);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function authRouter(state: EmulatorState, log: (line: string) => void): express.Router {
  const router = express.Router();
  // Latency stands for the way there: a caller that gave up (timed out) before its request arrived was never served,
  // so a timed-out refresh does not spend the refresh token behind the caller's back.
  router.use(async (req, res, next) => {
    if (state.config.latency_ms > 0) await delay(state.config.latency_ms);
    if (req.socket.destroyed || res.destroyed) return;
    next();
  });
  for (const route of AUTH_ROUTES) {
    const handler: RequestHandler = async (req, res) => {
      const keys = callKeys(req.method, `${req.baseUrl}${req.path}`, `${AUTH_PREFIX}${route.paths[0]}`);
      const extra = drawnLatency(state, keys);
      if (extra > 0) {
        await delay(extra);
        if (req.socket.destroyed || res.destroyed) return;
      }
      const input = toInput(req);
      checkClient(state, input);
      const forced = forcedError(state, keys, input);
      if (forced) throw EmulatorError.of(forced, 'forced by emulator config');
      res.json(await route.run(state, input, { log }));
    };
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
    for (const path of route.paths) router[method](path, handler);
  }
  router.use(() => fail('not_found', 'no such endpoint'));
  return router;
}

const countCalls =
  (state: EmulatorState): RequestHandler =>
  (req, _res, next) => {
    if (req.path === AUTH_PREFIX || req.path.startsWith(`${AUTH_PREFIX}/`)) {
      const key = `${req.method} ${req.path}`;
      state.calls.set(key, (state.calls.get(key) ?? 0) + 1);
    }
    next();
  };

const echoRequestId: RequestHandler = (req, res, next) => {
  res.setHeader('x-request-id', req.get('x-request-id') || randomUUID());
  next();
};

/** Body must be a JSON object whatever the Content-Type: the official SDK posts JSON as text/plain. */
const objectBody: RequestHandler = (req, _res, next) => {
  req.body ??= {};
  if (typeof req.body !== 'object' || Array.isArray(req.body)) fail('invalid_argument', 'request body must be a JSON object');
  next();
};

function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let error: EmulatorError;
    if (err instanceof EmulatorError) {
      error = err;
    } else if (isBodyParserError(err)) {
      const description = err.type === 'entity.parse.failed' ? 'malformed JSON body' : err.message;
      error = new EmulatorError(err.status, 'invalid_argument', errorInfo('invalid_argument').code, description);
    } else {
      log(`[emulator] internal error on ${req.method} ${req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      error = EmulatorError.of('internal', 'internal error');
    }
    res.status(error.status).json(error.toBody());
  };
}

function isBodyParserError(err: unknown): err is { status: number; type: string; message: string } {
  if (typeof err !== 'object' || err === null) return false;
  const { status, type } = err as { status?: unknown; type?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && typeof type === 'string';
}

/** The emulator as an express app over the given state: /auth/v1 (CloudBase Auth v2) and /__emulator (control). */
export function createEmulatorApp(state: EmulatorState, options: AppOptions = {}): Express {
  const log = options.log ?? console.log;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(echoRequestId, countCalls(state));
  app.use('/__emulator/provider', createAuthorizePageRouter(state));
  app.use(express.json({ type: () => true, limit: '100kb' }), objectBody);
  app.use(AUTH_PREFIX, authRouter(state, log));
  app.use('/__emulator', createControlRouter(state));
  app.use(() => fail('not_found', 'no such endpoint'));
  app.use(errorHandler(log));
  return app;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Generates a signing key, builds the state and app, and listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const state = createState({
    key: await generateSigningKey(),
    ...(options.envId !== undefined && { envId: options.envId }),
    ...(options.clientId !== undefined && { clientId: options.clientId }),
    ...(options.clientSecret !== undefined && { clientSecret: options.clientSecret }),
    ...(options.now !== undefined && { now: options.now }),
    ...(options.providers !== undefined && { providers: options.providers }),
  });
  const app = createEmulatorApp(state, options.log ? { log: options.log } : {});
  const server = createServer(app);
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
