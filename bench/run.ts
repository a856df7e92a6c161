import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { runLoad } from './lib/load.js';
import { assertAlive, projectRoot } from './lib/procs.js';
import { measureSession, stringBytes } from './lib/redis-memory.js';
import {
  buildResult,
  formatTable,
  summarizeScenario,
  withSettle,
  worstRefreshCount,
  type MixedSignIn,
  type RoundSample,
  type ScaleResults,
  type ScenarioResult,
} from './lib/report.js';
import { bffLogin, bffSession } from './lib/clients.js';
import { redisClient } from './lib/redis-stats.js';
import { mixedSignIn } from './lib/mixed.js';
import { memoryScale, userSessionsScale } from './lib/scale.js';
import {
  BASELINE_SCENARIOS,
  BFF_SCENARIOS,
  PASSWORD,
  SCALE_USER,
  loginRedisCommands,
  prepare,
  refreshFanin,
  runScenario,
} from './lib/scenarios.js';
import { BENCH_ENV, bffScript, startStack } from './lib/stack.js';

/**
 * `npm run bench`: starts Redis, the emulator, an echo upstream, the BFF and the baselines as processes, runs every
 * load scenario in interleaved rounds (so drift hits all of them alike) and reports medians; then the scale
 * measurements (one user with thousands of sessions, memory of many sessions). See bench/README.md for the variables.
 */
function intEnv(name: string, def: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
  return n;
}

