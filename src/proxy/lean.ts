import type { IncomingMessage, ServerResponse } from 'node:http';
import cookieSignature from 'cookie-signature';
import type { Config } from '../config/index.js';
import type { AppError } from '../errors/app-error.js';
import { readCookie } from '../cookie-header.js';
import { assignRequestId, type TrustFn } from '../http/request-id.js';
import { remainingMs, sessionLimits } from '../session/policy.js';
import type { RedisClient } from '../session/redis.js';
import type { VersionedRedisStore } from '../session/store.js';
import { parseSessionAuthorization, secretMatches } from '../session/token-session.js';
import { refreshDueAt } from '../session/tokens.js';
import { callerOf } from './caller.js';
import { forward, type AnswerHead } from './forward.js';
import { OpenedSessions, type OpenedSession } from './opened-sessions.js';
import { resolveProxyTarget, type ProxyRoutes } from './target.js';

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
  /** the answer is committed: count and log it when it finishes (`started` from performance.now()) */
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
  /** token mode: the presented session id and secret */
  token?: { sid: string; secret: string };
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
 * most of the proxy's (bench/README.md): the signed cookie (or session token) is verified here, the session's current
 * version read from Redis (one HGET), and the access token opened at that version taken from a small cache
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
  const { cookieName, secrets } = config.session;
  const publicHost = config.publicOrigin ? new URL(config.publicOrigin).host : undefined;
  const opened = new OpenedSessions(OPENED_SESSIONS);
  const ownNames = new Set<string>(['x-request-id']);
  for (let i = 0; i < deps.ownHeaders.length; i += 2) ownNames.add(deps.ownHeaders[i]!);
  const ours = (name: string) => ownNames.has(name);
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
      return token ? { key: authorization, token } : undefined;
    }
    const mode = req.headers['x-session-mode'];
    if (typeof mode === 'string' && mode.toLowerCase() === 'token') return undefined;
    if (!SAFE_METHODS.has(req.method!)) return undefined;
    const raw = readCookie(req.headers.cookie, cookieName);
    return raw && raw.length <= 4096 ? { key: raw } : undefined;
  }

  /** express-session's reading of its cookie (`s:<sid>.<hmac>`, any configured secret) */
  function signedSessionId(raw: string): string | undefined {
    let value: string;
    try {
      value = decodeURIComponent(raw);
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

  /** Reads and opens the session (the store's read), keeps what the proxy needs of this version; undefined: not for the lean path. */
  async function open(credential: Credential, sid: string): Promise<OpenedSession | undefined> {
    const sess = await store.read(sid);
    if (!sess?.auth?.at || !sess.created || sess._v === undefined) return undefined;
    // A token session is only reached by its token, and a cookie never opens one (the full stack's token verifier).
    if (credential.token ? !sess.tok || !secretMatches(credential.token.secret, sess.tok) : sess.tok !== undefined) return undefined;
    const entry: OpenedSession = {
      sid,
      version: sess._v,
      accessToken: sess.auth.at,
      dueAt: refreshDueAt(sess.auth, skewS),
      created: sess.created,
      seen: sess.seen ?? 0,
    };
    opened.set(credential.key, entry);
    return entry;
  }

  const readVersion = batchedVersionReads(store);

  /** The session when it is the plain case: signed in, within its limits, no activity to record, token not due. */
  async function plainSession(credential: Credential): Promise<OpenedSession | undefined> {
    let entry = opened.get(credential.key);
    if (entry) {
      const version = await readVersion(entry.sid);
      if (version !== entry.version) {
        opened.delete(credential.key);
        entry = version === null ? undefined : await open(credential, entry.sid);
      }
    } else {
      const sid = credential.token ? credential.token.sid : signedSessionId(credential.key);
      entry = sid === undefined ? undefined : await open(credential, sid);
    }
    if (!entry) return undefined;
    const t = now();
    if (t >= entry.dueAt || t - entry.seen > halfIdleMs || remainingMs(entry, limits, t) <= 0) return undefined;
    return entry;
  }

  return function leanProxyHandler(req, res, fullStack) {
    const url = req.url!;
    if (!url.startsWith(PROXY_PATH) || redis.status !== 'ready') return false;
    const credential = credentialOf(req);
    if (!credential) return false;
    let target;
    try {
      target = resolveProxyTarget(routes, url.slice(PROXY_PATH.length - 1));
    } catch {
      return false; // unknown route or a path that could leave the base: the full stack's 404 / 400
    }
    const started = performance.now();
    const proxied = target;
    void (async () => {
      let session: OpenedSession | undefined;
      try {
        session = await plainSession(credential);
      } catch {
        session = undefined; // the full stack meets the same Redis and answers its 503
      }
      if (!session) return fullStack();
      const trustPeer = trustedPeer(req);
      const requestId = assignRequestId(req, trustPeer);
      const head: AnswerHead = {
        ours,
        start: () => deps.ownHeaders.concat('x-request-id', requestId),
        write(target, status, headers) {
          target.writeHead(status, headers as string[]);
        },
      };
      try {
        await forward(req, res, proxied, {
          accessToken: session.accessToken,
          requestId,
          forwarded: callerOf(req, trustPeer, publicHost),
          timeoutMs: config.proxy.timeoutMs,
          head,
          onCommit: () => deps.onAnswered(req, res, started),
        });
      } catch (err) {
        handedOver.set(req, err as AppError);
        fullStack();
      }
    })();
    return true;
  };
}

/**
 * The version reads of every request that arrived in one turn of the event loop, sent to Redis in one write: one write
 * per request was the largest cost of the lean path after the HTTP sockets' own (bench/README.md). setImmediate rather
 * than a microtask: requests on different connections arrive in separate callbacks of the same turn.
 */
function batchedVersionReads(store: VersionedRedisStore): (sid: string) => Promise<number | null> {
  type Waiting = { sid: string; resolve: (v: number | null) => void; reject: (e: unknown) => void };
  let batch: Waiting[] | undefined;
  const flush = () => {
    const waiting = batch!;
    batch = undefined;
    store.readVersions(waiting.map((w) => w.sid)).then(
      (versions) => waiting.forEach((w, i) => w.resolve(versions[i] ?? null)),
      (err: unknown) => waiting.forEach((w) => w.reject(err)),
    );
  };
  return (sid) =>
    new Promise((resolve, reject) => {
      if (!batch) {
        batch = [];
        setImmediate(flush);
      }
      batch.push({ sid, resolve, reject });
    });
}
