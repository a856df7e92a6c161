import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { SessionData } from 'express-session';
import type { Config } from '../config/index.js';

/** CloudBase's documented default refresh-token life: a session never outlives it. */
export const REFRESH_TOKEN_LIFE_S = 31 * 24 * 3600;

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

export function sessionLimits(config: Config): SessionLimits {
  return {
    idleMs: config.session.idleTimeoutS * 1000,
    absoluteMs: Math.min(config.session.absoluteTimeoutS, REFRESH_TOKEN_LIFE_S) * 1000,
  };
}

/** Milliseconds the session may still live: the idle window from last activity, capped by the absolute limit. */
export function remainingMs(sess: Partial<SessionData>, limits: SessionLimits, now: number): number {
  const seen = sess.seen ?? now;
  const created = sess.created ?? now;
  return Math.min(seen + limits.idleMs, created + limits.absoluteMs) - now;
}

/** Fills in what every stored session carries (a no-op for an initialised one); returns the device id. */
export function initSession(req: Request, now: number): string {
  const s = req.session;
  if (!s.created) {
    s.created = now;
    s.seen = now;
  }
  if (!s.did) s.did = randomUUID();
  return s.did;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set when this request found its session past the idle or absolute limit and ended it. */
    sessionTimedOut?: boolean;
  }
}

/**
 * Enforces idle and absolute timeouts on the server (whatever the cookie says) and records activity at most once
 * per half idle window, so a busy session costs no Redis write on most requests.
 */
export function sessionPolicy(config: Config, now: () => number): RequestHandler {
  const limits = sessionLimits(config);
  return function sessionPolicyMiddleware(req, _res, next) {
    const s = req.session;
    if (!s?.created) return next();
    const t = now();
    if (remainingMs(s, limits, t) <= 0) {
      const hadUser = !!s.auth;
      return s.regenerate((err) => {
        if (err) return next(err);
        req.sessionTimedOut = hadUser;
        next();
      });
    }
    if (t - (s.seen ?? 0) > limits.idleMs / 2) s.seen = t;
    next();
  };
}
