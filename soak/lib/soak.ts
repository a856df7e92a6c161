import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startNodeService, type Service } from '../../bench/lib/procs.js';
import { startEmulator, type EmulatorState, type RunningEmulator } from '../../src/emulator/server.js';
import { startRedisCluster, type ClusterNode, type RedisClusterHandle } from '../../test/support/redis-cluster.js';
import { Balancer, HANG_MS, startEcho, type Exchange, type Session } from './balancer.js';
import { rssMb, SAMPLES_PER_S, summarizeFaults, summarizeMemory, type FaultKind, type FaultWindow, type SoakResult } from './report.js';

export { formatSoakTable, type SoakResult } from './report.js';
export type { Exchange } from './balancer.js';

/**
 * The chaos soak: two gateway processes on a Redis Cluster (3 masters + 3 replicas), the emulator and an echo upstream,
 * mixed traffic (session reads, pages, proxied calls, password sign-ins, SMS sign-ups, sign-outs) while faults come on
 * a schedule (a master SIGKILLed, a master paused, CloudBase failing, a gateway restarted). Everything on loopback.
 */

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PASSWORD = 'Soak-Passw0rd!';
const ENV = { envId: 'soak-env', clientId: 'soak-client', clientSecret: 'soak-client-secret' };

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



export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const log = opts.log ?? (() => undefined);
  const workers = opts.workers ?? 10;
  const faultEveryMs = (opts.faultEverySeconds ?? 10) * 1000;
  const memoryBoundMb = opts.memoryBoundMb ?? 64;
  const durationMs = opts.seconds * 1000;
  const startedAt = new Date().toISOString();

  const cleanups: Array<() => Promise<unknown>> = [];
  const faults: FaultWindow[] = [];
  const memory = new Map<Service, { name: string; samples: number[] }>();
  const transcript: Exchange[] | undefined = opts.inspect ? [] : undefined;
  const balancer = new Balancer(transcript);

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
      // two instances (and any other gateway on the machine) must not meet on the default metrics port
      METRICS_PORT: '0',
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
    for (const s of instances) balancer.live.add(s);
    const send = balancer.send.bind(balancer);

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
        if (page.status === 303 && !ended.has(s.sid)) balancer.count('page signed-out');
        return;
      }
      const res = await send('read', '/api/session', { cookie: s.cookie });
      // A session the soak holds answered as signed out while nothing ended it: counted, and checked again at the end.
      if (res.status === 401 && !ended.has(s.sid)) balancer.count('read signed-out');
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
            balancer.noAnswer(`soak-error ${(e as Error).message.slice(0, 60)}`);
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
        await balancer.drain(old);
        await old.stop(10_000);
        const fresh = await startGateway();
        instances[0] = fresh;
        balancer.live.add(fresh);
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

    const faultRecords = summarizeFaults(faults, balancer.outcomes, t0);
    const longest: Partial<Record<FaultKind, number>> = {};
    for (const f of faultRecords) longest[f.kind] = Math.max(longest[f.kind] ?? 0, f.unavailable_ms);

    const mem = summarizeMemory([...memory.values()]);

    const checks: string[] = [];
    if (balancer.serverErrors > 0) checks.push(`${balancer.serverErrors} answers were 5xx other than 503`);
    if (lostIds.length > 0) checks.push(`${lostIds.length} acknowledged sessions were lost`);
    const hangs = Object.entries(balancer.noAnswers).filter(([k]) => k.endsWith(' hang'));
    if (hangs.length > 0) checks.push(`requests hung past ${HANG_MS} ms: ${JSON.stringify(Object.fromEntries(hangs))}`);
    for (const m of mem) if (m.growth_mb > memoryBoundMb) checks.push(`${m.name} grew by ${m.growth_mb} MB (bound ${memoryBoundMb} MB)`);
    if (faults.length === 0) checks.push('the run was too short for any fault');

    const rotations = rotated.size;
    const upstream = calls - injected;
    return {
      schema: 1,
      started_at: startedAt,
      settings: { seconds: opts.seconds, workers, fault_every_s: faultEveryMs / 1000, memory_bound_mb: memoryBoundMb, redis_wait_replicas: redisWaitReplicas },
      requests: { total: balancer.total, by_outcome: Object.fromEntries(Object.entries(balancer.byOutcome).sort(([a], [b]) => a.localeCompare(b))) },
      server_errors_not_503: balancer.serverErrors,
      no_answer: balancer.noAnswers,
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

