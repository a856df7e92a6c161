import { Redis, Cluster } from 'ioredis';
import type { RequestHandler } from 'express';
import type { Config } from '../config/index.js';
import { storeUnavailable } from '../errors/app-error.js';

export type RedisClient = Redis | Cluster;

/**
 * One ioredis client (or Cluster client) tuned to fail fast: a request never waits on a dead Redis for long,
 * and the client reconnects with back-off by itself when Redis returns.
 *
 * - commandTimeout bounds every command, queued or sent, so a request fails within a second or two.
 * - maxRetriesPerRequest 1: a command caught by a dropped connection is retried once after the reconnect, no more.
 * - The offline queue stays on only for the short windows between "connect" and "ready" and during a reconnect race:
 *   requireConnectedStore() turns requests away while the client is not ready, so nothing piles up behind an outage.
 * - Reconnects back off from 50 ms to 1 s and never give up: the gateway heals without a restart.
 * - A READONLY reply (a failed-over primary that became a replica) makes the client reconnect to the new primary.
 */
export function createRedisClient(redis: Pick<Config['redis'], 'url' | 'clusterNodes'>): RedisClient | undefined {
  const common = {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    commandTimeout: 1500,
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
  };
  if (redis.clusterNodes) {
    return new Cluster(
      redis.clusterNodes.map((n) => ({ host: n.host, port: n.port })),
      {
        redisOptions: { ...common },
        enableOfflineQueue: true,
        clusterRetryStrategy: common.retryStrategy,
        slotsRefreshTimeout: 2000,
      },
    );
  }
  if (redis.url) return new Redis(redis.url, common);
  return undefined;
}

/**
 * Runs `issue`, whose commands then leave in one socket write: each is an ordinary ioredis command (its own reply,
 * promise or callback), the connection's socket corked while they are issued. That is a pipeline's one round trip
 * without ioredis's Pipeline, which gives every instance its own `length` getter closing over the instance: on Node 20
 * (V8 11.3) that kept each pipeline, its commands' promises and the request awaiting them alive through every
 * young-generation collection until a full one (bench/README.md, "Round 2, fifth pass"). A Cluster client routes each
 * command to its slot's connection and writes it as issued; a client not yet ready queues them in its offline queue.
 */
export function together<T>(client: RedisClient, issue: () => T): T {
  const stream = client instanceof Redis && client.status === 'ready' ? client.stream : undefined;
  if (!stream) return issue();
  stream.cork();
  try {
    return issue();
  } finally {
    stream.uncork();
  }
}

/** Resolves once the client is ready, or rejects after timeoutMs. */
export function waitReady(client: RedisClient, timeoutMs = 10000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

/**
 * Before the session middleware: while the client is not connected (Redis down, reconnecting), every request that
 * would touch a session gets the store's 503 at once instead of waiting for a command to time out, and a new visitor
 * is not shown a form whose CSRF secret could not be stored. Once ioredis has reconnected, requests pass again.
 */
export function requireConnectedStore(client: RedisClient): RequestHandler {
  return function requireConnectedStoreMiddleware(_req, _res, next) {
    next(client.status === 'ready' ? undefined : storeUnavailable(new Error(`redis ${client.status}`)));
  };
}
