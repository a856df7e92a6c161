import { loadConfig, ConfigError } from '../../src/config/index.js';

/** What loadConfig says is wrong with `env`: its problems, or [] when it accepts it (anything else is rethrown). */
export function configProblems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}
