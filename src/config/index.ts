import { configSchema, deepFreeze, type Config } from './schema.js';

export type { Config };
export { COOKIES, cookieName, type CookieKind } from './cookies.js';
export type LimitsConfig = Config['limits'];
export type TokenKey = Config['tokenKeys'][number];
export type RedisNode = NonNullable<Config['redis']['clusterNodes']>[number];

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the environment once. Throws ConfigError listing every problem, each naming its variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      return issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`;
    }),
  );
}

/** The same config with the embedded emulator's URL filled in, once it listens. */
export function withApiOrigin(config: Config, apiOrigin: string): Config {
  return deepFreeze({ ...config, cloudbase: { ...config.cloudbase, apiOrigin } });
}
