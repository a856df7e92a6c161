import type autocannon from 'autocannon';
import { bffLogin, bffSession, emulatorControl, forgeCookie, stockLogin, type EmulatorControl, type SignedInCookie } from './clients.js';
import { runLoad, type LoadOptions } from './load.js';
import { SCENARIOS, type RoundSample, type ScenarioName } from './report.js';
import { cpuTimeMs, type Service } from './procs.js';
import { commandStats, commandsPerLogin } from './redis-stats.js';
import { loginRequestHeaders } from './scale.js';
import type { Redis } from 'ioredis';
import type { LoginRedisCommands } from './report.js';
import { BENCH_ENV, type Stack } from './stack.js';

export const PASSWORD = 'Bench-Passw0rd!';
const LOGIN_USERS = 20;
const TOKEN_CALL = 'POST /auth/v1/token';
/** the user of the scale measurement (thousands of sessions); nobody else signs in as it */
export const SCALE_USER = 'bench-scale';
/** what the BFF's `proxy` scenario forwards to the echo upstream; the proxy baselines send it there themselves */
const UPSTREAM_PATH = '/items/42?view=full';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A load scenario: one autocannon run per round against one process. */
export interface LoadScenario {
  name: ScenarioName;
  /** the process under test (its CPU time is priced per request) */
  server: Service;
  connections: number;
  expectedStatus: number;
  load: Omit<LoadOptions, 'connections' | 'durationS' | 'amount'>;
}

export interface Prepared {
  emu: EmulatorControl;
  reader?: SignedInCookie;
  stock?: SignedInCookie;
  loads: LoadScenario[];
}

export function user(name: string, i: number): Record<string, string> {
  return {
    username: name,
    password: PASSWORD,
    name: 'Bench User',
    email: `${name}@example.com`,
    phone_number: `+86 1380000${String(i).padStart(4, '0')}`,
    picture: `https://example.com/avatars/${name}.png`,
  };
}

/** The scenarios that load a baseline; the others load the BFF. */
export const BASELINE_SCENARIOS: readonly ScenarioName[] = ['bare-express', 'stock-session', 'echo-direct', 'bare-proxy'];
export const BFF_SCENARIOS: readonly ScenarioName[] = SCENARIOS.filter((s) => !BASELINE_SCENARIOS.includes(s));

/**
 * Seeds the emulator's users, signs in once, and checks each scenario answers what it should before timing it.
 * `bff: false` prepares the baselines only (a quick run of BENCH_SCENARIOS=bare-express,stock-session).
 */
export async function prepare(stack: Stack, opts: { bff: boolean } = { bff: true }): Promise<Prepared> {
  const emu = emulatorControl(stack.emulator.url);
  const loads: LoadScenario[] = [];
  let stock: SignedInCookie | undefined;
  if (stack.bare) {
    loads.push({ name: 'bare-express', server: stack.bare, connections: 100, expectedStatus: 200, load: { url: `${stack.bare.url}/` } });
  }
  if (stack.stock) {
    stock = await stockLogin(stack.stock.url);
    loads.push({
      name: 'stock-session',
      server: stack.stock,
      connections: 100,
      expectedStatus: 200,
      load: { url: `${stack.stock.url}/session`, headers: { cookie: stock.cookie } },
    });
  }
  if (stack.bareProxy) {
    const echoed = await fetch(`${stack.bareProxy.url}${UPSTREAM_PATH}`).then(async (r) => ({ status: r.status, body: (await r.json()) as { url?: string } }));
    if (echoed.status !== 200 || echoed.body.url !== UPSTREAM_PATH) {
      throw new Error(`the bare proxy answered ${echoed.status} ${JSON.stringify(echoed.body)}; expected the echo of ${UPSTREAM_PATH}`);
    }
    loads.push(
      { name: 'echo-direct', server: stack.echo, connections: 100, expectedStatus: 200, load: { url: `${stack.echo.url}${UPSTREAM_PATH}` } },
      { name: 'bare-proxy', server: stack.bareProxy, connections: 100, expectedStatus: 200, load: { url: `${stack.bareProxy.url}${UPSTREAM_PATH}` } },
    );
  }
  if (!opts.bff) return { emu, ...(stock ? { stock } : {}), loads };

  const names = ['bench-reader', 'bench-memory', 'bench-fanin', SCALE_USER, ...Array.from({ length: LOGIN_USERS }, (_, i) => `bench-login-${i}`)];
  await Promise.all(names.map((n, i) => emu.createUser(user(n, i))));

  const bff = stack.bff.url;
  const reader = await bffLogin(bff, 'bench-reader', PASSWORD);
  await bffSession(bff, reader.cookie);
  const forged = forgeCookie(reader);
  const proxyPath = `/api/proxy/${BENCH_ENV.proxyName}${UPSTREAM_PATH}`;

  const probe = await fetch(`${bff}${proxyPath}`, { headers: { cookie: reader.cookie } });
  const echoed = (await probe.json().catch(() => ({}))) as { bearer?: boolean; cookie?: boolean; url?: string };
  if (probe.status !== 200 || echoed.bearer !== true || echoed.cookie !== false || echoed.url !== UPSTREAM_PATH) {
    throw new Error(`the proxy probe got ${probe.status} ${JSON.stringify(echoed)}; expected 200 with a bearer token and no cookie`);
  }
  for (const [what, headers] of [['no cookie', {}], ['a forged cookie', { cookie: forged }]] as const) {
    const res = await fetch(`${bff}/api/session`, { headers });
    await res.arrayBuffer();
    if (res.status !== 401) throw new Error(`GET /api/session with ${what} answered ${res.status}, expected 401`);
  }

  let next = 0;
  const loginRequest: autocannon.Request = {
    method: 'POST',
    path: '/api/session/login',
    headers: loginRequestHeaders(),
    setupRequest: (req) => ({ ...req, body: JSON.stringify({ username: `bench-login-${next++ % LOGIN_USERS}`, password: PASSWORD }) }),
  };

  const read = { url: `${bff}/api/session`, headers: { cookie: reader.cookie } };
  loads.push(
    { name: 'session-read', server: stack.bff, connections: 100, expectedStatus: 200, load: read },
    { name: 'session-read-c10', server: stack.bff, connections: 10, expectedStatus: 200, load: read },
    { name: 'anonymous-401', server: stack.bff, connections: 100, expectedStatus: 401, load: { url: `${bff}/api/session` } },
    { name: 'forged-cookie', server: stack.bff, connections: 100, expectedStatus: 401, load: { url: `${bff}/api/session`, headers: { cookie: forged } } },
    { name: 'proxy', server: stack.bff, connections: 100, expectedStatus: 200, load: { url: `${bff}${proxyPath}`, headers: { cookie: reader.cookie } } },
    { name: 'login', server: stack.bff, connections: 10, expectedStatus: 200, load: { url: bff, requests: [loginRequest] } },
  );
  return { emu, reader, ...(stock ? { stock } : {}), loads };
}

