import {
  RATIOS,
  SCENARIOS,
  buildResult,
  evaluateTargets,
  formatTable,
  median,
  percentileSorted,
  ratio,
  signInShareUs,
  summarizeScenario,
  withSettle,
  worstRefreshCount,
  type Measures,
  type MemoryScale,
  type RoundSample,
  type ScenarioName,
  type ScenarioResult,
  type UserSessionsScale,
} from '../../bench/lib/report.js';
import { commandsPerLogin, parseCommandStats } from '../../bench/lib/redis-stats.js';
import { sameShape } from '../../bench/lib/scale.js';
import { summarizeProfile, packageOf, type CpuProfile } from '../../bench/lib/cpuprofile.js';
import { forgeCookie, sessionCookieFrom } from '../../bench/lib/clients.js';
import { benchSession, fakeJwt } from '../../bench/lib/session-fixture.js';
import { BENCH_ENV } from '../../bench/lib/env.js';

// The pure half of `npm run bench`: nothing here measures time.

const sample = (rps: number, p50: number, p99: number, statuses: Record<string, number> = { 200: rps }): RoundSample => ({
  rps,
  p50_ms: p50,
  p99_ms: p99,
  responses: Object.values(statuses).reduce((a, b) => a + b, 0),
  statuses,
  errors: 0,
});

function scenario(name: ScenarioName, rps: number, extra: Partial<ScenarioResult> = {}): ScenarioResult {
  return { ...summarizeScenario(name, 100, 200, [sample(rps, 1, 2)]), ...extra };
}

const machine = { cpus: 2, model: 'test cpu', memory: 4 * 2 ** 30, platform: 'linux' };
const settings = { duration_s: 5, rounds: 3, warmup_s: 2 };

describe('when rounds are summarised by their median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow();
  });
});

describe('when latencies are summarised as nearest-rank percentiles', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('is nearest-rank', () => {
    expect(percentileSorted(sorted, 50)).toBe(50);
    expect(percentileSorted(sorted, 99)).toBe(99);
    expect(percentileSorted(sorted, 100)).toBe(100);
    expect(percentileSorted([5], 99)).toBe(5);
  });

  it('is NaN without values', () => {
    expect(percentileSorted([], 50)).toBeNaN();
  });
});

describe('when a scenario\'s rounds are summarised', () => {
  it('reports the median of each metric over the rounds', () => {
    const s = summarizeScenario('session-read', 100, 200, [sample(900, 3, 30), sample(1000, 1, 10), sample(1100, 2, 20)]);
    expect(s).toMatchObject({ name: 'session-read', connections: 100, rps: 1000, p50_ms: 2, p99_ms: 20, rounds: 3, unexpected: 0 });
  });

  it('counts responses with another status than expected, and connection errors, as unexpected', () => {
    const s = summarizeScenario('anonymous-401', 100, 401, [
      { ...sample(10, 1, 2, { 401: 8, 500: 2 }), errors: 1 },
      sample(10, 1, 2, { 401: 10 }),
    ]);
    expect(s.unexpected).toBe(3);
    expect(s.statuses).toEqual({ 401: 18, 500: 2 });
  });

  it('takes the median CPU per request when the rounds measured it', () => {
    const rounds = [10, 30, 20].map((cpu) => ({ ...sample(1, 1, 1), server_cpu_us_per_req: cpu }));
    expect(summarizeScenario('session-read', 100, 200, rounds).server_cpu_us_per_req).toBe(20);
    expect(summarizeScenario('session-read', 100, 200, [sample(1, 1, 1)])).not.toHaveProperty('server_cpu_us_per_req');
  });
});

