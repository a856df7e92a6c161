import cookieSignature from 'cookie-signature';
import type { RequestHandler } from 'express';
import type { Config } from '../../config/index.js';
import type { RedisClient } from '../../session/redis.js';
import type { VersionedRedisStore } from '../../session/store.js';
import { remainingMs, sessionLimits } from '../../session/policy.js';
import { sessionStateOf } from './respond.js';
import { challenge } from './challenge.js';
import { storeUnavailable } from '../../errors/app-error.js';

/** The session id of a validly signed session cookie (express-session's format: `s:<sid>.<hmac>`), or undefined. */
export function signedSessionId(cookieHeader: string | undefined, name: string, secrets: readonly string[]): string | undefined {
  if (!cookieHeader || cookieHeader.length > 8192) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
    if (!value.startsWith('s:')) return undefined;
    for (const secret of secrets) {
      const sid = cookieSignature.unsign(value.slice(2), secret);
      if (sid !== false) return sid;
    }
    return undefined;
  }
  return undefined;
}

/**
 * `GET /api/session` for a browser session without express-session: verify the cookie's signature, read the session
 * hash once, answer from it. Only the plain case is served here; anything the full stack must handle (token mode, a
 * session past its limits, activity due to be recorded, Redis not ready, a value it cannot parse) goes on to it
 * unchanged; a failed Redis read answers the store's 503 at once. The profile showed express-session's per-request
 * hashing and cookie handling to be most of the cost of this, the hottest read of an SPA (bench/README.md); the rules
 * themselves (limits, the answer's shape) are the shared ones.
 */
export function leanSessionRead(config: Config, store: VersionedRedisStore, redis: RedisClient, now: () => number): RequestHandler {
  const limits = sessionLimits(config);
  const { cookieName, secrets } = config.session;
  return async function leanSessionReadHandler(req, res, next) {
    if (req.headers.authorization !== undefined || req.headers['x-session-mode'] !== undefined || redis.status !== 'ready') {
      return next();
    }
    try {
      const sid = signedSessionId(req.headers.cookie, cookieName, secrets);
      const view = sid ? await store.readView(sid) : null;
      const t = now();
      if (view && (view.token || remainingMs(view, limits, t) <= 0 || t - (view.seen ?? 0) > limits.idleMs / 2)) return next();
      const state = view ? sessionStateOf(view, limits, t) : undefined;
      res.setHeader('Cache-Control', 'no-store');
      if (!state) {
        challenge(res);
        return res.status(401).json({ authenticated: false });
      }
      res.json(state);
    } catch (err) {
      // Redis failed (a stall past the command timeout, a failover): the full stack's read would wait as long again
      // for the same answer, so answer its 503 now. Anything else (a value it cannot parse) goes on to the full stack.
      next(err instanceof SyntaxError ? undefined : storeUnavailable(err));
    }
  };
}
