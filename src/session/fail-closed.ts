import { AppError, storeUnavailable } from '../errors/app-error.js';
import type { RedisClient } from './redis.js';

/**
 * Every Redis failure met by these methods leaves them as the store's 503, not as a raw ioredis error (which the
 * error pages would answer with a 500): a Cluster failover surfaces as "Too many Cluster redirections",
 * "CLUSTERDOWN" or "Connection is closed" from whichever call meets it first, the session index included.
 */
export function failClosed<T extends object>(target: T, methods: readonly (keyof T)[]): void {
  for (const name of methods) {
    const original = target[name] as unknown as (...args: unknown[]) => Promise<unknown>;
    Object.defineProperty(target, name, {
      value: (...args: unknown[]) =>
        original.apply(target, args).catch((e: unknown) => {
          throw e instanceof AppError ? e : storeUnavailable(e);
        }),
    });
  }
}

/** Defines the Lua commands on the client once (several stores and locks may share one client). */
export function defineScripts(client: RedisClient, scripts: Record<string, { keys: number; lua: string }>): void {
  for (const [name, { keys, lua }] of Object.entries(scripts)) {
    if (!(name in client)) client.defineCommand(name, { numberOfKeys: keys, lua });
  }
}
