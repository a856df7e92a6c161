import Tokens from 'csrf';
import cookieSignature from 'cookie-signature';
import type { Request, RequestHandler, Response } from 'express';
import { cookieName, type Config } from '../config/index.js';
import { csrfFailed } from '../errors/app-error.js';
import { readCookie } from '../cookie-header.js';

const tokens = new Tokens({ saltLength: 12, secretLength: 18 });

/**
 * Two kinds of CSRF secret. A signed-in session keeps a synchronizer secret in the session (it dies with it). A visitor
 * who only opened a form gets no server-side session at all: the secret travels in a short-lived, signed, httpOnly
 * cookie (`cbg.csrf`, `__Host-` when Secure) and the form's token must match it (signed double submit), so a flood of
 * form views writes nothing to Redis.
 */
export function preLoginCookieName(config: Config): string {
  return cookieName('csrf', config.session.secureCookie);
}

function cookieValue(req: Request, name: string): string | undefined {
  const raw = readCookie(req.headers.cookie, name);
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** The visitor's pre-login secret when its cookie is well-signed (by any configured secret) and not past its life. */
function preLoginSecret(config: Config, req: Request, now: number): string | undefined {
  const raw = cookieValue(req, preLoginCookieName(config));
  if (!raw || raw.length > 200) return undefined;
  for (const key of config.session.secrets) {
    const value = cookieSignature.unsign(raw, key);
    if (value === false) continue;
    const m = /^([A-Za-z0-9_-]{16,64})\.([0-9]{1,15})$/.exec(value);
    if (!m || Number(m[2]) + config.session.idleTimeoutS * 1000 <= now) return undefined;
    return m[1];
  }
  return undefined;
}

/** Per request, the pre-login secret once chosen (a page may hold several forms). */
const issued = new WeakMap<Request, string>();

/** Keeps (or starts) the visitor's pre-login secret and sends its cookie again, so an active visitor's life restarts. */
function issuePreLoginSecret(config: Config, req: Request, res: Response, now: number): string {
  let secret = issued.get(req);
  if (!secret) {
    secret = preLoginSecret(config, req, now) ?? tokens.secretSync();
    issued.set(req, secret);
    res.cookie(preLoginCookieName(config), cookieSignature.sign(`${secret}.${now}`, config.session.secrets[0]!), {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.session.secureCookie,
      maxAge: config.session.idleTimeoutS * 1000,
    });
  }
  return secret;
}

/**
 * A fresh token for a form: from the session's secret when the session is signed in (made on first use) or already
 * holds one, otherwise from the visitor's pre-login cookie (no session write). `onSessionSecret` runs before a secret
 * is added to the session (to initialise it for storing).
 */
export function csrfToken(config: Config, req: Request, res: Response, now: number, onSessionSecret?: () => void): string {
  const s = req.session as Request['session'] | undefined;
  if (s && (s.csrf || s.auth)) {
    if (!s.csrf) {
      onSessionSecret?.();
      s.csrf = tokens.secretSync();
    }
    return tokens.create(s.csrf);
  }
  return tokens.create(issuePreLoginSecret(config, req, res, now));
}

/**
 * The session's own secret verifies; a session that is not signed in also accepts its visitor's pre-login cookie. A
 * signed-in session never does: a cookie planted by someone else could otherwise stand in for its secret.
 */
export function csrfTokenValid(config: Config, req: Request, token: unknown, now: number): boolean {
  if (typeof token !== 'string' || token.length >= 200) return false;
  const s = req.session as Request['session'] | undefined;
  if (s?.csrf && tokens.verify(s.csrf, token)) return true;
  if (s?.auth) return false;
  const pre = preLoginSecret(config, req, now);
  return !!pre && tokens.verify(pre, token);
}

export function expectedOrigin(config: Config, req: Request): string {
  return config.publicOrigin ?? `${req.protocol}://${req.get('host') ?? ''}`;
}

/**
 * A cross-site request is refused before anything else looks at it: Origin must be ours when the browser sends it,
 * and Sec-Fetch-Site must not say cross-site. Safe methods pass.
 */
export function sameOriginCheck(config: Config, req: Request): boolean {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return true;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== expectedOrigin(config, req)) return false;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  return true;
}

/** For server-rendered forms: same-origin check, then the `_csrf` field against the session's secret. */
export function requireFormCsrf(config: Config, now: () => number): RequestHandler {
  return function formCsrf(req, _res, next) {
    const body = req.body as Record<string, unknown> | undefined;
    if (!sameOriginCheck(config, req) || !csrfTokenValid(config, req, body?._csrf, now())) return next(csrfFailed());
    next();
  };
}