describe('when each round is preceded by an untimed settle of the same scenario', () => {
  const settled = (roundCpu: number, settleCpu: number, settleStatuses: Record<string, number> = { 200: 40 }) =>
    withSettle({ ...sample(7, 1, 2), server_cpu_us_per_req: roundCpu }, { ...sample(40, 3, 4, settleStatuses), server_cpu_us_per_req: settleCpu });

  it('measures the round alone and reports the median settle cost beside it', () => {
    const s = summarizeScenario('login', 10, 200, [settled(900, 1300), settled(950, 1100), settled(920, 1200)]);
    expect(s.server_cpu_us_per_req).toBe(920);
    expect(s.settle_cpu_us_per_req).toBe(1200);
    expect(s.rps).toBe(7);
    expect(s.statuses).toEqual({ 200: 21 });
  });

  it('counts a settle answer with another status, or a settle connection error, as unexpected', () => {
    const withBad = settled(900, 1000, { 200: 38, 429: 2 });
    expect(summarizeScenario('login', 10, 200, [withBad]).unexpected).toBe(2);
    const withError = withSettle(sample(7, 1, 2), { ...sample(40, 3, 4), errors: 3 });
    expect(summarizeScenario('login', 10, 200, [withError]).unexpected).toBe(3);
  });

  it('leaves a round without a settle as it was', () => {
    const round = sample(7, 1, 2);
    expect(withSettle(round, undefined)).toBe(round);
    expect(summarizeScenario('login', 10, 200, [round])).not.toHaveProperty('settle_cpu_us_per_req');
  });

  it('says so in the table', () => {
    const login = summarizeScenario('login', 10, 200, [settled(900, 1250)]);
    const result = buildResult({ node: 'v20.0.0', machine, settings: { ...settings, settle_requests: 3000 }, scenarios: [login], redisBytesPerSession: 1900 });
    const table = formatTable(result);
    expect(table).toContain('3000 untimed requests before each round');
    expect(table).toMatch(/login .*settle 1250 us\/req/);
  });
});

describe('when refresh fan-in rounds are summarised', () => {
  it('reports the round furthest from exactly one refresh', () => {
    expect(worstRefreshCount([1, 1, 1])).toBe(1);
    expect(worstRefreshCount([1, 3, 1])).toBe(3);
    expect(worstRefreshCount([1, 0, 1])).toBe(0);
  });
});

describe('when two scenarios are compared as a ratio', () => {
  it('divides, rounded to three places, and is null when a side is missing or zero', () => {
    expect(ratio(2, 3)).toBe(0.667);
    expect(ratio(undefined, 3)).toBeNull();
    expect(ratio(2, 0)).toBeNull();
  });
});

