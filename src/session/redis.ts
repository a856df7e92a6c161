import { Redis, Cluster } from 'ioredis';
import type { Config } from '../config/index.js';

export type RedisClient = Redis | Cluster;

/**
 * One ioredis client (or Cluster client) tuned to fail fast: a request never waits on a dead Redis for long,
 * and the client reconnects with back-off by itself when Redis returns.
 */
export function createRedisClient(redis: Config['redis']): RedisClient | undefined {
  const common = {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    commandTimeout: 1500,
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
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
