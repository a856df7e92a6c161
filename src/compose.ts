import type { Store } from 'express-session';
import type { Config } from './config/index.js';
import type { Logger } from './logger.js';
import { createCloudbaseClient, type CloudbaseClient } from './cloudbase/client.js';
import type { RedisClient } from './session/redis.js';
import { createSharedSessions, type SharedSessions } from './session/shared.js';
import { createTokenCipher } from './session/token-cipher.js';
import { sessionCookieOptions } from './session/cookie-options.js';
import { DevMemoryStore } from './session/memory-store.js';
import { remainingMs, sessionLimits } from './session/policy.js';
import { createSessionManager } from './session/auth-session.js';
import { callContext } from './session/context.js';
import { createSignInPersister } from './session/durable.js';
import { createTokenKeeper } from './session/tokens.js';
import { createSessionDirectory } from './session/directory.js';
import { createAuthService } from './services/auth.js';
import { createLimiters } from './limits/limits.js';
import { createLimitGuard } from './limits/guard.js';
import { requireFormCsrf } from './http/csrf.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import type { RouteDeps } from './routes/deps.js';

/**
 * The one composition root: what `startGateway` (main), the tests' gateways and a second in-process instance all build
 * from a validated config, so none of them wires the session layer or the services by hand.
 */

/** The session store express-session uses, and with Redis the state every instance shares. */
export interface SessionBackend {
  store: Store;
  /** absent with the in-process development store */
  shared?: SharedSessions;
}

export interface Services {
  config: Config;
  logger: Logger;
  now: () => number;
  /** absent with the in-process development store */
  redis?: RedisClient;
  sessions: SessionBackend;
  cloudbase: CloudbaseClient;
  metrics: Metrics;
  /** what the route modules get */
  routes: RouteDeps;
}

export interface ComposeOptions {
  /** the connected Redis client (absent: the in-process development store) */
  redis?: RedisClient;
  /** the clock (epoch ms); tests inject one to move time */
  now?: () => number;
  metrics?: Metrics;
  /** a CloudBase client of the caller's (tests pointing one instance at a dead origin); default: built from config */
  cloudbase?: CloudbaseClient;
}

/** Tombstones outlive any request that could still write: the slowest is a proxied call. */
const tombstoneMs = (config: Config) => Math.max(60_000, 2 * config.proxy.timeoutMs);

export function createSessionBackend(config: Config, logger: Logger, redis: RedisClient | undefined, now: () => number): SessionBackend {
  const limits = sessionLimits(config);
  const common = {
    ttlMs: (sess: Parameters<typeof remainingMs>[0]) => remainingMs(sess, limits, now()),
    tombstoneMs: tombstoneMs(config),
    onDroppedWrite: (_sid: string, outcome: 'destroyed' | 'conflict') => logger.info({ outcome }, 'session write dropped'),
  };
  if (!redis) return { store: new DevMemoryStore({ ...common, now }) };
  const shared = createSharedSessions({
    ...common,
    client: redis,
    prefix: config.redis.keyPrefix,
    cipher: createTokenCipher(config.tokenKeys),
    cookie: sessionCookieOptions(config),
    onUnreadable: () => logger.warn('session ended: no key in TOKEN_ENCRYPTION_KEYS opens its tokens (was a key removed?)'),
  });
  return { store: shared.store, shared };
}

export function createCloudbase(config: Config, metrics: Metrics): CloudbaseClient {
  return createCloudbaseClient({
    apiOrigin: config.cloudbase.apiOrigin!,
    clientId: config.cloudbase.clientId,
    ...(config.cloudbase.clientSecret ? { clientSecret: config.cloudbase.clientSecret } : {}),
    timeoutMs: config.cloudbase.timeoutMs,
    onCall: (info) => metrics.upstreamCall(info),
  });
}

export function compose(config: Config, logger: Logger, opts: ComposeOptions = {}): Services {
  const now = opts.now ?? Date.now;
  const metrics = opts.metrics ?? createMetrics();
  const { redis } = opts;
  const sessions = createSessionBackend(config, logger, redis, now);
  const cloudbase = opts.cloudbase ?? createCloudbase(config, metrics);
  const { shared } = sessions;

  const directory = createSessionDirectory(shared, sessionLimits(config).absoluteMs, sessionLimits(config).idleMs);
  const auth = createAuthService(cloudbase, now, {
    limits: createLimitGuard(createLimiters(config.limits, redis, config.redis.keyPrefix), {
      onReject: (kind) => metrics.rateLimited(kind),
      secrets: config.session.secrets,
    }),
    failureMinMs: config.limits.login.failureMinMs,
    onSmsSent: (purpose) => metrics.smsSent(purpose),
  });
  const routes: RouteDeps = {
    config,
    auth,
    sessions: createSessionManager(
      config,
      directory,
      now,
      (req, accessToken) => auth.revoke(callContext(req, now), accessToken),
      createSignInPersister({ ...(shared && redis ? { client: redis, shared } : {}), wait: config.redis.wait }),
    ),
    freshAccessToken: createTokenKeeper({
      client: cloudbase,
      ...(shared ? { shared } : {}),
      skewS: config.refreshSkewS,
      upstreamTimeoutMs: config.cloudbase.timeoutMs,
      now,
      onRefresh: (outcome) => metrics.refresh(outcome),
      onSessionEnded: (sub, sid, live) => (live ? directory.endedUpstream(sub, sid) : directory.remove(sub, sid)),
    }),
    directory,
    formCsrf: requireFormCsrf(config, now),
    now,
  };
  return { config, logger, now, ...(redis ? { redis } : {}), sessions, cloudbase, metrics, routes };
}