describe('when the results are checked against the targets', () => {
  const cpu = (s: ScenarioResult, us: number): ScenarioResult => ({ ...s, server_cpu_us_per_req: us });
  const passing = (): ScenarioResult[] => [
    cpu(scenario('bare-express', 10000), 140),
    scenario('stock-session', 3000),
    cpu(scenario('echo-direct', 12000), 60),
    cpu(scenario('bare-proxy', 5000), 200),
    cpu(scenario('session-read', 8500), 175),
    { ...scenario('session-read-c10', 4000), connections: 10, p99_ms: 8 },
    cpu(scenario('proxy', 4000), 260),
    { ...cpu(scenario('login', 150), 1000), connections: 10 },
    scenario('refresh-fanin', 100, { upstream_refreshes: 1, upstream_refreshes_rounds: [1, 1, 1] }),
  ];
  const userSessions: UserSessionsScale = {
    sessions: 5000,
    created_by: 'password sign-ins through the BFF',
    created_s: 60,
    list_first_page_ms: 49.9,
    list_first_page_max_ms: 80,
    list_requests: 20,
    list_page_size: 51,
    revoke_others_ms: 4999,
    revoked: 4999,
    left_in_index: 1,
  };
  const memory: MemoryScale = {
    sessions: 100_000,
    created_by: 'pipeline',
    created_s: 5,
    used_memory_before: 1_000_000,
    used_memory_after: 1_000_000 + 2048 * 100_000,
    bytes_per_session: 2048,
  };
  const measures = (patch: Partial<Measures> = {}): Measures => ({
    redisBytesPerSession: 2000,
    loginRedis: { logins: 1000, commands_per_login: 12, by_command: { evalsha: 2 } },
    scale: { user_sessions: userSessions, memory },
    ...patch,
  });
  const byName = (targets: ReturnType<typeof evaluateTargets>['targets'], name: string) => {
    const t = targets.find((c) => c.name === name);
    if (!t) throw new Error(`no target ${name}`);
    return t;
  };
  const change = (name: ScenarioName, patch: Partial<ScenarioResult>) => passing().map((s) => (s.name === name ? { ...s, ...patch } : s));

  it('passes every target of issue 16 when each is met exactly at its bound', () => {
    const { ratios, targets } = evaluateTargets(passing(), measures());
    expect(ratios).toEqual({
      'session-read/bare-express': 0.85,
      'session-read/bare-express cpu': 1.25,
      'session-read/stock-session': 2.833,
      'proxy/bare-proxy': 0.8,
      'proxy/bare-proxy cpu': 1.3,
      'proxy/echo-direct': 0.333,
      'bare-proxy/echo-direct': 0.417,
    });
    expect(targets.filter((t) => !t.pass)).toEqual([]);
    expect(targets.map((t) => t.name)).toEqual([
      'session-read/bare-express',
      'session-read/bare-express cpu',
      'session-read/stock-session',
      'session-read-c10 p99_ms',
      'proxy/bare-proxy',
      'proxy/bare-proxy cpu',
      'login cpu_us_per_login',
      'login redis_commands_per_login',
      'refresh-fanin upstream_refreshes',
      'redis_bytes_per_session',
      'sessions-5000 list_first_page_ms',
      'sessions-5000 revoke_others_ms',
      'memory-100000 bytes_per_session',
    ]);
  });

  it('fails each target on its own, just past its bound', () => {
    const failsOnly = (scenarios: ScenarioResult[], m: Measures, name: string) => {
      const failed = evaluateTargets(scenarios, m).targets.filter((t) => !t.pass).map((t) => t.name);
      expect(failed).toEqual([name]);
    };
    failsOnly(change('session-read', { rps: 8490 }), measures(), 'session-read/bare-express');
    failsOnly(change('session-read', { server_cpu_us_per_req: 176 }), measures(), 'session-read/bare-express cpu');
    failsOnly(change('stock-session', { rps: 6600 }), measures(), 'session-read/stock-session');
    failsOnly(change('session-read-c10', { p99_ms: 10.5 }), measures(), 'session-read-c10 p99_ms');
    failsOnly(change('proxy', { rps: 3990 }), measures(), 'proxy/bare-proxy');
    failsOnly(change('proxy', { server_cpu_us_per_req: 261 }), measures(), 'proxy/bare-proxy cpu');
    failsOnly(change('login', { server_cpu_us_per_req: 1001 }), measures(), 'login cpu_us_per_login');
    failsOnly(passing(), measures({ loginRedis: { logins: 10, commands_per_login: 12.1, by_command: {} } }), 'login redis_commands_per_login');
    failsOnly(change('refresh-fanin', { upstream_refreshes: 2, upstream_refreshes_rounds: [1, 2, 1] }), measures(), 'refresh-fanin upstream_refreshes');
    failsOnly(passing(), measures({ redisBytesPerSession: 2049 }), 'redis_bytes_per_session');
    const scaled = (u: Partial<UserSessionsScale>, m: Partial<MemoryScale> = {}) =>
      measures({ scale: { user_sessions: { ...userSessions, ...u }, memory: { ...memory, ...m } } });
    failsOnly(passing(), scaled({ list_first_page_ms: 50 }), 'sessions-5000 list_first_page_ms');
    failsOnly(passing(), scaled({ revoke_others_ms: 5000 }), 'sessions-5000 revoke_others_ms');
    failsOnly(passing(), scaled({}, { bytes_per_session: 2049 }), 'memory-100000 bytes_per_session');
  });

  it('fails revoke-others when it left sessions behind, however fast', () => {
    const m = measures({ scale: { user_sessions: { ...userSessions, revoke_others_ms: 10, revoked: 4000, left_in_index: 1000 }, memory } });
    const t = byName(evaluateTargets(passing(), m).targets, 'sessions-5000 revoke_others_ms');
    expect(t.pass).toBe(false);
    expect(t.note).toMatch(/revoked 4000 of 4999/);
  });

  it('fails a scale target measured on fewer sessions than it names, and says so', () => {
    const m = measures({ scale: { user_sessions: { ...userSessions, sessions: 500, revoked: 499 }, memory: { ...memory, sessions: 10_000 } } });
    const targets = evaluateTargets(passing(), m).targets;
    for (const name of ['sessions-5000 list_first_page_ms', 'sessions-5000 revoke_others_ms', 'memory-100000 bytes_per_session']) {
      expect(byName(targets, name)).toMatchObject({ pass: false, note: expect.stringMatching(/^measured on \d+ sessions, not \d+$/) });
    }
  });

  it('fails a target whose scenario got answers other than the expected status, however fast', () => {
    const broken = change('session-read', { rps: 50000, unexpected: 10 });
    expect(byName(evaluateTargets(broken, measures()).targets, 'session-read/bare-express').pass).toBe(false);
    const badProxy = change('bare-proxy', { unexpected: 1 });
    expect(byName(evaluateTargets(badProxy, measures()).targets, 'proxy/bare-proxy').pass).toBe(false);
    const badLogin = change('login', { unexpected: 3 });
    expect(byName(evaluateTargets(badLogin, measures()).targets, 'login redis_commands_per_login').pass).toBe(false);
  });

  it('fails what was not measured', () => {
    const { ratios, targets } = evaluateTargets([scenario('bare-express', 10000)], { redisBytesPerSession: null });
    expect(ratios['session-read/bare-express']).toBeNull();
    expect(targets.every((t) => !t.pass && t.actual === null)).toBe(true);
  });
});