/**
 * refresh-fanin, one round: a fresh sign-in whose access token lives 2 s, a wait until it is inside its refresh
 * window (half its lifetime: shorter than the 60 s skew), then 100 proxied calls on 100 connections at once. CloudBase must see exactly one refresh.
 */
export async function refreshFanin(stack: Stack, emu: EmulatorControl): Promise<{ sample: RoundSample; refreshes: number }> {
  await emu.setConfig({ access_token_ttl_s: 2 });
  let signed: SignedInCookie;
  try {
    signed = await bffLogin(stack.bff.url, 'bench-fanin', PASSWORD);
  } finally {
    await emu.setConfig({ access_token_ttl_s: 7200 });
  }
  await sleep(1500);
  const before = (await emu.stats())[TOKEN_CALL] ?? 0;
  const sample = await runLoad({
    url: `${stack.bff.url}/api/proxy/${BENCH_ENV.proxyName}/fanin`,
    connections: 100,
    amount: 100,
    headers: { cookie: signed.cookie },
  });
  const after = (await emu.stats())[TOKEN_CALL] ?? 0;
  return { sample, refreshes: after - before };
}

/**
 * One run of a load scenario, timed (`durationS`) or a fixed number of responses (`amount`), with the CPU time its
 * server and redis-server spent per response.
 */
export async function runScenario(s: LoadScenario, length: { durationS: number } | { amount: number }, redis: Service): Promise<RoundSample> {
  const cpu0 = cpuTimeMs(s.server.child.pid);
  const redis0 = cpuTimeMs(redis.child.pid);
  const sample = await runLoad({ ...s.load, connections: s.connections, ...length });
  const cpu1 = cpuTimeMs(s.server.child.pid);
  const redis1 = cpuTimeMs(redis.child.pid);
  const perReq = (a?: number, b?: number) => (a !== undefined && b !== undefined && sample.responses > 0 ? ((b - a) * 1000) / sample.responses : undefined);
  const server = perReq(cpu0, cpu1);
  const redisCpu = perReq(redis0, redis1);
  return {
    ...sample,
    ...(server !== undefined ? { server_cpu_us_per_req: server } : {}),
    ...(redisCpu !== undefined ? { redis_cpu_us_per_req: redisCpu } : {}),
  };
}

/** Until two INFO commandstats snapshots 100 ms apart agree (work a response left behind has landed), at most 3 s. */
async function settledStats(redis: Redis): Promise<Record<string, number>> {
  let last = await commandStats(redis);
  for (let i = 0; i < 30; i++) {
    await sleep(100);
    const next = await commandStats(redis);
    // the snapshots' own INFO calls always move: compare the rest
    const same = Object.keys({ ...last, ...next }).every((k) => k === 'info' || last[k] === next[k]);
    if (same) return next;
    last = next;
  }
  return last;
}

/**
 * Redis commands per password sign-in, counted by Redis itself: `INFO commandstats` before and after exactly `count`
 * sign-ins of the login scenario (a fixed amount, every one answered, so no request cut off at the end of a timed
 * round is half counted), once the machine's Redis is quiet. Nothing else uses this Redis meanwhile.
 */
export async function loginRedisCommands(login: LoadScenario, redis: Redis, count: number): Promise<LoginRedisCommands> {
  const before = await settledStats(redis);
  const run = await runLoad({ ...login.load, connections: login.connections, amount: count });
  const after = await settledStats(redis);
  const ok = run.statuses['200'] ?? 0;
  if (ok !== count || run.errors > 0) throw new Error(`${count} sign-ins for the Redis command count answered ${JSON.stringify(run.statuses)}, ${run.errors} errors`);
  return commandsPerLogin(before, after, ok);
}
