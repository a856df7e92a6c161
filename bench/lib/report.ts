/**
 * The pure half of the benchmark: medians over rounds, the targets (issue 16, plus the issue 7 ones it keeps), the
 * result JSON and the table.
 * Nothing here measures or starts anything, so `test/unit/bench-report.test.ts` covers it without timing.
 */

/** Scenario names are fixed (issues 7 and 16): results are compared across runs and machines by these names. */
export const SCENARIOS = [
  'bare-express',
  'stock-session',
  'echo-direct',
  'bare-proxy',
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
  /** the untimed run of the same scenario just before the round (BENCH_SETTLE_REQUESTS): its responses and CPU */
  settle?: Settle;
}

/** What a round's settle answered and cost: kept beside the round, its unexpected answers counted with the round's. */
export interface Settle {
  responses: number;
  statuses: Record<string, number>;
  errors: number;
  server_cpu_us_per_req?: number;
}

/** A round with the settle run before it. */
export function withSettle(round: RoundSample, settle: RoundSample | undefined): RoundSample {
  if (!settle) return round;
  const { responses, statuses, errors, server_cpu_us_per_req } = settle;
  return { ...round, settle: { responses, statuses, errors, ...(server_cpu_us_per_req !== undefined ? { server_cpu_us_per_req } : {}) } };
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
  /** median CPU time per response of the untimed settle before each round (not a target: what re-optimising after the
   * other scenarios costs this path) */
  settle_cpu_us_per_req?: number;
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
  /** why it cannot pass whatever the figure, e.g. measured on fewer sessions than it names */
  note?: string;
}

/** Redis's own `INFO commandstats` over the login rounds (commands run inside scripts count as well as EVALSHA). */
/**
 * The sign-in inside a mixed load (`login_mixed`): sign-ins at full speed beside session reads and proxied calls at
 * fixed rates; the BFF's CPU over that time, less what the background requests cost when they ran alone at the same
 * rates (measured just before and just after), divided by the sign-ins. Not a target: what a sign-in costs on a
 * process that serves other traffic at the same moment, which the rounds (one path at a time) cannot show.
 */
export interface MixedSignIn {
  seconds: number;
  /** the background's rates, requests per second */
  reads_per_s: number;
  proxied_per_s: number;
  /** BFF CPU per background request when it ran alone, before and after (both runs together), microseconds */
  background_cpu_us_per_req: number;
  background_requests: number;
  signins: number;
  /** answers to the sign-ins or the background other than 200, and connection errors */
  unexpected: number;
  cpu_us_per_signin: number;
}

/** The sign-in's share of the BFF's CPU over a mixed run, by difference (see MixedSignIn). */
export function signInShareUs(m: {
  mixedCpuMs: number;
  mixedBackgroundRequests: number;
  aloneCpuMs: number;
  aloneRequests: number;
  signins: number;
}): { background_cpu_us_per_req: number; cpu_us_per_signin: number } {
  if (m.aloneRequests <= 0 || m.signins <= 0) throw new Error('a mixed sign-in measurement needs background requests measured alone and sign-ins');
  const perBackground = m.aloneCpuMs / m.aloneRequests;
  return {
    background_cpu_us_per_req: Math.round(perBackground * 10_000) / 10,
    cpu_us_per_signin: Math.round(((m.mixedCpuMs - perBackground * m.mixedBackgroundRequests) * 1000) / m.signins),
  };
}

export interface LoginRedisCommands {
  /** successful sign-ins over the rounds */
  logins: number;
  /** every command counted by Redis, divided by the sign-ins */
  commands_per_login: number;
  /** the same, per command name (e.g. `evalsha`, `hset`), per sign-in, rounded to two places */
  by_command: Record<string, number>;
}

/** One user with many sessions: the device list's first page and "sign out other sessions". */
export interface UserSessionsScale {
  sessions: number;
  /** how the sessions came to be, e.g. "password sign-ins through the BFF" */
  created_by: string;
  created_s: number;
  /** `GET /api/sessions` (first page), sequential requests: their median and slowest, and how many */
  list_first_page_ms: number;
  list_first_page_max_ms: number;
  list_requests: number;
  /** sessions on the first page (the page size, when the index is full) */
  list_page_size: number;
  /** one `POST /api/sessions/revoke-others`: wall time, and the `revoked` count it answered */
  revoke_others_ms: number;
  revoked: number;
  /** members left in the user's index afterwards (1: the current session) */
  left_in_index: number;
}

/** Many signed-in sessions in one Redis: `INFO memory` before and after, per session. */
export interface MemoryScale {
  sessions: number;
  created_by: string;
  created_s: number;
  used_memory_before: number;
  used_memory_after: number;
  /** (used_memory after - before) / sessions: keys, values, TTLs, allocator and dictionary overhead */
  bytes_per_session: number;
}

