import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The node flags of `npm start` (package.json), so tests and the bench run the gateway as operators do. */
export function startFlags(dir = root): string[] {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const words = (pkg.scripts?.start ?? '').trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js') {
    throw new Error(`package.json's start script should read "node [flags] dist/main.js", not ${JSON.stringify(pkg.scripts?.start)}`);
  }
  return words.slice(1, -1);
}