describe('Redis commands per login', () => {
  const info = (lines: string[]) => ['# Commandstats', ...lines, ''].join('\r\n');

  it('reads the calls of every command from INFO commandstats', () => {
    expect(
      parseCommandStats(info(['cmdstat_evalsha:calls=12,usec=300,usec_per_call=25.00,rejected_calls=0,failed_calls=0', 'cmdstat_client|setname:calls=1,usec=1'])),
    ).toEqual({ evalsha: 12, 'client|setname': 1 });
  });

  it('divides the growth of each command by the sign-ins, leaving out its own INFO calls', () => {
    const before = { evalsha: 10, hset: 4, info: 7 };
    const after = { evalsha: 30, hset: 24, zadd: 10, info: 9 };
    expect(commandsPerLogin(before, after, 10)).toEqual({ logins: 10, commands_per_login: 5, by_command: { evalsha: 2, hset: 2, zadd: 1 } });
  });
});

describe('the memory fixture\'s ids', () => {
  it('are new ids of the same length and alphabet, so every copy of a session weighs the same', () => {
    const sid = 'AQz6SsdhHE6aM-4b82M2K2XTqwekBoTL';
    const sub = '1000000000123456789';
    const sids = new Set(Array.from({ length: 200 }, () => sameShape(sid)));
    expect(sids.size).toBe(200);
    for (const s of sids) expect(s).toMatch(/^[A-Za-z0-9_-]{32}$/);
    for (let i = 0; i < 200; i++) expect(sameShape(sub)).toMatch(/^[1-9][0-9]{18}$/);
    expect(sids.has(sid)).toBe(false);
  });
});

