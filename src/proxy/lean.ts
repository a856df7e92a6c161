import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/index.js';
import { AppError, internalError } from '../errors/app-error.js';
import { assignRequestId, type TrustFn } from '../http/request-id.js';
import { VerifiedCookies } from '../http/signed-cookie.js';
import { remainingMs, sessionLimits } from '../session/policy.js';
import type { RedisClient } from '../session/redis.js';
import type { VersionedRedisStore } from '../session/store.js';
import { sessionVersions } from '../session/version-cache.js';
import { parseSessionAuthorization, secretMatches } from '../session/token-session.js';
import { refreshDueAt } from '../session/tokens.js';
import { callerOf } from './caller.js';
import { bearer, forwardTo, type AnswerHead } from './forward.js';
import { OpenedSessions, type OpenedSession } from './opened-sessions.js';
import { resolveProxyTarget, type ProxyRoutes, type ProxyTarget } from './target.js';

export const PROXY_PATH = '/api/proxy/';
/** The route pattern proxied answers are counted under in the metrics, by either path. */
export const PROXY_ROUTE_LABEL = '/api/proxy';
/** Sessions whose opened access token is kept (a few hundred bytes each). */
const OPENED_SESSIONS = 5000;
/** Methods the API's CSRF rule lets through without X-CSRF; other cookie-mode calls go to the full stack. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface LeanProxyDeps {
  config: Config;
  store: VersionedRedisStore;
  redis: RedisClient;
  routes: ProxyRoutes;
  /** Express's compiled TRUST_PROXY (`app.get('trust proxy fn')`) */
  trust: TrustFn;
  now: () => number;
  /** the headers the gateway puts on every answer (security headers), as name, value pairs with lowercase names */
  ownHeaders: readonly string[];
  /** the answer was sent in full: count and log it (`started` from performance.now()) */
  onAnswered(req: IncomingMessage, res: ServerResponse, started: number): void;
}

/**
 * Takes a request before Express. Returns false when it is not the lean path's to answer (Express then handles it as
 * ever); otherwise it answers, or calls `fullStack` to hand the request to Express untouched (nothing was written):
 * when the session is not the plain case, or when the backend failed before answering (the full stack's proxy route
 * then answers that failure: takeLeanFailure).
 */
export type LeanProxy = (req: IncomingMessage, res: ServerResponse, fullStack: () => void) => boolean;

interface Credential {
  /** the exact credential verified for a cache entry: the cookie value, or the Authorization header */
  key: string;
  /** the session it names (its signature verified, for a cookie) */
  sid: string;
  /** token mode: the presented secret */
  secret?: string;
}

/** A backend failure the lean path met before answering, for the full stack's proxy route to answer (index.ts). */
const handedOver = new WeakMap<IncomingMessage, AppError>();

export function takeLeanFailure(req: IncomingMessage): AppError | undefined {
  const failure = handedOver.get(req);
  if (failure) handedOver.delete(req);
  return failure;
}

/**
 * `/api/proxy/…` in the plain case without Express, express-session or the token keeper, whose per-request cost was
 * most of the proxy's (bench/README.md): the signed cookie (or session token) is verified here (http/signed-cookie.ts,
 * as the lean session read does), the session's current version taken from the process's cache of versions that
 * Redis invalidates (session/version-cache.ts: no Redis call while the session is unchanged; a Redis read otherwise),
 * and the access token opened at that version taken from a small cache
 * (OpenedSessions), so the hot path neither fetches nor decrypts the sealed tokens. Anything else goes to the full
 * stack unchanged: no credential, a token due for refresh, a session at its limits or due to record activity, Redis not
 * ready, a cookie-mode call the CSRF rule must see (any unsafe method), a path or route name the full stack refuses,
 * any Redis error. Request id, the security headers, metrics and the completion log are kept.
 */
