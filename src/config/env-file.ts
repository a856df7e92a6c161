import { existsSync } from 'node:fs';

/**
 * Loads ENV_FILE (default `.env` in the working directory, when there is one) into process.env before the config is read.
 * Variables already set win over the file. `ENV_FILE=` (empty) loads nothing, as the test harness does. Returns the
 * file loaded, for the start-up log.
 */
export function loadEnvFile(): string | undefined {
  const asked = process.env.ENV_FILE;
  if (asked !== undefined && asked.trim() === '') return undefined;
  const path = asked?.trim() ?? '.env';
  if (asked === undefined && !existsSync(path)) return undefined;
  try {
    process.loadEnvFile(path);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new Error(`ENV_FILE: cannot read ${path} (${reason}); unset ENV_FILE to use .env when present, or set it empty to load no file`);
  }
  return path;
}
