import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import cookieSignature from 'cookie-signature';
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config/index.js';
import { initSession } from './policy.js';

/**
 * Session tokens for native apps: `Authorization: Session <sid>.<secret>` names a session of the same store as the
 * browser's cookie (same policy, refresh, directory); only sha256(secret) is kept in it (`tok`). A request in token
 * mode (that header, or `X-Session-Mode: token` on a sign-in call) never reads or sets the session cookie.
 */
export interface TokenAuth {
  /** the token the caller presented, when well-formed */
  presented?: { sid: string; secret: string };
  /** its secret matched the loaded session's hash */
  verified: boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** set in token mode only */
    tokenAuth?: TokenAuth;
  }
}

const SECRET_BYTES = 32;
/** express-session's ids (uid-safe, base64url) and a 32-byte base64url secret; nothing else is looked up. */
const TOKEN = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/;
const MAX_HEADER = 256;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** The presented secret against the session's stored hash (`tok`), in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'base64url');
  const actual = hashSecret(secret);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** `Session <sid>.<secret>` from an Authorization header, when well-formed. */
export function parseSessionAuthorization(header: string): TokenAuth['presented'] {
  if (header.length > MAX_HEADER) return undefined;
  const m = /^Session\s+(\S+)\s*$/i.exec(header);
  const parts = m ? TOKEN.exec(m[1]!) : null;
  return parts ? { sid: parts[1]!, secret: parts[2]! } : undefined;
}

export function isTokenMode(req: Request): boolean {
  return req.tokenAuth !== undefined;
}

/** Drops the session cookie from a token-mode response, whatever set it (sign-in's new id, sign-out's clearing). */
function withoutSessionCookie(res: Response, cookieName: string): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- wrapped below and always called with this response
  const writeHead = res.writeHead as (...args: unknown[]) => Response;
  // Through a constant, not a function literal assigned to the property (which V8 allocates in the old generation).
  const withoutCookie = function writeHeadWithoutSessionCookie(this: Response, ...args: unknown[]) {
    const set = this.getHeader('set-cookie');
    if (set !== undefined) {
      const kept = (Array.isArray(set) ? set : [String(set)]).filter((c) => !c.startsWith(`${cookieName}=`));
      if (kept.length > 0) this.setHeader('set-cookie', kept);
      else this.removeHeader('set-cookie');
    }
    return writeHead.apply(this, args);
  } as Response['writeHead'];
  res.writeHead = withoutCookie;
}

/**
 * Before express-session: in token mode the cookie header is replaced by the signed cookie express-session expects
 * for the token's session id, so express-session loads that session and no second session machinery exists. Mounted
 * before express-session so its Set-Cookie (added at writeHead) is stripped after it is added.
 */
export function sessionTokenReader(config: Config): RequestHandler {
  const cookieName = config.session.cookieName;
  const signingSecret = config.session.secrets[0]!;
  return function sessionTokenReaderMiddleware(req, res, next) {
    const authorization = req.headers.authorization;
    const sessionAuth = typeof authorization === 'string' && /^session(\s|$)/i.test(authorization);
    if (!sessionAuth && req.get('x-session-mode')?.toLowerCase() !== 'token') return next();
    delete req.headers.cookie;
    const presented = sessionAuth ? parseSessionAuthorization(authorization) : undefined;
    req.tokenAuth = presented ? { presented, verified: false } : { verified: false };
    if (presented) {
      req.headers.cookie = `${cookieName}=${encodeURIComponent(`s:${cookieSignature.sign(presented.sid, signingSecret)}`)}`;
    }
    withoutSessionCookie(res, cookieName);
    next();
  };
}

/**
 * Right after express-session (before the timeout policy touches the session): a token whose secret does not match
 * the loaded session's hash gets a fresh, signed-out session instead — the session it named is left alone. A token
 * session reached through a cookie (which could only be forged) is treated the same.
 */
export function sessionTokenVerifier(): RequestHandler {
  return function sessionTokenVerifierMiddleware(req, _res, next) {
    if (!req.session) return next();
    const stored = req.session.tok;
    const auth = req.tokenAuth;
    if (!auth) {
      if (stored) req.sessionStore.generate(req);
      return next();
    }
    const presented = auth.presented;
    if (!presented || req.sessionID !== presented.sid) return next(); // unknown id: express-session made a new one
    if (stored && secretMatches(presented.secret, stored)) auth.verified = true;
    else req.sessionStore.generate(req);
    next();
  };
}

/** The session token for this request's session: the one presented when still valid, else a new secret. */
export function issueSessionToken(req: Request, now: () => number): string {
  const auth = req.tokenAuth;
  if (auth?.verified && auth.presented?.sid === req.sessionID) return `${auth.presented.sid}.${auth.presented.secret}`;
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  initSession(req, now());
  req.session.tok = hashSecret(secret).toString('base64url');
  return `${req.sessionID}.${secret}`;
}
