import type { Request, RequestHandler } from 'express';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../logger.js';
import type { RedisClient } from '../../session/redis.js';
import type { SessionKeys } from '../../session/keys.js';
import { batchedHashReads } from '../../session/batched-reads.js';
import { sessionLimits } from '../../session/policy.js';
import { viewHead } from '../../session/session-record.js';
import { assignRequestId, type TrustFn } from '../../http/request-id.js';
import { VerifiedCookies } from '../../http/signed-cookie.js';
import { logCompletion } from '../../http/request-log.js';
import { SESSION_CHALLENGE } from './challenge.js';
import { storeUnavailable, type AppError } from '../../errors/app-error.js';

const ROUTE = '/api/session';

export interface LeanReadDeps {
  config: Config;
  redis: RedisClient;
  keys: SessionKeys;
  now: () => number;
  logger: Logger;
  /** counts the answer as the metrics middleware would (route pattern, status, duration) */
  countHttp: (method: string, route: string, status: number, startedMs: number) => void;
  /** the security headers every answer carries (helmet's, Permissions-Policy), as [name, value, …] */
  headers: readonly string[];
  /** the app's TRUST_PROXY test, for the request id (this runs before Express has set `req.app`) */
  trust: TrustFn;
}

export interface LeanRead {
  /** run before Express handles the request */
  read: RequestHandler;
  /** mounted as `GET /api/session` after the security headers: answers the store's 503 for a read whose Redis call failed */
  failed: RequestHandler;
}

/**
 * `GET /api/session` for a browser session, in front of Express and the whole middleware chain (so only what a raw
 * Node request has is used here): verify the cookie's signature,
 * fetch the session's view (one HGET of a few hundred bytes), check the limits on its times, and send the stored user
 * as it is, with the request id, the security headers (taken once from the middleware that sets them), the metrics
 * count and the completion log line those middleware would have given it. Only the plain case is served here;
 * anything the full stack must handle (token mode, a session past its limits, activity due to be recorded, a session
 * of the previous format, Redis not ready) goes on to it unchanged. bench/README.md has the profile this came from.
 */
export function leanSessionRead(deps: LeanReadDeps): LeanRead {
  const { redis, now, logger, countHttp } = deps;
  const readHash = batchedHashReads(redis);
  const { keys } = deps;
  const limits = sessionLimits(deps.config);
  const cookies = new VerifiedCookies(deps.config.session.cookieName, deps.config.session.secrets);
  const json = ['Content-Type', 'application/json; charset=utf-8', 'Cache-Control', 'no-store'];
  const okHeaders = [...deps.headers, ...json];
  const signedOutHeaders = [...deps.headers, ...json, 'WWW-Authenticate', SESSION_CHALLENGE];
  const SIGNED_OUT = '{"authenticated":false}';
  const failures = new WeakMap<Request, AppError>();

  function answer(req: Request, res: Parameters<RequestHandler>[1], status: 200 | 401, body: string, started: number): void {
    const id = assignRequestId(req, deps.trust);
    res.writeHead(status, (status === 200 ? okHeaders : signedOutHeaders).concat('x-request-id', id, 'Content-Length', String(Buffer.byteLength(body))));
    res.end(body);
    countHttp('GET', ROUTE, status, started);
    logCompletion(logger, req, status, started);
  }

  const read: RequestHandler = function leanSessionReadHandler(req, res, next) {
    if (req.url !== ROUTE || req.method !== 'GET' || req.headers.authorization !== undefined || req.headers['x-session-mode'] !== undefined || redis.status !== 'ready') {
      return next();
    }
    const started = performance.now();
    const sid = cookies.sessionId(req.headers.cookie);
    if (sid === undefined) return answer(req, res, 401, SIGNED_OUT, started);
    readHash(keys.session(sid), 'u', (err, u) => {
      if (err) {
        // Redis failed (a stall past the command timeout, a failover): the full stack's read would wait as long again
        // for the same answer, so `failed` answers its 503 once the request has its id and headers.
        failures.set(req, storeUnavailable(err));
        return next();
      }
      if (u === null) return answer(req, res, 401, SIGNED_OUT, started);
      const head = viewHead(u);
      if (!head || head.token) return next();
      const t = now();
      const until = Math.min((head.seen ?? t) + limits.idleMs, (head.created ?? t) + limits.absoluteMs);
      if (until <= t || t - (head.seen ?? 0) > limits.idleMs / 2) return next();
      if (!head.signedIn || !head.userJson) return answer(req, res, 401, SIGNED_OUT, started);
      answer(req, res, 200, `{"authenticated":true,"user":${head.userJson},"expires_at":"${new Date(until).toISOString()}"}`, started);
    });
  };

  const failed: RequestHandler = function leanSessionReadFailed(req, _res, next) {
    next(failures.get(req));
  };

  return { read, failed };
}
