import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeProfile, formatProfile, type CallFrame, type CpuProfile } from './lib/cpuprofile.js';
import { runLoad } from './lib/load.js';
import { projectRoot } from './lib/procs.js';
import { prepare } from './lib/scenarios.js';
import { startStack } from './lib/stack.js';

/**
 * `npm run bench:profile`: the BFF under `node --cpu-prof`, loaded with one scenario (session-read by default), then
 * stopped with SIGTERM so V8 writes the profile; prints where the time went and writes bench/results/profile.json.
 *
 * BENCH_PROFILE_SCENARIO (default session-read), BENCH_PROFILE_S (default 10), BENCH_WARMUP_S (default 2).
 */
/** Packages reported together: one line per layer of the BFF rather than per helper library. */
const OWNER_GROUPS: Record<string, string> = {
  'pino-http': 'logging: pino-http + pino',
  pino: 'logging: pino-http + pino',
  '@pinojs/redact': 'logging: pino-http + pino',
  'fast-redact': 'logging: pino-http + pino',
  'pino-std-serializers': 'logging: pino-http + pino',
  'sonic-boom': 'logging: pino-http + pino',
  'express-session': 'express-session',
  'cookie-signature': 'express-session',
  cookie: 'express-session',
  'on-headers': 'express-session',
  'uid-safe': 'express-session',
  'random-bytes': 'express-session',
  ioredis: 'ioredis',
  'redis-parser': 'ioredis',
  denque: 'ioredis',
  'cluster-key-slot': 'ioredis',
  'connect-redis': 'app: session store',
  'app: dist/session/store.js': 'app: session store',
  'prom-client': 'metrics: prom-client',
  'app: dist/metrics/metrics.js': 'metrics: prom-client',
  got: 'got (proxy / CloudBase client)',
};

/** Socket writes are system calls (costly in a VM): one line for Redis commands, one for HTTP responses. */
const WRITE_SYSCALLS = new Set(['writev', 'writevGeneric', 'writeUtf8String', 'writeLatin1String', 'writeBuffer', 'writeAsciiString']);
function classify(stack: CallFrame[]): string | undefined {
  if (!WRITE_SYSCALLS.has(stack[0]?.functionName ?? '')) return undefined;
  if (stack.some((f) => f.url.includes('/node_modules/ioredis/'))) return 'socket writes: Redis commands';
  if (stack.some((f) => f.url.includes('/node_modules/got/') || f.url.includes('/undici'))) return 'socket writes: upstream calls';
  return 'socket writes: HTTP responses';
}

const scenarioName = process.env.BENCH_PROFILE_SCENARIO ?? 'session-read';
const seconds = Number(process.env.BENCH_PROFILE_S ?? 10);
const warmup = Number(process.env.BENCH_WARMUP_S ?? 2);
const profileDir = join(projectRoot, 'dist-bench', 'profiles');
const profileFile = join(profileDir, `bff-${scenarioName}.cpuprofile`);

function summarize(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const summary = summarizeProfile(profile, { root: projectRoot, top: 30, groups: OWNER_GROUPS, classify });
  const out = join(projectRoot, 'bench', 'results', 'profile.json');
  writeFileSync(out, `${JSON.stringify({ scenario: scenarioName, seconds, profile: file, ...summary }, null, 2)}\n`);
  process.stdout.write(`${formatProfile(summary)}\n\nprofile: ${file}\nsummary: ${out}\n`);
}

async function main(): Promise<void> {
  // `node dist-bench/bench/profile.js some.cpuprofile` only summarises a profile taken earlier
  const given = process.argv[2];
  if (given) return summarize(given);
  mkdirSync(profileDir, { recursive: true });
  rmSync(profileFile, { force: true });
  const stack = await startStack({
    baselines: false,
    bffNodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `bff-${scenarioName}.cpuprofile`],
  });
  try {
    const { loads } = await prepare(stack);
    const scenario = loads.find((s) => s.name === scenarioName);
    if (!scenario) throw new Error(`BENCH_PROFILE_SCENARIO must be one of ${loads.map((s) => s.name).join(', ')}`);
    if (warmup > 0) await runLoad({ ...scenario.load, connections: scenario.connections, durationS: warmup });
    const sample = await runLoad({ ...scenario.load, connections: scenario.connections, durationS: seconds });
    process.stderr.write(
      `${scenarioName} under --cpu-prof: ${sample.rps.toFixed(0)} rps, p50 ${sample.p50_ms.toFixed(2)} ms, p99 ${sample.p99_ms.toFixed(2)} ms ${JSON.stringify(sample.statuses)}\n`,
    );
    await stack.bff.stop(20_000);
  } finally {
    await stack.stop();
  }
  if (!existsSync(profileFile)) throw new Error(`the BFF wrote no profile at ${profileFile}`);
  summarize(profileFile);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:profile failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