export interface ScaleResults {
  user_sessions?: UserSessionsScale;
  memory?: MemoryScale;
}

export interface BenchResult {
  node: string;
  machine: Machine;
  generated_at: string;
  /** warmup_requests: the least requests of each scenario's warm-up; settle_requests: the untimed requests of each
   * scenario before each of its rounds (both absent in results written before they existed) */
  settings: { duration_s: number; rounds: number; warmup_s: number; warmup_requests?: number; settle_requests?: number };
  /** 1-minute load average before and after the run: other work on the machine skews every number */
  load_average?: { before: number; after: number };
  scenarios: ScenarioResult[];
  redis_bytes_per_session: number | null;
  login_redis?: LoginRedisCommands;
  login_mixed?: MixedSignIn;
  scale?: ScaleResults;
  ratios: Record<RatioName, number | null>;
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
/** A run's answers with another status than `expected`, plus its connection errors and timeouts. */
export function unexpectedIn(run: { statuses: Record<string, number>; errors: number }, expected: number): number {
  let n = run.errors;
  for (const [status, count] of Object.entries(run.statuses)) if (Number(status) !== expected) n += count;
  return n;
}

export function summarizeScenario(
  name: ScenarioName,
  connections: number,
  expectedStatus: number,
  rounds: readonly RoundSample[],
): ScenarioResult {
  const statuses: Record<string, number> = {};
  let unexpected = 0;
  for (const r of rounds) {
    for (const [status, count] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
    unexpected += unexpectedIn(r, expectedStatus) + (r.settle ? unexpectedIn(r.settle, expectedStatus) : 0);
  }
  const cpu = (pick: (r: RoundSample) => number | undefined) => {
    const values = rounds.map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return values.length > 0 ? Math.round(median(values)) : undefined;
  };
  const serverCpu = cpu((r) => r.server_cpu_us_per_req);
  const redisCpu = cpu((r) => r.redis_cpu_us_per_req);
  const settleCpu = cpu((r) => r.settle?.server_cpu_us_per_req);
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
    ...(settleCpu !== undefined ? { settle_cpu_us_per_req: settleCpu } : {}),
  };
}

/** The round furthest from exactly one refresh: one bad round is enough to miss the target. */
export function worstRefreshCount(counts: readonly number[]): number {
  if (counts.length === 0) throw new Error('no refresh-fanin rounds');
  return counts.reduce((worst, c) => (Math.abs(c - 1) > Math.abs(worst - 1) ? c : worst), counts[0]!);
}

export const TARGETS = {
  readVsBareRps: 0.85,
  readVsBareCpu: 1.25,
  readVsStock: 1.3,
  c10P99Ms: 10,
  proxyVsBareRps: 0.8,
  proxyVsBareCpu: 1.3,
  loginCpuUs: 1000,
  loginRedisCommands: 12,
  refreshes: 1,
  redisBytes: 2048,
  userSessions: 5000,
  listFirstPageMs: 50,
  revokeOthersMs: 5000,
  memorySessions: 100_000,
} as const;

export const RATIOS = [
  'session-read/bare-express',
  'session-read/bare-express cpu',
  'session-read/stock-session',
  'proxy/bare-proxy',
  'proxy/bare-proxy cpu',
  'proxy/echo-direct',
  'bare-proxy/echo-direct',
] as const;
export type RatioName = (typeof RATIOS)[number];

/** a / b, or null when either side is missing or b is not positive. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !(b > 0) || !Number.isFinite(a)) return null;
  return Math.round((a / b) * 1000) / 1000;
}

/** What was measured besides the load scenarios. */
export interface Measures {
  redisBytesPerSession: number | null;
  loginRedis?: LoginRedisCommands;
  scale?: ScaleResults;
}

/**
 * The targets of issue 16 (and the issue 7 ones it keeps: session read against the stock stack, one refresh per
 * fan-in). A scenario that did not measure what it says (responses with another status) fails its target whatever
 * its speed: a fast stream of 404s proves nothing. A scale target measured on fewer sessions than it names fails.
 */
export function evaluateTargets(scenarios: readonly ScenarioResult[], measures: Measures): { ratios: BenchResult['ratios']; targets: TargetCheck[] } {
  const by = (n: ScenarioName) => scenarios.find((s) => s.name === n);
  const clean = (...list: (ScenarioResult | undefined)[]) => list.every((s) => s !== undefined && s.unexpected === 0);
  const read = by('session-read');
  const bare = by('bare-express');
  const stock = by('stock-session');
  const c10 = by('session-read-c10');
  const proxy = by('proxy');
  const bareProxy = by('bare-proxy');
  const echo = by('echo-direct');
  const login = by('login');
  const fanin = by('refresh-fanin');
  const ratios: Record<RatioName, number | null> = {
    'session-read/bare-express': ratio(read?.rps, bare?.rps),
    'session-read/bare-express cpu': ratio(read?.server_cpu_us_per_req, bare?.server_cpu_us_per_req),
    'session-read/stock-session': ratio(read?.rps, stock?.rps),
    'proxy/bare-proxy': ratio(proxy?.rps, bareProxy?.rps),
    'proxy/bare-proxy cpu': ratio(proxy?.server_cpu_us_per_req, bareProxy?.server_cpu_us_per_req),
    'proxy/echo-direct': ratio(proxy?.rps, echo?.rps),
    'bare-proxy/echo-direct': ratio(bareProxy?.rps, echo?.rps),
  };
  const atLeast = (name: string, actual: number | null, min: number, ok: boolean): TargetCheck => ({
    name,
    rule: `>= ${min}`,
    actual,
    pass: actual !== null && actual >= min && ok,
  });
  const atMost = (name: string, actual: number | null, max: number, ok: boolean, strict = false): TargetCheck => ({
    name,
    rule: `${strict ? '<' : '<='} ${max}`,
    actual,
    pass: actual !== null && (strict ? actual < max : actual <= max) && ok,
  });
  const users = measures.scale?.user_sessions;
  const usersOk = users !== undefined && users.sessions >= TARGETS.userSessions;
  const memory = measures.scale?.memory;
  const tooFew = (measured: number | undefined, named: number) =>
    measured !== undefined && measured < named ? { note: `measured on ${measured} sessions, not ${named}` } : {};
  const loginRedis = measures.loginRedis;
  const rounds = fanin?.upstream_refreshes_rounds ?? [];
  const targets: TargetCheck[] = [
    atLeast('session-read/bare-express', ratios['session-read/bare-express'], TARGETS.readVsBareRps, clean(read, bare)),
    atMost('session-read/bare-express cpu', ratios['session-read/bare-express cpu'], TARGETS.readVsBareCpu, clean(read, bare)),
    atLeast('session-read/stock-session', ratios['session-read/stock-session'], TARGETS.readVsStock, clean(read, stock)),
    atMost('session-read-c10 p99_ms', c10?.p99_ms ?? null, TARGETS.c10P99Ms, clean(c10)),
    atLeast('proxy/bare-proxy', ratios['proxy/bare-proxy'], TARGETS.proxyVsBareRps, clean(proxy, bareProxy)),
    atMost('proxy/bare-proxy cpu', ratios['proxy/bare-proxy cpu'], TARGETS.proxyVsBareCpu, clean(proxy, bareProxy)),
    atMost('login cpu_us_per_login', login?.server_cpu_us_per_req ?? null, TARGETS.loginCpuUs, clean(login)),
    atMost('login redis_commands_per_login', loginRedis?.commands_per_login ?? null, TARGETS.loginRedisCommands, clean(login) && (loginRedis?.logins ?? 0) > 0),
    {
      name: 'refresh-fanin upstream_refreshes',
      rule: `== ${TARGETS.refreshes} (every round)`,
      actual: fanin?.upstream_refreshes ?? null,
      pass: clean(fanin) && rounds.length > 0 && rounds.every((n) => n === TARGETS.refreshes),
    },
    atMost('redis_bytes_per_session', measures.redisBytesPerSession, TARGETS.redisBytes, true),
    {
      ...atMost(`sessions-${TARGETS.userSessions} list_first_page_ms`, users?.list_first_page_ms ?? null, TARGETS.listFirstPageMs, usersOk, true),
      ...tooFew(users?.sessions, TARGETS.userSessions),
    },
    {
      ...atMost(
        `sessions-${TARGETS.userSessions} revoke_others_ms`,
        users?.revoke_others_ms ?? null,
        TARGETS.revokeOthersMs,
        usersOk && users.revoked === users.sessions - 1 && users.left_in_index === 1,
        true,
      ),
      ...tooFew(users?.sessions, TARGETS.userSessions),
      ...(users && (users.revoked !== users.sessions - 1 || users.left_in_index !== 1)
        ? { note: `revoked ${users.revoked} of ${users.sessions - 1}, ${users.left_in_index} left in the index` }
        : {}),
    },
    {
      ...atMost(
        `memory-${TARGETS.memorySessions} bytes_per_session`,
        memory?.bytes_per_session ?? null,
        TARGETS.redisBytes,
        memory !== undefined && memory.sessions >= TARGETS.memorySessions,
      ),
      ...tooFew(memory?.sessions, TARGETS.memorySessions),
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
  loginRedis?: LoginRedisCommands;
  loginMixed?: MixedSignIn;
  scale?: ScaleResults;
  loadAverage?: { before: number; after: number };
  now?: Date;
}): BenchResult {
  const order = (s: ScenarioResult) => SCENARIOS.indexOf(s.name);
  const scenarios = [...input.scenarios].sort((a, b) => order(a) - order(b));
  const measures: Measures = {
    redisBytesPerSession: input.redisBytesPerSession,
    ...(input.loginRedis ? { loginRedis: input.loginRedis } : {}),
    ...(input.scale ? { scale: input.scale } : {}),
  };
  const { ratios, targets } = evaluateTargets(scenarios, measures);
  return {
    node: input.node,
    machine: input.machine,
    generated_at: (input.now ?? new Date()).toISOString(),
    settings: input.settings,
    ...(input.loadAverage ? { load_average: input.loadAverage } : {}),
    scenarios,
    redis_bytes_per_session: input.redisBytesPerSession,
    ...(input.loginRedis ? { login_redis: input.loginRedis } : {}),
    ...(input.loginMixed ? { login_mixed: input.loginMixed } : {}),
    ...(input.scale ? { scale: input.scale } : {}),
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
    if (s.settle_cpu_us_per_req !== undefined) notes.push(`settle ${s.settle_cpu_us_per_req} us/req`);
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
  const targetRows: string[][] = [['target', 'rule', 'actual', 'result', 'note']];
  for (const t of result.targets) {
    targetRows.push([t.name, t.rule, fmt(t.actual, 3), t.actual === null ? 'NOT MEASURED' : t.pass ? 'PASS' : 'FAIL', t.note ?? '']);
  }
  const m = result.machine;
  return [
    `node ${result.node} on ${m.platform}, ${m.cpus} x ${m.model}, ${(m.memory / 2 ** 30).toFixed(1)} GiB; ` +
      `${result.settings.rounds} rounds of ${result.settings.duration_s} s (medians), warm-up ${result.settings.warmup_s} s` +
      (result.settings.warmup_requests ? ` and at least ${result.settings.warmup_requests} requests` : '') +
      (result.settings.settle_requests ? `, ${result.settings.settle_requests} untimed requests before each round` : '') +
      (result.load_average ? `; load average ${result.load_average.before} before, ${result.load_average.after} after` : ''),
    '',
    pad(rows),
    '',
    `redis bytes per signed-in session: ${result.redis_bytes_per_session ?? '-'}`,
    ...extraLines(result),
    '',
    pad([['ratio', 'value'], ...RATIOS.map((r) => [r, fmt(result.ratios[r], 3)])]),
    '',
    pad(targetRows),
    '',
    result.pass ? 'all targets met' : `targets missed: ${result.targets.filter((t) => !t.pass).map((t) => t.name).join(', ')}`,
  ].join('\n');
}

/** The login's Redis commands, the mixed-load sign-in and the scale measurements, one line each. */
function extraLines(result: BenchResult): string[] {
  const lines: string[] = [];
  const l = result.login_redis;
  if (l) {
    const top = Object.entries(l.by_command)
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    lines.push(`redis commands per login: ${l.commands_per_login} over ${l.logins} sign-ins (${top})`);
  }
  const x = result.login_mixed;
  if (x) {
    lines.push(
      `sign-in within a mixed load (${x.reads_per_s} session reads/s and ${x.proxied_per_s} proxied calls/s beside it, ${x.seconds} s): ` +
        `${x.cpu_us_per_signin} us of CPU per sign-in by difference over ${x.signins} sign-ins ` +
        `(background alone ${x.background_cpu_us_per_req} us/req; unexpected ${x.unexpected})`,
    );
  }
  const u = result.scale?.user_sessions;
  if (u) {
    lines.push(
      `one user with ${u.sessions} sessions (${u.created_by}, ${u.created_s} s): first page ${u.list_first_page_ms} ms median ` +
        `(max ${u.list_first_page_max_ms} ms, ${u.list_requests} requests, ${u.list_page_size} per page); ` +
        `revoke-others ${u.revoke_others_ms} ms, revoked ${u.revoked}, ${u.left_in_index} left in the index`,
    );
  }
  const m = result.scale?.memory;
  if (m) {
    lines.push(
      `${m.sessions} signed-in sessions in one Redis (${m.created_by}, ${m.created_s} s): ${m.bytes_per_session} B per session ` +
        `(used_memory ${m.used_memory_before} -> ${m.used_memory_after})`,
    );
  }
  return lines;
}