export function leanProxy(deps: LeanProxyDeps): LeanProxy {
  const { config, store, redis, routes, trust, now } = deps;
  const limits = sessionLimits(config);
  const halfIdleMs = limits.idleMs / 2;
  const skewS = config.refreshSkewS;
  const cookies = new VerifiedCookies(config.session.cookieName, config.session.secrets);
  const versions = sessionVersions(redis);
  const publicHost = config.publicOrigin ? new URL(config.publicOrigin).host : undefined;
  const opened = new OpenedSessions(OPENED_SESSIONS);
  const ownNames = new Set<string>(['x-request-id']);
  for (let i = 0; i < deps.ownHeaders.length; i += 2) ownNames.add(deps.ownHeaders[i]!);
  // How every lean answer's head is written: the gateway's headers, then the request id and the backend's.
  const head: AnswerHead = {
    ours: (name) => ownNames.has(name),
    start: deps.ownHeaders,
    write(target, status, headers) {
      target.writeHead(status, headers as string[]);
    },
  };
  // Whether TRUST_PROXY trusts a connection's peer, judged once per connection (a keep-alive client sends many).
  const peers = new WeakMap<object, TrustFn>();
  const trustedPeer = (req: IncomingMessage): TrustFn => {
    let judged = peers.get(req.socket);
    if (!judged) {
      const peer = req.socket.remoteAddress ?? '';
      const first = trust(peer, 0);
      judged = (addr, hops) => (hops === 0 && addr === peer ? first : trust(addr, hops));
      peers.set(req.socket, judged);
    }
    return judged;
  };

  function credentialOf(req: IncomingMessage): Credential | undefined {
    const authorization = req.headers.authorization;
    if (authorization !== undefined && /^session(\s|$)/i.test(authorization)) {
      const token = parseSessionAuthorization(authorization);
      return token ? { key: authorization, sid: token.sid, secret: token.secret } : undefined;
    }
    const mode = req.headers['x-session-mode'];
    if (typeof mode === 'string' && mode.toLowerCase() === 'token') return undefined;
    if (!SAFE_METHODS.has(req.method!)) return undefined;
    const value = cookies.valueIn(req.headers.cookie);
    if (value === undefined || value.length === 0 || value.length > 4096) return undefined;
    // a cookie whose signature does not verify is the full stack's to answer
    const sid = cookies.sessionIdOf(value);
    return sid === undefined ? undefined : { key: value, sid };
  }

  /** Reads and opens the session (the store's read), keeps what the proxy needs of this version; undefined: not for the lean path. */
  async function open(credential: Credential): Promise<OpenedSession | undefined> {
    const sess = await store.read(credential.sid);
    if (!sess?.auth?.at || !sess.created || sess._v === undefined) return undefined;
    // A token session is only reached by its token, and a cookie never opens one (the full stack's token verifier).
    if (credential.secret !== undefined ? !sess.tok || !secretMatches(credential.secret, sess.tok) : sess.tok !== undefined) return undefined;
    const entry: OpenedSession = {
      key: store.keys.session(credential.sid),
      version: sess._v,
      authorization: bearer(sess.auth.at),
      dueAt: refreshDueAt(sess.auth, skewS),
      created: sess.created,
      seen: sess.seen ?? 0,
    };
    opened.set(credential.key, entry);
    return entry;
  }

  /** The session when it is the plain case: signed in, within its limits, no activity to record, token not due. */
  function plain(entry: OpenedSession | undefined): OpenedSession | undefined {
    if (!entry) return undefined;
    const t = now();
    if (t >= entry.dueAt || t - entry.seen > halfIdleMs || remainingMs(entry, limits, t) <= 0) return undefined;
    return entry;
  }

  function openThen(credential: Credential, then: (session: OpenedSession | undefined) => void): void {
    open(credential).then(
      (entry) => then(plain(entry)),
      () => then(undefined), // the full stack meets the same Redis and answers its 503
    );
  }

  /**
   * The plain session behind a credential, or undefined: an entry opened before is used while the session's version
   * (cached until Redis says the session changed, or read) is still the one it was opened at.
   */
  function plainSession(credential: Credential, then: (session: OpenedSession | undefined) => void): void {
    const entry = opened.get(credential.key);
    if (!entry) return openThen(credential, then);
    versions.read(entry.key, (err, version) => {
      if (err) return then(undefined);
      if (version === entry.version) return then(plain(entry));
      opened.delete(credential.key);
      if (version === null) return then(undefined);
      openThen(credential, then);
    });
  }

  return function leanProxyHandler(req, res, fullStack) {
    const url = req.url!;
    if (!url.startsWith(PROXY_PATH) || redis.status !== 'ready') return false;
    const credential = credentialOf(req);
    if (!credential) return false;
    let target: ProxyTarget;
    try {
      target = resolveProxyTarget(routes, url.slice(PROXY_PATH.length - 1));
    } catch {
      return false; // unknown route or a path that could leave the base: the full stack's 404 / 400
    }
    const started = performance.now();
    // forwardTo's end: the answer is over (counted and logged when it was sent in full, as the full stack counts on
    // 'finish', without a listener of its own), or the backend failed before answering
    const handOver = (failure?: AppError) => {
      if (!failure) {
        if (res.writableFinished) deps.onAnswered(req, res, started);
        return;
      }
      if (handedOver.has(req)) return;
      handedOver.set(req, failure);
      fullStack();
    };
    plainSession(credential, (session) => {
      if (!session) return fullStack();
      try {
        const trustPeer = trustedPeer(req);
        const requestId = assignRequestId(req, trustPeer);
        forwardTo(
          req,
          res,
          target,
          {
            authorization: session.authorization,
            requestId,
            forwarded: callerOf(req, trustPeer, publicHost),
            head,
          },
          handOver,
        );
      } catch (err) {
        handOver(err instanceof AppError ? err : internalError(err));
      }
    });
    return true;
  };
}
