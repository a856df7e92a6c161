import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { startNodeService, type Service } from '../../bench/lib/procs.js';
import { startEmulator, type EmulatorState, type RunningEmulator } from '../../src/emulator/server.js';
import { startRedisCluster, type ClusterNode, type RedisClusterHandle } from '../../test/support/redis-cluster.js';

/**
 * The chaos soak: two gateway processes on a Redis Cluster (3 masters + 3 replicas), the emulator and an echo upstream,
 * mixed traffic (session reads, pages, proxied calls, password sign-ins, SMS sign-ups, sign-outs) while faults come on
 * a schedule (a master SIGKILLed, a master paused, CloudBase failing, a gateway restarted). Everything on loopback.
 */

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const COOKIE = 'cbg.sid';
const PASSWORD = 'Soak-Passw0rd!';
const ENV = { envId: 'soak-env', clientId: 'soak-client', clientSecret: 'soak-client-secret' };
/** a request not answered within this is a hang (far beyond the gateway's own Redis and CloudBase timeouts) */
const HANG_MS = 20_000;
/** after a fault ends, failures this long afterwards still count towards its unavailability window */
const TAIL_MS = 10_000;
const NEXT_FAULT_MARGIN_MS = 3000;
const SAMPLES_PER_S = 2;

export type FaultKind = 'master-kill' | 'redis-pause' | 'cloudbase-errors' | 'instance-restart';
const SCHEDULE: FaultKind[] = ['master-kill', 'redis-pause', 'cloudbase-errors', 'instance-restart'];

export interface SoakOptions {
  seconds: number;
  /** concurrent traffic loops (default 10) */
  workers?: number;
  /** seconds between the starts of two faults (default 10) */
  faultEverySeconds?: number;
  /** allowed growth of an instance's resident memory from its start to the end, in MB (default 64) */
  memoryBoundMb?: number;
  log?: (line: string) => void;
  /**
   * Called at the end, before anything stops, with every exchange, the gateways' last log lines, the emulator's state
   * and the passwords used: the test suite's leak check. Without it no transcript is kept.
   */
  inspect?: (x: { transcript: Exchange[]; logs: string[]; emulator: EmulatorState; secrets: string[] }) => void;
}

export interface Exchange {
  method: string;
  url: string;
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

export interface FaultRecord {
  kind: FaultKind;
  at_s: number;
  duration_ms: number;
  /**
   * The longest stretch in which every request that ended failed (503 or no answer): from the start of the first
   * failed request of the stretch to the end of its last, with no success ending in between.
   */
  unavailable_ms: number;
  /**
   * from the fault's start to the end of the last failed request among those started from the fault's start to 10 s
   * after its end (or 3 s before the next fault, if sooner)
   */
  last_failure_after_ms: number;
  failed_requests: number;
  /** the failed requests by kind and status */
  failed: Record<string, number>;
}

export interface InstanceMemory {
  name: string;
  start_mb: number;
  end_mb: number;
  peak_mb: number;
  growth_mb: number;
  /** one sample every 10 s, to see a trend */
  every_10s_mb: number[];
}

export interface SoakResult {
  schema: 1;
  started_at: string;
  settings: { seconds: number; workers: number; fault_every_s: number; memory_bound_mb: number; redis_wait_replicas: number };
  requests: { total: number; by_outcome: Record<string, number> };
  /** 5xx answers other than 503 (must be 0) */
  server_errors_not_503: number;
  /** requests with no HTTP answer: hang past the bound, connection reset (by kind of request) */
  no_answer: Record<string, number>;
  sessions: { acknowledged: number; signed_out: number; checked: number; lost: number; lost_ids: string[] };
  refreshes: { upstream_calls: number; injected_failures: number; rotations: number; extra_calls: number; per_wave: number };
  faults: FaultRecord[];
  longest_unavailable_ms: Partial<Record<FaultKind, number>>;
  memory: InstanceMemory[];
  pass: boolean;
  failures: string[];
}

interface Session {
  cookie: string;
  sid: string;
}

interface Outcome {
  t0: number;
  t1: number;
  ok: boolean;
  what: string;
}

/** RSS of a process in MB, from /proc (Linux); undefined elsewhere or once it has exited. */
function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

function startEcho(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({ ok: true, bearer: /^Bearer \S+$/.test(req.headers.authorization ?? '') });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })),
  );
}

