import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../logger.js';
import type { RedisClient } from '../../session/redis.js';
import { assignRequestId, type TrustFn } from '../../http/request-id.js';
import { logCompletion } from '../../http/request-log.js';

export const LOGIN_PATH = '/api/session/login';
/** The route pattern the metrics count a sign-in under once its route was reached (Express's `baseUrl` + route path). */
const ROUTE_LABEL = LOGIN_PATH;
/** What the metrics middleware counts an answer under when no route matched (an error before the route: a bad body). */
const UNMATCHED = 'unmatched';
/** The only content types taken; any other (or none) goes to Express, which answers 415 or parses it its own way. */
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

export interface LeanLoginDeps {
  /** the app: its request and response prototypes (req.ip, res.json, res.cookie…) are the ones the sign-in meets */
  app: Express;
  redis: RedisClient;
  logger: Logger;
  /** the session cookie's name: a request carrying one goes to Express (signing in over a session revokes the old one) */
  cookieName: string;
  /** the headers every answer carries (helmet's, Permissions-Policy), as [name, value, …] */
  headers: readonly string[];
  /** the app's TRUST_PROXY test, for the request id */
  trust: TrustFn;
  countHttp: (method: string, route: string, status: number, startedMs: number) => void;
  /**
   * The very middleware instances the full stack runs for this route, in its order, from the store check to the body
   * guard: the store check, the token reader, express-session, the token verifier, the timeout policy, no-store, the
   * API's CSRF rule and the JSON body parser with its guards.
   */
  chain: readonly RequestHandler[];
  /** the route's own handler (session.ts `passwordLoginRoute`) */
  route: RequestHandler;
  /** the error handlers an error meets there, in order: the API's (errors.ts `jsonErrors`), then the app's last one */
  errors: readonly ErrorRequestHandler[];
}

/**
 * `POST /api/session/login` for a caller without a session, ahead of Express. Express's routing (the app's generic
 * chain, helmet's eleven middlewares, the router's matching) cost a sign-in more than most of its own work
 * (bench/README.md): this runs the route's own middleware instances one after the other, without the router, so the
 * answer is the full stack's by construction — the same body parser, limits and schema, the same express-session
 * session, cookie and Redis record, the same flow, the same JSON errors. What the skipped generic middleware would
 * have added is added here: the request id, the security headers (taken once at start-up), the metrics count under the
 * same label and the completion log line.
 *
 * Taken only when the head alone shows the plain case: exactly that path, POST, a JSON content type, no session
 * cookie and no Authorization header (signing in over a session ends the old one: Express's), Redis ready. Anything
 * else goes to Express untouched (`false`).
 */
export function leanLogin(deps: LeanLoginDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { app, redis, logger, cookieName, headers, trust, countHttp, chain, route, errors } = deps;
  const requestProto = app.request as object;
  const responseProto = app.response as object;
  const steps = [...chain, route];

  function taken(req: IncomingMessage): boolean {
    if (req.url !== LOGIN_PATH || req.method !== 'POST' || redis.status !== 'ready') return false;
    const h = req.headers;
    if (h.authorization !== undefined) return false;
    const type = h['content-type'];
    if (type === undefined || !JSON_TYPES.has(type.toLowerCase())) return false;
    const cookie = h.cookie;
    return cookie === undefined || !cookie.includes(cookieName);
  }

  return function leanLoginHandler(rawReq, rawRes) {
    if (!taken(rawReq)) return false;
    const started = performance.now();
    // What Express's own handle does first: its request and response, linked, with locals. The gateway's server makes
    // them with these prototypes already (http/message-classes.ts); another server (a test's) does not.
    if (Object.getPrototypeOf(rawReq) !== requestProto) Object.setPrototypeOf(rawReq, requestProto);
    if (Object.getPrototypeOf(rawRes) !== responseProto) Object.setPrototypeOf(rawRes, responseProto);
    const req = rawReq as Request;
    const res = rawRes as Response;
    req.res = res;
    res.req = req;
    res.locals = Object.create(null) as Response['locals'];
    req.originalUrl = req.url;
    req.baseUrl = '';
    req.params = {};

    const id = assignRequestId(req, trust);
    res.setHeader('x-request-id', id);
    let reachedRoute = false;
    res.once('finish', () => {
      countHttp('POST', reachedRoute ? ROUTE_LABEL : UNMATCHED, res.statusCode, started);
      logCompletion(logger, req, res.statusCode, started);
    });
    for (let i = 0; i < headers.length; i += 2) res.setHeader(headers[i]!, headers[i + 1]!);

    // As the router does: an error handler that fails hands its own error to the next one.
    const fail = (err: unknown, handler = 0): void => {
      const handle = errors[handler];
      if (!handle) return void res.destroy();
      const onError = (e: unknown) => fail(e ?? new Error('rejected without a reason'), handler + 1);
      try {
        const out = handle(err, req, res, onError);
        if (out instanceof Promise) out.catch(onError);
      } catch (e) {
        onError(e);
      }
    };
    let at = 0;
    const next = (err?: unknown): void => {
      if (err !== undefined && err !== null && err !== 'route' && err !== 'router') return fail(err);
      const step = steps[at++];
      if (!step) return fail(new Error('the sign-in chain ended without an answer'));
      if (step === route) reachedRoute = true;
      try {
        const out = step(req, res, next);
        if (out instanceof Promise) out.catch((e: unknown) => fail(e ?? new Error('rejected without a reason')));
      } catch (e) {
        fail(e);
      }
    };
    next();
    return true;
  };
}
