import {
  SCENARIOS,
  buildResult,
  evaluateTargets,
  formatTable,
  median,
  percentileSorted,
  ratio,
  summarizeScenario,
  worstRefreshCount,
  type RoundSample,
  type ScenarioName,
  type ScenarioResult,
} from '../../bench/lib/report.js';
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

describe('median', () => {
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

describe('percentileSorted', () => {
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

describe('summarizeScenario', () => {
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

describe('worstRefreshCount', () => {
  it('reports the round furthest from exactly one refresh', () => {
    expect(worstRefreshCount([1, 1, 1])).toBe(1);
    expect(worstRefreshCount([1, 3, 1])).toBe(3);
    expect(worstRefreshCount([1, 0, 1])).toBe(0);
  });
});

describe('ratio', () => {
  it('divides, rounded to three places, and is null when a side is missing or zero', () => {
    expect(ratio(2, 3)).toBe(0.667);
    expect(ratio(undefined, 3)).toBeNull();
    expect(ratio(2, 0)).toBeNull();
  });
});

describe('evaluateTargets', () => {
  const passing = (): ScenarioResult[] => [
    scenario('bare-express', 10000),
    scenario('stock-session', 3000),
    scenario('session-read', 5000),
    { ...scenario('session-read-c10', 4000), connections: 10, p99_ms: 8 },
    scenario('refresh-fanin', 100, { upstream_refreshes: 1, upstream_refreshes_rounds: [1, 1, 1] }),
  ];
  const byName = (targets: ReturnType<typeof evaluateTargets>['targets'], name: string) => targets.find((t) => t.name === name)!;

  it('passes every target of issue 7 when each is met', () => {
    const { ratios, targets } = evaluateTargets(passing(), 2000);
    expect(ratios).toEqual({ 'session-read/bare-express': 0.5, 'session-read/stock-session': 1.667 });
    expect(targets.map((t) => t.pass)).toEqual([true, true, true, true, true]);
  });

  it('fails each target on its own', () => {
    const slow = passing().map((s) => (s.name === 'session-read' ? { ...s, rps: 3500 } : s));
    const r1 = evaluateTargets(slow, 2000).targets;
    expect(byName(r1, 'session-read/bare-express').pass).toBe(false);
    expect(byName(r1, 'session-read/stock-session').pass).toBe(false);

    const laggy = passing().map((s) => (s.name === 'session-read-c10' ? { ...s, p99_ms: 10.5 } : s));
    expect(byName(evaluateTargets(laggy, 2000).targets, 'session-read-c10 p99_ms').pass).toBe(false);

    const twice = passing().map((s) => (s.name === 'refresh-fanin' ? { ...s, upstream_refreshes: 2, upstream_refreshes_rounds: [1, 2, 1] } : s));
    expect(byName(evaluateTargets(twice, 2000).targets, 'refresh-fanin upstream_refreshes').pass).toBe(false);

    expect(byName(evaluateTargets(passing(), 3073).targets, 'redis_bytes_per_session').pass).toBe(false);
    expect(byName(evaluateTargets(passing(), 3072).targets, 'redis_bytes_per_session').pass).toBe(true);
  });

  it('fails a target whose scenario got answers other than the expected status, however fast', () => {
    const broken = passing().map((s) => (s.name === 'session-read' ? { ...s, rps: 50000, unexpected: 10 } : s));
    expect(byName(evaluateTargets(broken, 2000).targets, 'session-read/bare-express').pass).toBe(false);
  });

  it('fails what was not measured', () => {
    const { ratios, targets } = evaluateTargets([scenario('bare-express', 10000)], null);
    expect(ratios['session-read/bare-express']).toBeNull();
    expect(targets.every((t) => !t.pass && t.actual === null)).toBe(true);
  });
});

describe('buildResult', () => {
  const scenarios = SCENARIOS.map((name) => scenario(name, 1000)).reverse();
  const result = buildResult({
    node: 'v20.0.0',
    machine,
    settings,
    scenarios,
    redisBytesPerSession: 1900,
    now: new Date('2025-01-01T00:00:00Z'),
  });

  it('has the fields issue 7 fixes', () => {
    expect(result).toMatchObject({ node: 'v20.0.0', machine, redis_bytes_per_session: 1900, generated_at: '2025-01-01T00:00:00.000Z' });
    for (const s of result.scenarios) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['name', 'connections', 'rps', 'p50_ms', 'p99_ms']));
    }
    expect(Object.keys(result.ratios)).toEqual(['session-read/bare-express', 'session-read/stock-session']);
    expect(result.targets).toHaveLength(5);
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

describe('summarizeProfile', () => {
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
