import { Redis } from 'ioredis';
import type { LoginRedisCommands } from './report.js';

/** Calls per command from the text of `INFO commandstats` (`cmdstat_hset:calls=3,usec=...`). */
export function parseCommandStats(info: string): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const line of info.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (m) calls[m[1]!] = Number(m[2]);
  }
  return calls;
}

/** Commands a measurement asks for itself: left out of the count. */
const OWN_COMMANDS = new Set(['info', 'client|setname', 'client|setinfo', 'hello', 'select', 'ping']);

/**
 * Redis commands per sign-in between two `INFO commandstats` snapshots. Redis counts the commands a script runs as
 * well as the EVALSHA that ran it, so a two-command script counts three.
 */
export function commandsPerLogin(before: Record<string, number>, after: Record<string, number>, logins: number): LoginRedisCommands {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [cmd, n] of Object.entries(after)) {
    const delta = n - (before[cmd] ?? 0);
    if (delta <= 0 || OWN_COMMANDS.has(cmd)) continue;
    total += delta;
    byCommand[cmd] = logins > 0 ? Math.round((delta / logins) * 100) / 100 : 0;
  }
  return { logins, commands_per_login: logins > 0 ? Math.round((total / logins) * 100) / 100 : 0, by_command: byCommand };
}

/** One connection for the suite's own Redis questions (INFO, MEMORY USAGE, the scale fixtures). */
export async function redisClient(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  return redis;
}

export async function commandStats(redis: Redis): Promise<Record<string, number>> {
  return parseCommandStats(await redis.info('commandstats'));
}

/** `used_memory` of `INFO memory`, bytes. */
export async function usedMemory(redis: Redis): Promise<number> {
  const m = /^used_memory:(\d+)/m.exec(await redis.info('memory'));
  if (!m) throw new Error('INFO memory has no used_memory');
  return Number(m[1]);
}