/** BENCH_QUICK=1: short rounds and smaller scale counts, to check the machinery (its scale targets cannot pass). */
const quick = process.env.BENCH_QUICK === '1';
const settings = {
  duration_s: intEnv('BENCH_DURATION_S', quick ? 2 : 5, 1),
  rounds: intEnv('BENCH_ROUNDS', quick ? 1 : 3, 1),
  warmup_s: intEnv('BENCH_WARMUP_S', quick ? 1 : 2, 0),
  warmup_requests: intEnv('BENCH_WARMUP_REQUESTS', quick ? 0 : 3000, 0),
  settle_requests: intEnv('BENCH_SETTLE_REQUESTS', quick ? 0 : 3000, 0),
};
const scaleSessions = intEnv('BENCH_SCALE_SESSIONS', quick ? 500 : 5000, 2);
const memorySessions = intEnv('BENCH_MEMORY_SESSIONS', quick ? 10_000 : 100_000, 1);
const listRequests = 20;
const loginCount = intEnv('BENCH_LOGIN_COUNT', quick ? 50 : 200, 1);
const mixedSeconds = intEnv('BENCH_MIXED_S', quick ? 4 : 30, 0);
const only = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim()).filter(Boolean);
const wanted = (name: string) => !only || only.includes(name);
const out = process.env.BENCH_OUT ?? join(projectRoot, 'bench', 'results', 'latest.json');
/** The mixed sign-in's background: a steady app's reads and API calls, well below what the BFF can answer. */
const MIXED_READS_PER_S = 2000;
const MIXED_PROXIED_PER_S = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const loadBefore = Math.round(loadavg()[0]! * 100) / 100;
  log(`bench: ${settings.rounds} rounds x ${settings.duration_s} s, warm-up ${settings.warmup_s} s and at least ${settings.warmup_requests} requests; starting processes`);
  if (process.env.BENCH_BFF_DIR) log(`bench: the BFF measured is ${bffScript()}`);
  if (loadBefore > availableParallelism() / 2) {
    log(`warning: load average ${loadBefore} on ${availableParallelism()} CPUs: other work will skew these numbers`);
  }
  const stack = await startStack({ baselines: BASELINE_SCENARIOS.some(wanted) });
  const redis = await redisClient(stack.redis.url).catch(async (e: unknown) => {
    await stack.stop();
    throw e;
  });
  try {
    const withBff = BFF_SCENARIOS.some(wanted) || wanted('user-sessions') || wanted('memory');
    const prepared = await prepare(stack, { bff: withBff });
    const loads = prepared.loads.filter((s) => wanted(s.name));

    // Memory of one signed-in session: its own user, so the user index holds exactly this one session.
    let footprint: Awaited<ReturnType<typeof measureSession>> | undefined;
    let memSignedIn: { sid: string; sub: string } | undefined;
    if (withBff) {
      const memSigned = await bffLogin(stack.bff.url, 'bench-memory', PASSWORD);
      const memSub = (await bffSession(stack.bff.url, memSigned.cookie)).user.sub;
      memSignedIn = { sid: memSigned.sid, sub: memSub };
      footprint = await measureSession(stack.redis.url, BENCH_ENV.keyPrefix, memSigned.sid, memSub);
      log(`redis: ${footprint.bytes} B per session ${JSON.stringify(footprint.sessionKeys)} + index ${footprint.indexBytes} B / ${footprint.indexMembers} (${footprint.indexEncoding})`);
    }
    const bffSessionBytes = footprint?.sessionJsonBytes;
    const stockSessionBytes = prepared.stock ? await stringBytes(stack.redis.url, `stock:${prepared.stock.sid}`) : undefined;

    if (settings.warmup_s > 0) {
      for (const s of loads) {
        log(`warm-up ${s.name}`);
        const warm = await runLoad({ ...s.load, connections: s.connections, durationS: settings.warmup_s });
        // A scenario as slow as the sign-in (100-250/s here, against tens of thousands for a read) gets too few requests
        // in those seconds for V8 to have optimised its code: its first round would price the compiler, not the path.
        const more = settings.warmup_requests - warm.responses;
        if (more > 0) await runLoad({ ...s.load, connections: s.connections, amount: more });
      }
    }

    const samples = new Map<string, RoundSample[]>();
    const faninCounts: number[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      for (const s of loads) {
        // Each round's scenario first runs untimed on the same process the others just ran on: after a million requests
        // of other kinds V8 has re-specialised the code they share, and a path as slow as the sign-in would otherwise
        // spend most of its round being re-optimised (bench/README.md, "Round 2, eighth pass"). What that settle costs
        // is kept beside the round, not hidden.
        const settle = settings.settle_requests > 0 ? await runScenario(s, { amount: settings.settle_requests }, stack.redis) : undefined;
        const sample = withSettle(await runScenario(s, { durationS: settings.duration_s }, stack.redis), settle);
        assertAlive(...stack.all());
        samples.set(s.name, [...(samples.get(s.name) ?? []), sample]);
        log(
          `round ${round} ${s.name.padEnd(17)} ${sample.rps.toFixed(0).padStart(6)} rps  p50 ${sample.p50_ms.toFixed(2)} ms  ` +
            `p99 ${sample.p99_ms.toFixed(2)} ms  cpu ${sample.server_cpu_us_per_req?.toFixed(0) ?? '-'} us/req  ` +
            `${JSON.stringify(sample.statuses)}${sample.errors ? ` errors ${sample.errors}` : ''}` +
            (sample.settle ? `  (settle ${sample.settle.responses}: cpu ${sample.settle.server_cpu_us_per_req?.toFixed(0) ?? '-'} us/req)` : ''),
        );
        await sleep(250);
      }
      if (withBff && wanted('refresh-fanin')) {
        const { sample, refreshes } = await refreshFanin(stack, prepared.emu);
        samples.set('refresh-fanin', [...(samples.get('refresh-fanin') ?? []), sample]);
        faninCounts.push(refreshes);
        log(`round ${round} refresh-fanin     upstream refreshes ${refreshes}  p99 ${sample.p99_ms.toFixed(2)} ms  ${JSON.stringify(sample.statuses)}`);
      }
    }

    const scenarios: ScenarioResult[] = loads.map((s) => summarizeScenario(s.name, s.connections, s.expectedStatus, samples.get(s.name)!));
    for (const s of scenarios) {
      if ((s.name === 'session-read' || s.name === 'session-read-c10') && bffSessionBytes !== undefined) s.session_bytes = bffSessionBytes;
      if (s.name === 'stock-session' && stockSessionBytes !== undefined) s.session_bytes = stockSessionBytes;
    }
    if (faninCounts.length > 0) {
      scenarios.push({
        ...summarizeScenario('refresh-fanin', 100, 200, samples.get('refresh-fanin')!),
        upstream_refreshes: worstRefreshCount(faninCounts),
        upstream_refreshes_rounds: faninCounts,
      });
    }

    const loginLoad = loads.find((s) => s.name === 'login');
    const loginRedis = loginLoad ? await loginRedisCommands(loginLoad, redis, loginCount) : undefined;
    if (loginRedis) log(`redis commands per login: ${loginRedis.commands_per_login} ${JSON.stringify(loginRedis.by_command)}`);

    const mixedLoads = { read: loads.find((s) => s.name === 'session-read'), proxy: loads.find((s) => s.name === 'proxy') };
    let loginMixed: MixedSignIn | undefined;
    if (loginLoad && mixedLoads.read && mixedLoads.proxy && mixedSeconds > 0) {
      log(`mixed: ${mixedSeconds} s of sign-ins beside ${MIXED_READS_PER_S} session reads/s and ${MIXED_PROXIED_PER_S} proxied calls/s`);
      loginMixed = await mixedSignIn({
        read: mixedLoads.read,
        proxy: mixedLoads.proxy,
        login: loginLoad,
        seconds: mixedSeconds,
        readsPerS: MIXED_READS_PER_S,
        proxiedPerS: MIXED_PROXIED_PER_S,
      });
      assertAlive(...stack.all());
      log(`mixed: ${JSON.stringify(loginMixed)}`);
    }

    const scale: ScaleResults = {};
    if (withBff && wanted('user-sessions')) {
      log(`scale: ${scaleSessions} sign-ins of one user, then its device list and revoke-others`);
      scale.user_sessions = await userSessionsScale({
        bffUrl: stack.bff.url,
        redis,
        username: SCALE_USER,
        password: PASSWORD,
        count: scaleSessions,
        listRequests,
      });
      assertAlive(...stack.all());
      log(`scale: ${JSON.stringify(scale.user_sessions)}`);
    }
    if (footprint && memSignedIn && wanted('memory')) {
      log(`scale: ${memorySessions} signed-in sessions written to Redis for its memory`);
      scale.memory = await memoryScale({ redis, template: memSignedIn, count: memorySessions });
      log(`scale: ${JSON.stringify(scale.memory)}`);
    }

    const cpu = cpus()[0];
    const result = buildResult({
      node: process.version,
      machine: {
        cpus: availableParallelism(),
        model: cpu?.model.trim() ?? 'unknown',
        memory: totalmem(),
        platform: `${platform()} ${release()} ${arch()}`,
      },
      settings,
      scenarios,
      redisBytesPerSession: footprint?.bytes ?? null,
      ...(loginRedis ? { loginRedis } : {}),
      ...(loginMixed ? { loginMixed } : {}),
      ...(Object.keys(scale).length > 0 ? { scale } : {}),
      loadAverage: { before: loadBefore, after: Math.round(loadavg()[0]! * 100) / 100 },
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`\n${formatTable(result)}\n\nwritten to ${out}\n`);
    if (!result.pass && process.env.BENCH_STRICT === '1') process.exitCode = 1;
  } finally {
    redis.disconnect();
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
