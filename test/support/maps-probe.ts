import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/**
 * Runs a maps probe (`test/support/<name>.mjs`, which asks V8 through v8-natives.mjs) in a child process with
 * `--allow-natives-syntax`, a flag jest's own process lacks, and returns the JSON it prints.
 */
export async function mapsProbe(name: string, ...args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['--allow-natives-syntax', `test/support/${name}.mjs`, ...args], { cwd: root, timeout: 20_000 });
  return JSON.parse(stdout) as unknown;
}