describe('when the sign-in is priced inside a mixed load', () => {
  it('takes the background\'s cost, measured alone, out of the mixed run\'s CPU and divides the rest by the sign-ins', () => {
    // 60,000 background requests at 30 us alone (1,800 ms) inside 9,000 ms: 7,200 ms for 8,000 sign-ins
    const share = signInShareUs({ mixedCpuMs: 9000, mixedBackgroundRequests: 60_000, aloneCpuMs: 900, aloneRequests: 30_000, signins: 8000 });
    expect(share).toEqual({ background_cpu_us_per_req: 30, cpu_us_per_signin: 900 });
  });

  it('refuses a measurement without sign-ins or without the background measured alone', () => {
    expect(() => signInShareUs({ mixedCpuMs: 9000, mixedBackgroundRequests: 60_000, aloneCpuMs: 900, aloneRequests: 30_000, signins: 0 })).toThrow();
    expect(() => signInShareUs({ mixedCpuMs: 9000, mixedBackgroundRequests: 60_000, aloneCpuMs: 0, aloneRequests: 0, signins: 10 })).toThrow();
  });

  it('is kept in the result and printed, but is not a target', () => {
    const loginMixed = {
      seconds: 30,
      reads_per_s: 2000,
      proxied_per_s: 1000,
      background_cpu_us_per_req: 34.5,
      background_requests: 90_000,
      signins: 7000,
      unexpected: 0,
      cpu_us_per_signin: 812,
    };
    const scenarios = SCENARIOS.map((name) => scenario(name, 1000));
    const result = buildResult({ node: 'v20.0.0', machine, settings, scenarios, redisBytesPerSession: 1900, loginMixed });
    expect(result.login_mixed).toEqual(loginMixed);
    expect(result.targets.map((t) => t.name).join()).not.toMatch(/mixed/);
    expect(formatTable(result)).toContain('812 us of CPU per sign-in by difference over 7000 sign-ins');
  });
});

describe('when a run is written as a result', () => {
  const scenarios = SCENARIOS.map((name) => scenario(name, 1000)).reverse();
  const result = buildResult({
    node: 'v20.0.0',
    machine,
    settings,
    scenarios,
    redisBytesPerSession: 1900,
    now: new Date('2025-01-01T00:00:00Z'),
  });

  it('has the fields issues 7 and 16 fix', () => {
    expect(result).toMatchObject({ node: 'v20.0.0', machine, redis_bytes_per_session: 1900, generated_at: '2025-01-01T00:00:00.000Z' });
    for (const s of result.scenarios) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['name', 'connections', 'rps', 'p50_ms', 'p99_ms']));
    }
    expect(Object.keys(result.ratios)).toEqual([...RATIOS]);
    expect(result.targets).toHaveLength(13);
    expect(typeof result.pass).toBe('boolean');
  });

  it('lists the scenarios in the fixed order, whatever order they ran in', () => {
    expect(result.scenarios.map((s) => s.name)).toEqual([...SCENARIOS]);
  });

  it('survives a JSON round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('prints a table naming every scenario and every target', () => {
    const table = formatTable(result);
    for (const name of SCENARIOS) expect(table).toContain(name);
    for (const t of result.targets) expect(table).toContain(t.name);
    expect(table).toMatch(/PASS|FAIL/);
  });

  it('keeps the login\'s Redis commands and the scale measurements in the JSON and the table', () => {
    const loginRedis = { logins: 500, commands_per_login: 14.5, by_command: { evalsha: 3, hset: 1 } };
    const scale = {
      user_sessions: {
        sessions: 5000,
        created_by: 'password sign-ins through the BFF',
        created_s: 61,
        list_first_page_ms: 12.5,
        list_first_page_max_ms: 30,
        list_requests: 20,
        list_page_size: 51,
        revoke_others_ms: 1800,
        revoked: 4999,
        left_in_index: 1,
      },
      memory: { sessions: 100_000, created_by: 'pipeline', created_s: 4, used_memory_before: 1e6, used_memory_after: 2.3e8, bytes_per_session: 2290 },
    };
    const full = buildResult({ node: 'v20.0.0', machine, settings, scenarios, redisBytesPerSession: 1900, loginRedis, scale });
    expect(full).toMatchObject({ login_redis: loginRedis, scale });
    expect(full.targets.find((t) => t.name === 'login redis_commands_per_login')).toMatchObject({ actual: 14.5, pass: false });
    expect(full.targets.find((t) => t.name === 'memory-100000 bytes_per_session')).toMatchObject({ actual: 2290, pass: false });
    const table = formatTable(full);
    expect(table).toContain('redis commands per login: 14.5 over 500 sign-ins (evalsha 3, hset 1)');
    expect(table).toContain('revoke-others 1800 ms, revoked 4999');
    expect(table).toContain('100000 signed-in sessions in one Redis');
    expect(result).not.toHaveProperty('login_redis');
    expect(result).not.toHaveProperty('scale');
  });
});

