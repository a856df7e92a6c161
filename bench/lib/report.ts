/**
 * The pure half of the benchmark: medians over rounds, the targets of issue 7, the result JSON and the table.
 * Nothing here measures or starts anything, so `test/unit/bench-report.test.ts` covers it without timing.
 */

/** Scenario names are fixed by issue 7: results are compared across runs and machines by these names. */
export const SCENARIOS = [
  'bare-express',
  'stock-session',
  'session-read',
  'session-read-c10',
  'anonymous-401',
  'forged-cookie',
  'proxy',
  'login',
  'refresh-fanin',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** One round of one scenario, as the load generator saw it. */
export interface RoundSample {
  /** responses per second over the round */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** responses received */
  responses: number;
  /** responses by status code */
  statuses: Record<string, number>;
  /** connection errors and timeouts */
  errors: number;
  /** CPU time of the process under test per response, microseconds (Linux only) */
  server_cpu_us_per_req?: number;
  /** CPU time of redis-server per response, microseconds (Linux only) */
  redis_cpu_us_per_req?: number;
}

export interface ScenarioResult {
  name: ScenarioName;
  connections: number;
  /** median over rounds */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  rounds: number;
  /** the status every response should have had */
  expected_status: number;
  /** responses over all rounds with another status, plus connection errors: 0 when the scenario measured what it says */
  unexpected: number;
  statuses: Record<string, number>;
  /** median CPU time per response of the process under test and of redis-server, microseconds (Linux only) */
  server_cpu_us_per_req?: number;
  redis_cpu_us_per_req?: number;
  /** refresh-fanin: CloudBase token refreshes seen by the emulator (the worst round: the one furthest from 1) */
  upstream_refreshes?: number;
  upstream_refreshes_rounds?: number[];
  /** session-read and stock-session: bytes of the stored session (JSON), to show both sides carry the same session */
  session_bytes?: number;
}

export interface Machine {
  cpus: number;
  model: string;
  /** total memory, bytes */
  memory: number;
  platform: string;
}

export interface TargetCheck {
  name: string;
  /** human form of the rule, e.g. ">= 0.5" */
  rule: string;
  actual: number | null;
  pass: boolean;
}

export interface BenchResult {
  node: string;
  machine: Machine;
  generated_at: string;
  settings: { duration_s: number; rounds: number; warmup_s: number };
  /** 1-minute load average before and after the run: other work on the machine skews every number */
  load_average?: { before: number; after: number };
  scenarios: ScenarioResult[];
  redis_bytes_per_session: number | null;
  ratios: { 'session-read/bare-express': number | null; 'session-read/stock-session': number | null };
  targets: TargetCheck[];
  pass: boolean;
}

/** The median; the mean of the middle two for an even count. Throws on an empty list (a scenario with no rounds is a bug). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (0 < p <= 100) of values sorted ascending; NaN when there are none. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Medians of rps, p50 and p99 over the rounds (each metric on its own), and the status tally over all rounds. */
export function summarizeScenario(
  name: ScenarioName,
  connections: number,
  expectedStatus: number,
  rounds: readonly RoundSample[],
): ScenarioResult {
  const statuses: Record<string, number> = {};
  let unexpected = 0;
  for (const r of rounds) {
    unexpected += r.errors;
    for (const [status, count] of Object.entries(r.statuses)) {
      statuses[status] = (statuses[status] ?? 0) + count;
      if (Number(status) !== expectedStatus) unexpected += count;
    }
  }
  const cpu = (pick: (r: RoundSample) => number | undefined) => {
    const values = rounds.map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return values.length > 0 ? Math.round(median(values)) : undefined;
  };
  const serverCpu = cpu((r) => r.server_cpu_us_per_req);
  const redisCpu = cpu((r) => r.redis_cpu_us_per_req);
  return {
    name,
    connections,
    rps: Math.round(median(rounds.map((r) => r.rps))),
    p50_ms: round2(median(rounds.map((r) => r.p50_ms))),
    p99_ms: round2(median(rounds.map((r) => r.p99_ms))),
    rounds: rounds.length,
    expected_status: expectedStatus,
    unexpected,
    statuses,
    ...(serverCpu !== undefined ? { server_cpu_us_per_req: serverCpu } : {}),
    ...(redisCpu !== undefined ? { redis_cpu_us_per_req: redisCpu } : {}),
  };
}

/** The round furthest from exactly one refresh: one bad round is enough to miss the target. */
export function worstRefreshCount(counts: readonly number[]): number {
  if (counts.length === 0) throw new Error('no refresh-fanin rounds');
  return counts.reduce((worst, c) => (Math.abs(c - 1) > Math.abs(worst - 1) ? c : worst), counts[0]!);
}

export const TARGETS = {
  vsBare: 0.5,
  vsStock: 1.3,
  c10P99Ms: 10,
  refreshes: 1,
  redisBytes: 3 * 1024,
} as const;

/** a / b, or null when either side is missing or b is not positive. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !(b > 0) || !Number.isFinite(a)) return null;
  return Math.round((a / b) * 1000) / 1000;
}

/**
 * The targets of issue 7. A scenario that did not measure what it says (responses with another status) fails its
 * target whatever its speed: a fast stream of 404s proves nothing.
 */
export function evaluateTargets(
  scenarios: readonly ScenarioResult[],
  redisBytesPerSession: number | null,
): { ratios: BenchResult['ratios']; targets: TargetCheck[] } {
  const by = (n: ScenarioName) => scenarios.find((s) => s.name === n);
  const clean = (s: ScenarioResult | undefined) => s !== undefined && s.unexpected === 0;
  const read = by('session-read');
  const bare = by('bare-express');
  const stock = by('stock-session');
  const c10 = by('session-read-c10');
  const fanin = by('refresh-fanin');
  const ratios = {
    'session-read/bare-express': ratio(read?.rps, bare?.rps),
    'session-read/stock-session': ratio(read?.rps, stock?.rps),
  };
  const vsBare = ratios['session-read/bare-express'];
  const vsStock = ratios['session-read/stock-session'];
  const targets: TargetCheck[] = [
    {
      name: 'session-read/bare-express',
      rule: `>= ${TARGETS.vsBare}`,
      actual: vsBare,
      pass: vsBare !== null && vsBare >= TARGETS.vsBare && clean(read) && clean(bare),
    },
    {
      name: 'session-read/stock-session',
      rule: `>= ${TARGETS.vsStock}`,
      actual: vsStock,
      pass: vsStock !== null && vsStock >= TARGETS.vsStock && clean(read) && clean(stock),
    },
    {
      name: 'session-read-c10 p99_ms',
      rule: `<= ${TARGETS.c10P99Ms}`,
      actual: c10?.p99_ms ?? null,
      pass: c10 !== undefined && clean(c10) && c10.p99_ms <= TARGETS.c10P99Ms,
    },
    {
      name: 'refresh-fanin upstream_refreshes',
      rule: `== ${TARGETS.refreshes} (every round)`,
      actual: fanin?.upstream_refreshes ?? null,
      pass:
        fanin !== undefined &&
        clean(fanin) &&
        (fanin.upstream_refreshes_rounds ?? []).length > 0 &&
        (fanin.upstream_refreshes_rounds ?? []).every((n) => n === TARGETS.refreshes),
    },
    {
      name: 'redis_bytes_per_session',
      rule: `<= ${TARGETS.redisBytes}`,
      actual: redisBytesPerSession,
      pass: redisBytesPerSession !== null && redisBytesPerSession <= TARGETS.redisBytes,
    },
  ];
  return { ratios, targets };
}

export function buildResult(input: {
  node: string;
  machine: Machine;
  settings: BenchResult['settings'];
  scenarios: ScenarioResult[];
  redisBytesPerSession: number | null;
  loadAverage?: { before: number; after: number };
  now?: Date;
}): BenchResult {
  const order = (s: ScenarioResult) => SCENARIOS.indexOf(s.name);
  const scenarios = [...input.scenarios].sort((a, b) => order(a) - order(b));
  const { ratios, targets } = evaluateTargets(scenarios, input.redisBytesPerSession);
  return {
    node: input.node,
    machine: input.machine,
    generated_at: (input.now ?? new Date()).toISOString(),
    settings: input.settings,
    ...(input.loadAverage ? { load_average: input.loadAverage } : {}),
    scenarios,
    redis_bytes_per_session: input.redisBytesPerSession,
    ratios,
    targets,
    pass: targets.every((t) => t.pass),
  };
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

const fmt = (n: number | null | undefined, digits = 2) => (n === null || n === undefined ? '-' : n.toFixed(digits));

/** The table printed at the end of a run (and pasted into bench/README.md). */
export function formatTable(result: BenchResult): string {
  const rows: string[][] = [['scenario', 'conns', 'rps', 'p50 ms', 'p99 ms', 'cpu us/req', 'redis us/req', 'unexpected', 'note']];
  for (const s of result.scenarios) {
    const notes: string[] = [];
    if (s.upstream_refreshes_rounds) notes.push(`upstream refreshes ${s.upstream_refreshes_rounds.join('/')}`);
    if (s.session_bytes !== undefined) notes.push(`session ${s.session_bytes} B`);
    if (s.unexpected > 0) notes.push(`statuses ${JSON.stringify(s.statuses)}`);
    rows.push([
      s.name,
      String(s.connections),
      String(s.rps),
      fmt(s.p50_ms),
      fmt(s.p99_ms),
      fmt(s.server_cpu_us_per_req, 0),
      fmt(s.redis_cpu_us_per_req, 0),
      String(s.unexpected),
      notes.join('; '),
    ]);
  }
  const targetRows: string[][] = [['target', 'rule', 'actual', 'result']];
  for (const t of result.targets) {
    targetRows.push([t.name, t.rule, fmt(t.actual, 3), t.actual === null ? 'NOT MEASURED' : t.pass ? 'PASS' : 'FAIL']);
  }
  const m = result.machine;
  return [
    `node ${result.node} on ${m.platform}, ${m.cpus} x ${m.model}, ${(m.memory / 2 ** 30).toFixed(1)} GiB; ` +
      `${result.settings.rounds} rounds of ${result.settings.duration_s} s (medians), warm-up ${result.settings.warmup_s} s` +
      (result.load_average ? `; load average ${result.load_average.before} before, ${result.load_average.after} after` : ''),
    '',
    pad(rows),
    '',
    `redis bytes per signed-in session: ${result.redis_bytes_per_session ?? '-'}`,
    '',
    pad(targetRows),
    '',
    result.pass ? 'all targets met' : `targets missed: ${result.targets.filter((t) => !t.pass).map((t) => t.name).join(', ')}`,
  ].join('\n');
}