function cookieOf(res: Response): Session | undefined {
  for (const header of res.headers.getSetCookie()) {
    const pair = header.split(';', 1)[0]!;
    if (!pair.startsWith(`${COOKIE}=`)) continue;
    const value = decodeURIComponent(pair.slice(COOKIE.length + 1));
    if (!value.startsWith('s:')) return undefined;
    return { cookie: pair, sid: value.slice(2, value.lastIndexOf('.')) };
  }
  return undefined;
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const log = opts.log ?? (() => undefined);
  const workers = opts.workers ?? 10;
  const faultEveryMs = (opts.faultEverySeconds ?? 10) * 1000;
  const memoryBoundMb = opts.memoryBoundMb ?? 64;
  const durationMs = opts.seconds * 1000;
  const startedAt = new Date().toISOString();

  const cleanups: Array<() => Promise<unknown>> = [];
  const byOutcome: Record<string, number> = {};
  const noAnswer: Record<string, number> = {};
  let total = 0;
  let serverErrors = 0;
  const outcomes: Outcome[] = [];
  const faults: Array<{ kind: FaultKind; start: number; end: number }> = [];
  const memory = new Map<Service, { name: string; samples: number[] }>();
  const transcript: Exchange[] | undefined = opts.inspect ? [] : undefined;

  try {
    log('soak: starting a Redis Cluster (3 masters + 3 replicas), the emulator, an echo upstream, two gateways');
    const cluster: RedisClusterHandle = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
    cleanups.push(() => cluster.stop());
    const emulator: RunningEmulator = await startEmulator({ port: 0, log: () => undefined, ...ENV });
    cleanups.push(() => emulator.close());
    const echo = await startEcho();
    cleanups.push(() => new Promise((r) => echo.server.close(r)));

    const control = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${emulator.url}/__emulator${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${text}`);
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };
    const tokenCalls = async () => ((await control('GET', '/stats')).calls as Record<string, number>)['POST /auth/v1/token'] ?? 0;
    // Access tokens due for refresh 30 s after issue (REFRESH_SKEW_S=60): every session refreshes during the run.
    await control('PUT', '/config', { access_token_ttl_s: 90, sms_cooldown_s: 0 });

    const redisWaitReplicas = 1;
    const gatewayEnv = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SESSION_SECRET: 'soak-session-secret-0123456789abcdef-0123456789',
      CLOUDBASE_ENV_ID: ENV.envId,
      CLOUDBASE_CLIENT_ID: ENV.clientId,
      CLOUDBASE_CLIENT_SECRET: ENV.clientSecret,
      CLOUDBASE_API_ORIGIN: emulator.url,
      CLOUDBASE_TIMEOUT_MS: '3000',
      REDIS_CLUSTER_NODES: cluster.seeds.join(','),
      REDIS_WAIT_REPLICAS: String(redisWaitReplicas),
      PROXY_ROUTES: JSON.stringify({ echo: echo.url }),
      REFRESH_SKEW_S: '60',
      LIMIT_SMS_PER_IP_HOUR: '1000000',
      LIMIT_LOGIN_IP_FAILURES: '100000',
    };
    let generation = 0;
    const startGateway = async () => {
      generation += 1;
      const s = await startNodeService({ name: `gateway-${generation}`, script: 'dist/main.js', env: gatewayEnv, readyPath: '/healthz' });
      memory.set(s, { name: s.name, samples: [] });
      return s;
    };
    const instances: Service[] = [await startGateway(), await startGateway()];
    cleanups.push(() => Promise.all(instances.map((s) => s.stop())));
    /** the balancer's view: instances taking traffic */
    const live = new Set<Service>(instances);
    const inflight = new Map<Service, number>();

    async function send(kind: string, path: string, init: { method?: string; cookie?: string; json?: unknown } = {}) {
      const pool = [...live];
      const target = pool[Math.floor(Math.random() * pool.length)]!;
      inflight.set(target, (inflight.get(target) ?? 0) + 1);
      const t0 = Date.now();
      const method = init.method ?? 'GET';
      try {
        const res = await fetch(`${target.url}${path}`, {
          method,
          redirect: 'manual',
          headers: {
            ...(init.cookie ? { cookie: init.cookie } : {}),
            ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(method !== 'GET' ? { 'x-csrf': '1' } : {}),
          },
          ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
          signal: AbortSignal.timeout(HANG_MS),
        });
        const body = await res.text();
        total += 1;
        const key = `${kind} ${res.status}`;
        byOutcome[key] = (byOutcome[key] ?? 0) + 1;
        if (res.status >= 500 && res.status !== 503) serverErrors += 1;
        outcomes.push({ t0, t1: Date.now(), ok: res.status < 500, what: key });
        transcript?.push({ method, url: path, status: res.status, headers: { ...Object.fromEntries(res.headers), 'set-cookie': res.headers.getSetCookie() }, body });
        return { status: res.status, body, session: cookieOf(res) };
      } catch (e) {
        total += 1;
        const reason = (e as Error).name === 'TimeoutError' ? 'hang' : 'no-answer';
        const key = `${kind} ${reason}`;
        noAnswer[key] = (noAnswer[key] ?? 0) + 1;
        outcomes.push({ t0, t1: Date.now(), ok: false, what: key });
        return { status: 0, body: '', session: undefined };
      } finally {
        inflight.set(target, (inflight.get(target) ?? 1) - 1);
      }
    }

    // Sessions the soak holds (acknowledged sign-ins) and those it ended itself.
    const sessions: Session[] = [];
    const ended = new Set<string>();
    let acknowledged = 0;
    let seq = 0;
    let phoneSeq = 0;
    const pick = () => sessions[Math.floor(Math.random() * sessions.length)];

    async function passwordSignIn(): Promise<void> {
      seq += 1;
      const username = `soak${seq}`;
      await control('POST', '/users', { username, password: PASSWORD });
      const res = await send('sign-in', '/api/session/login', { method: 'POST', json: { username, password: PASSWORD } });
      if (res.status === 200 && res.session) {
        acknowledged += 1;
        sessions.push(res.session);
      }
    }

    async function smsSignUp(): Promise<void> {
      phoneSeq += 1;
      const phone = `137${String(phoneSeq).padStart(8, '0')}`;
      const sent = await send('sms-send', '/api/session/sms/send', { method: 'POST', json: { phone_number: phone, purpose: 'signup' } });
      if (sent.status !== 200 || !sent.session) return;
      const code = String((await control('GET', `/sms?phone_number=${encodeURIComponent(`+86 ${phone}`)}`)).verification_code);
      const verified = await send('sms-verify', '/api/session/sms/verify', { method: 'POST', cookie: sent.session.cookie, json: { verification_code: code } });
      if (verified.status !== 200) return;
      const done = await send('sms-signup', '/api/session/signup', { method: 'POST', cookie: sent.session.cookie, json: {} });
      const session = done.session ?? sent.session;
      if (done.status === 200) {
        acknowledged += 1;
        sessions.push(session);
      }
    }

    async function signOut(): Promise<void> {
      if (sessions.length < 20) return;
      const s = sessions.splice(Math.floor(Math.random() * sessions.length), 1)[0]!;
      ended.add(s.sid);
      await send('sign-out', '/api/session', { method: 'DELETE', cookie: s.cookie });
    }

    async function step(): Promise<void> {
      const r = Math.random();
      const s = pick();
      if (!s || r < 0.08) return passwordSignIn();
      if (r < 0.11) return smsSignUp();
      if (r < 0.14) return signOut();
      if (r < 0.34) return void (await send('proxy', '/api/proxy/echo/ping', { cookie: s.cookie }));
      if (r < 0.42) {
        const page = await send('page', '/account', { cookie: s.cookie });
        if (page.status === 303 && !ended.has(s.sid)) byOutcome['page signed-out'] = (byOutcome['page signed-out'] ?? 0) + 1;
        return;
      }
      const res = await send('read', '/api/session', { cookie: s.cookie });
      // A session the soak holds answered as signed out while nothing ended it: counted, and checked again at the end.
      if (res.status === 401 && !ended.has(s.sid)) byOutcome['read signed-out'] = (byOutcome['read signed-out'] ?? 0) + 1;
    }

    log('soak: signing in 30 users');
    for (let i = 0; i < 30; i++) await passwordSignIn();
    if (sessions.length < 30) throw new Error(`only ${sessions.length} of 30 sign-ins succeeded before any fault`);

    // Refresh rotations: sampled, since a sign-out deletes its session's refresh tokens.
    const rotated = new Set<string>();
    const sampleRotations = () => {
      for (const [token, r] of emulator.state.refreshTokens) if (r.used) rotated.add(token);
    };
    const sampler = setInterval(() => {
      sampleRotations();
      for (const [s, m] of memory) {
        const mb = rssMb(s.child.pid);
        if (mb !== undefined && s.child.exitCode === null) m.samples.push(mb);
      }
    }, 1000 / SAMPLES_PER_S);
    cleanups.push(async () => clearInterval(sampler));

    const t0 = Date.now();
    const callsAtStart = await tokenCalls();
    let injected = 0;
    let stopping = false;
    const traffic = Promise.all(
      Array.from({ length: workers }, async () => {
        while (!stopping) {
          try {
            await step();
          } catch (e) {
            // the soak's own bookkeeping (emulator control calls), not the gateway: counted and reported
            const key = `soak-error ${(e as Error).message.slice(0, 60)}`;
            noAnswer[key] = (noAnswer[key] ?? 0) + 1;
          }
        }
      }),
    );

    const faultAt = (kind: FaultKind, start: number) => {
      faults.push({ kind, start, end: Date.now() });
      log(`soak: ${kind} at ${((start - t0) / 1000).toFixed(1)} s, over after ${Date.now() - start} ms`);
    };

    const inject: Record<FaultKind, () => Promise<void>> = {
      async 'master-kill'() {
        const s = pick()!;
        const start = Date.now();
        const victim: ClusterNode = await cluster.killMasterOf(`cbg:s:{${s.sid}}`);
        await cluster.waitFailover(victim);
        faultAt('master-kill', start);
        // The killed node comes back as the promoted master's replica (outside the fault's window).
        await cluster.heal(victim);
      },
      async 'redis-pause'() {
        const s = pick()!;
        const node = await cluster.masterOf(`cbg:s:{${s.sid}}`);
        const start = Date.now();
        await run('redis-cli', ['-p', String(node.port), 'client', 'pause', '2500', 'all']);
        await sleep(2500);
        faultAt('redis-pause', start);
      },
      async 'cloudbase-errors'() {
        const before = await tokenCalls();
        const start = Date.now();
        await control('PUT', '/config', {
          fail: { 'POST /auth/v1/token': 'unavailable', 'POST /auth/v1/signin': 'unavailable', 'GET /auth/v1/user/me': 'unavailable' },
        });
        await sleep(3000);
        await control('PUT', '/config', { fail: {} });
        injected += (await tokenCalls()) - before;
        faultAt('cloudbase-errors', start);
      },
      async 'instance-restart'() {
        const old = instances[0]!;
        const start = Date.now();
        // As a load balancer does: no new requests to it, in-flight ones finish, then SIGTERM and a fresh process.
        live.delete(old);
        for (let i = 0; i < 200 && (inflight.get(old) ?? 0) > 0; i++) await sleep(25);
        await old.stop(10_000);
        const fresh = await startGateway();
        instances[0] = fresh;
        live.add(fresh);
        faultAt('instance-restart', start);
      },
    };

    let n = 0;
    await sleep(Math.min(5000, durationMs / 6));
    while (Date.now() - t0 + faultEveryMs <= durationMs) {
      const next = t0 + Math.min(5000, durationMs / 6) + n * faultEveryMs;
      if (Date.now() < next) await sleep(next - Date.now());
      await inject[SCHEDULE[n % SCHEDULE.length]!]();
      n += 1;
    }
    const remaining = t0 + durationMs - Date.now();
    if (remaining > 0) await sleep(remaining);
    stopping = true;
    await traffic;
    sampleRotations();
    const calls = (await tokenCalls()) - callsAtStart;

    // Every session the soak still holds must still be signed in: polled while a 503 says "try again".
    log(`soak: checking ${sessions.length} sessions`);
    const lostIds: string[] = [];
    for (const s of sessions) {
      let status = 0;
      for (let i = 0; i < 40; i++) {
        status = (await send('check', '/api/session', { cookie: s.cookie })).status;
        if (status !== 503 && status !== 0) break;
        await sleep(250);
      }
      if (status !== 200) lostIds.push(s.sid);
    }

    opts.inspect?.({
      transcript: transcript!,
      logs: [...memory.keys()].flatMap((s) => s.lines),
      emulator: emulator.state,
      secrets: [PASSWORD],
    });

    const faultRecords: FaultRecord[] = faults.map((f, i) => {
      // Not so close to the next fault that a request it slowed down (up to the 1.5 s command bound, plus a retry)
      // is counted here.
      const until = Math.min(f.end + TAIL_MS, (faults[i + 1]?.start ?? Infinity) - NEXT_FAULT_MARGIN_MS);
      const mine = outcomes.filter((x) => x.t0 >= f.start && x.t0 <= until).sort((a, b) => a.t1 - b.t1);
      const failed = mine.filter((x) => !x.ok);
      let longest = 0;
      let runStart: number | undefined;
      for (const x of mine) {
        if (x.ok) runStart = undefined;
        else {
          runStart = Math.min(runStart ?? x.t0, x.t0);
          longest = Math.max(longest, x.t1 - runStart);
        }
      }
      const byWhat: Record<string, number> = {};
      for (const x of failed) byWhat[x.what] = (byWhat[x.what] ?? 0) + 1;
      return {
        kind: f.kind,
        at_s: Math.round((f.start - t0) / 100) / 10,
        duration_ms: f.end - f.start,
        unavailable_ms: longest,
        last_failure_after_ms: failed.length > 0 ? Math.max(...failed.map((x) => x.t1)) - f.start : 0,
        failed_requests: failed.length,
        failed: byWhat,
      };
    });
    const longest: Partial<Record<FaultKind, number>> = {};
    for (const f of faultRecords) longest[f.kind] = Math.max(longest[f.kind] ?? 0, f.unavailable_ms);

    // Resident memory swings by tens of MB with V8's collections, so single samples are compared through medians:
    // of the samples from 10 s to 30 s into the instance's traffic (loading, JIT and first connections are not
    // growth) and of its last 20 s.
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    const mem: InstanceMemory[] = [...memory.values()]
      .filter((m) => m.samples.length > 0)
      .map((m) => {
        const early = m.samples.slice(20, 60);
        const start = median(early.length > 0 ? early : m.samples);
        const end = median(m.samples.slice(-SAMPLES_PER_S * 20));
        return {
          name: m.name,
          start_mb: start,
          end_mb: end,
          peak_mb: Math.max(...m.samples),
          growth_mb: Math.round((end - start) * 10) / 10,
          every_10s_mb: m.samples.filter((_, i) => i % (SAMPLES_PER_S * 10) === 0),
        };
      });

    const checks: string[] = [];
    if (serverErrors > 0) checks.push(`${serverErrors} answers were 5xx other than 503`);
    if (lostIds.length > 0) checks.push(`${lostIds.length} acknowledged sessions were lost`);
    const hangs = Object.entries(noAnswer).filter(([k]) => k.endsWith(' hang'));
    if (hangs.length > 0) checks.push(`requests hung past ${HANG_MS} ms: ${JSON.stringify(Object.fromEntries(hangs))}`);
    for (const m of mem) if (m.growth_mb > memoryBoundMb) checks.push(`${m.name} grew by ${m.growth_mb} MB (bound ${memoryBoundMb} MB)`);
    if (faults.length === 0) checks.push('the run was too short for any fault');

    const rotations = rotated.size;
    const upstream = calls - injected;
    return {
      schema: 1,
      started_at: startedAt,
      settings: { seconds: opts.seconds, workers, fault_every_s: faultEveryMs / 1000, memory_bound_mb: memoryBoundMb, redis_wait_replicas: redisWaitReplicas },
      requests: { total, by_outcome: Object.fromEntries(Object.entries(byOutcome).sort(([a], [b]) => a.localeCompare(b))) },
      server_errors_not_503: serverErrors,
      no_answer: noAnswer,
      sessions: { acknowledged, signed_out: ended.size, checked: sessions.length, lost: lostIds.length, lost_ids: lostIds },
      refreshes: {
        upstream_calls: calls,
        injected_failures: injected,
        rotations,
        extra_calls: Math.max(0, upstream - rotations),
        per_wave: rotations > 0 ? Math.round((upstream / rotations) * 100) / 100 : 0,
      },
      faults: faultRecords,
      longest_unavailable_ms: longest,
      memory: mem,
      pass: checks.length === 0,
      failures: checks,
    };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

/** The result as a plain-text table, for the terminal and the README. */
export function formatSoakTable(r: SoakResult): string {
  const rows: Array<[string, string]> = [
    ['duration', `${r.settings.seconds} s, ${r.settings.workers} loops, a fault every ${r.settings.fault_every_s} s`],
    ['requests', String(r.requests.total)],
    ...Object.entries(r.requests.by_outcome).map(([k, v]): [string, string] => [`  ${k}`, String(v)]),
    ...Object.entries(r.no_answer).map(([k, v]): [string, string] => [`  ${k}`, String(v)]),
    ['5xx other than 503', String(r.server_errors_not_503)],
    ['sessions acknowledged / signed out / checked', `${r.sessions.acknowledged} / ${r.sessions.signed_out} / ${r.sessions.checked}`],
    ['sessions lost', String(r.sessions.lost)],
    ['refresh rotations (waves)', String(r.refreshes.rotations)],
    ['upstream refresh calls (injected failures)', `${r.refreshes.upstream_calls} (${r.refreshes.injected_failures})`],
    ['refresh calls per wave (calls beyond one per wave)', `${r.refreshes.per_wave} (${r.refreshes.extra_calls})`],
    ...Object.entries(r.longest_unavailable_ms).map(([k, v]): [string, string] => [
      `longest unavailability: ${k}`,
      `${v} ms (last failure ${Math.max(...r.faults.filter((f) => f.kind === k).map((f) => f.last_failure_after_ms))} ms after the start; ` +
        `${r.faults.filter((f) => f.kind === k).length} fault(s))`,
    ]),
    ...r.memory.map((m): [string, string] => [`memory ${m.name} (median RSS)`, `${m.start_mb} MB -> ${m.end_mb} MB (peak ${m.peak_mb} MB)`]),
    ['result', r.pass ? 'PASS' : `FAIL: ${r.failures.join('; ')}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
