import cookieSignature from 'cookie-signature';
import type { Request, RequestHandler } from 'express';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../logger.js';
import type { RedisClient } from '../../session/redis.js';
import type { SessionKeys } from '../../session/keys.js';
import { createViewReader } from '../../session/view-reader.js';
import { sessionLimits } from '../../session/policy.js';
import { viewHead } from '../../session/session-record.js';
import { assignRequestId, type TrustFn } from '../../http/request-id.js';
import { logCompletion } from '../../http/request-log.js';
import { SESSION_CHALLENGE } from './challenge.js';
import { storeUnavailable, type AppError } from '../../errors/app-error.js';

const ROUTE = '/api/session';
const MAX_COOKIE_HEADER = 8192;

/** The value of the first cookie called `name` in a Cookie header (trimmed, still encoded), without splitting it. */
function cookieValue(header: string, name: string): string | undefined {
  for (let at = header.indexOf(name); at >= 0; at = header.indexOf(name, at + 1)) {
    let before = at - 1;
    while (before >= 0 && (header.charCodeAt(before) === 32 || header.charCodeAt(before) === 9)) before--;
    if (before >= 0 && header.charCodeAt(before) !== 59 /* ; */) continue;
    let eq = at + name.length;
    while (eq < header.length && (header.charCodeAt(eq) === 32 || header.charCodeAt(eq) === 9)) eq++;
    if (header.charCodeAt(eq) !== 61 /* = */) continue;
    const end = header.indexOf(';', eq + 1);
    return header.slice(eq + 1, end < 0 ? header.length : end).trim();
  }
  return undefined;
}

/** `<sid>.<hmac>` from a cookie value `s:<sid>.<hmac>` as express-session encodes it, or undefined. */
function signedPart(value: string): string | undefined {
  // express-session's cookies are `s%3A` + an id and a signature that only need %2B, %2F when the signature has them.
  if (value.startsWith('s%3A') && !value.includes('%', 4)) return value.slice(4);
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  return decoded.startsWith('s:') ? decoded.slice(2) : undefined;
}

/** The session id of a validly signed session cookie (express-session's format: `s:<sid>.<hmac>`), or undefined. */
export function signedSessionId(cookieHeader: string | undefined, name: string, secrets: readonly string[]): string | undefined {
  if (!cookieHeader || cookieHeader.length > MAX_COOKIE_HEADER) return undefined;
  const value = cookieValue(cookieHeader, name);
  const signed = value === undefined ? undefined : signedPart(value);
  if (signed === undefined) return undefined;
  for (const secret of secrets) {
    const sid = cookieSignature.unsign(signed, secret);
    if (sid !== false) return sid;
  }
  return undefined;
}

/**
 * Cookie values whose signature already verified, and their session id: the same browser sends the same cookie on
 * every read, and the HMAC was a visible share of the read. Only verified values are kept (what a forger sends is
 * checked every time); bounded, and emptied when full.
 */
class VerifiedCookies {
  private readonly known = new Map<string, string>();
  constructor(
    private readonly name: string,
    private readonly secrets: readonly string[],
    private readonly max = 10_000,
  ) {}

  sessionId(header: string | undefined): string | undefined {
    if (!header || header.length > MAX_COOKIE_HEADER) return undefined;
    const value = cookieValue(header, this.name);
    if (value === undefined) return undefined;
    const hit = this.known.get(value);
    if (hit !== undefined) return hit;
    const sid = signedSessionId(`${this.name}=${value}`, this.name, this.secrets);
    if (sid !== undefined) {
      if (this.known.size >= this.max) this.known.clear();
      this.known.set(value, sid);
    }
    return sid;
  }
}

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
  const readView = createViewReader(redis, deps.keys);
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
    readView(sid).then(
      (u) => {
        if (u === null) return answer(req, res, 401, SIGNED_OUT, started);
        const head = viewHead(u);
        if (!head || head.token) return next();
        const t = now();
        const until = Math.min((head.seen ?? t) + limits.idleMs, (head.created ?? t) + limits.absoluteMs);
        if (until <= t || t - (head.seen ?? 0) > limits.idleMs / 2) return next();
        if (!head.signedIn || !head.userJson) return answer(req, res, 401, SIGNED_OUT, started);
        answer(req, res, 200, `{"authenticated":true,"user":${head.userJson},"expires_at":"${new Date(until).toISOString()}"}`, started);
      },
      (err: unknown) => {
        // Redis failed (a stall past the command timeout, a failover): the full stack's read would wait as long again
        // for the same answer, so `failed` answers its 503 once the request has its id and headers.
        failures.set(req, storeUnavailable(err));
        next();
      },
    );
  };

  const failed: RequestHandler = function leanSessionReadFailed(req, _res, next) {
    next(failures.get(req));
  };

  return { read, failed };
}
