// jest globalSetup: compiles src/ into dist/ once per test run, so every test that starts `node dist/main.js` runs the
// code in the working tree. Incremental (its build info lives in dist/, so deleting dist/ rebuilds everything): a run
// with nothing changed costs a few seconds. Plain JavaScript, because jest neither maps `.js` specifiers nor
// compiles TypeScript for this file the way it does for tests.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export default function buildDistOnce() {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', join('dist', '.tsbuildinfo')];
  try {
    execFileSync(process.execPath, args, { cwd: root, stdio: 'pipe', timeout: 300_000 });
  } catch (e) {
    throw new Error(`Building the gateway (tsc -p tsconfig.build.json) failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}${e.message}`);
  }
  if (!existsSync(join(root, 'dist', 'main.js'))) throw new Error('the build did not produce dist/main.js');
  // Read by test/support/server-process.ts (tests run in this process or in workers started after it).
  process.env.CBG_DIST_BUILT = '1';
}
