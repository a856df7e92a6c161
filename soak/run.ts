import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '../bench/lib/procs.js';
import { formatSoakTable, runSoak } from './lib/soak.js';

/**
 * `npm run soak`: the chaos soak (see lib/soak.ts). SOAK_SECONDS (default 180), SOAK_WORKERS (10),
 * SOAK_FAULT_EVERY_S (10), SOAK_MEMORY_BOUND_MB (64), SOAK_OUT (default soak/results/latest.json).
 * Exits 1 when a check fails (a 5xx other than 503, a lost session, a hang, memory past the bound).
 */
function intEnv(name: string, def: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number >= ${min}, got "${raw}"`);
  return n;
}

const out = process.env.SOAK_OUT ?? join(projectRoot, 'soak', 'results', 'latest.json');
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const result = await runSoak({
    seconds: intEnv('SOAK_SECONDS', 180, 20),
    workers: intEnv('SOAK_WORKERS', 10, 1),
    faultEverySeconds: intEnv('SOAK_FAULT_EVERY_S', 10, 5),
    memoryBoundMb: intEnv('SOAK_MEMORY_BOUND_MB', 64, 1),
    log,
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${formatSoakTable(result)}\n\nwritten to ${out}\n`);
  if (!result.pass) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