describe('session cookies', () => {
  // The bench's BFF runs in production with an https PUBLIC_ORIGIN: its cookie is __Host-cbg.sid.
  const header = `${BENCH_ENV.cookieName}=${encodeURIComponent('s:abc123DEF.sigSIGsig+/x')}; Path=/; HttpOnly; Secure; SameSite=Lax`;

  it('takes the session id out of a signed express-session cookie', () => {
    expect(sessionCookieFrom(['other=1; Path=/', header])).toEqual({
      cookie: header.split(';')[0],
      sid: 'abc123DEF',
    });
    expect(sessionCookieFrom(['other=1'])).toBeUndefined();
  });

  it('forges the same id with a signature that differs', () => {
    const signed = sessionCookieFrom([header])!;
    const forged = forgeCookie(signed);
    expect(forged).not.toBe(signed.cookie);
    expect(decodeURIComponent(forged)).toMatch(/^__Host-cbg\.sid=s:abc123DEF\./);
  });
});

describe('the stock-session fixture', () => {
  it('is shaped like the BFF session, with a JWT of the realistic size', () => {
    const jwt = fakeJwt(900);
    expect(jwt.split('.')).toHaveLength(3);
    expect(Math.abs(jwt.length - 900)).toBeLessThan(16);
    const s = benchSession(0);
    expect(Object.keys(s).sort()).toEqual(['auth', 'created', 'did', 'ip', 'seen', 'ua', 'user']);
    expect(s.auth.sub).toBe(s.user.sub);
    expect(s.auth.rt.length).toBeGreaterThan(60);
  });
});

describe('when a CPU profile is summarised', () => {
  const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
  // root → handler (app) → hash (express-session) → digest (native); plus idle and GC
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 5, 6] },
      { id: 2, callFrame: frame('handler', 'file:///app/dist/routes/api/session.js'), children: [3] },
      { id: 3, callFrame: frame('hash', 'file:///app/node_modules/express-session/index.js'), children: [4] },
      { id: 4, callFrame: frame('digest'), children: [] },
      { id: 5, callFrame: frame('(idle)'), children: [] },
      { id: 6, callFrame: frame('(garbage collector)'), children: [] },
    ],
    startTime: 0,
    endTime: 100,
    samples: [2, 3, 4, 4, 5, 5, 5, 5, 6, 6],
    timeDeltas: [10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000],
  };
  const s = summarizeProfile(profile, { root: '/app/' });

  it('splits busy from idle time and prices GC', () => {
    expect(s).toMatchObject({ sampledMs: 100, busyMs: 60, idleMs: 40 });
    expect(s.gcPct).toBeCloseTo(33.3, 1);
  });

  it('reports self and inclusive time per function', () => {
    expect(s.self[0]).toMatchObject({ name: 'digest', ms: 20 });
    expect(s.inclusive.find((c) => c.name.startsWith('handler'))).toMatchObject({ ms: 40 });
  });

  it('charges native work to the nearest package on the stack', () => {
    expect(s.owners.find((c) => c.name === 'express-session')).toMatchObject({ ms: 30, pct: 50 });
    expect(s.owners.find((c) => c.name === 'app: dist/routes/api/session.js')).toMatchObject({ ms: 10 });
  });

  it('names packages by their folder under node_modules', () => {
    expect(packageOf(frame('x', 'file:///a/node_modules/@pinojs/redact/index.js'))).toBe('@pinojs/redact');
    expect(packageOf(frame('x', 'node:internal/http'))).toBe('node (internal)');
  });
});
