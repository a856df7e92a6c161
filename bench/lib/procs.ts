import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startRedis as startRedisServer } from '../../test/support/redis-server.js';
import { startFlags } from '../../test/support/start-flags.js';

export { freePort };

/** The project root: the nearest folder with a package.json above this file (bench/lib/ or dist-bench/bench/lib/). */
export const projectRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return `${dir}/`;
})();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every process the suite started, so a crash or Ctrl-C never leaves one behind. */
const children = new Set<ChildProcess>();
let cleanupInstalled = false;
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of children) child.kill('SIGKILL');
      process.exit(130);
    });
  }
}

export interface Service {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** the last lines the process wrote (stdout and stderr), for error messages */
  lines: string[];
  /** SIGTERM (SIGKILL after graceMs) and waits for the exit. */
  stop(graceMs?: number): Promise<void>;
}

function track(child: ChildProcess, lines: string[]): void {
  installCleanup();
  children.add(child);
  child.once('exit', () => children.delete(child));
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) lines.push(line);
      if (lines.length > 200) lines.splice(0, lines.length - 200);
    });
  }
}

function stopper(child: ChildProcess): (graceMs?: number) => Promise<void> {
  return (graceMs = 5000) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/** A throwaway redis-server on a free loopback port (the test suite's helper), tracked like the other processes. */
export async function startRedis(): Promise<Service> {
  const redis = await startRedisServer();
  const lines: string[] = [];
  track(redis.process, lines);
  return { name: 'redis', url: redis.url, port: redis.port, child: redis.process, lines, stop: () => redis.stop() };
}

export interface NodeServiceOptions {
  name: string;
  /** script path relative to the project root, e.g. dist/main.js */
  script: string;
  env: Record<string, string>;
  /** path polled until it answers with a status below 500 */
  readyPath: string;
  nodeArgs?: string[];
  /** the variable the script reads its port from (default PORT) */
  portVariable?: string;
  timeoutMs?: number;
}

/**
 * `node <script>` on a free loopback port (PORT or portVariable, plus HOST=127.0.0.1) with exactly the given environment plus PATH and
 * HOME, so nothing from the shell running the bench leaks in; resolves once readyPath answers. Every Node process of the
 * bench, the gateway and the baselines alike, runs with the node flags of `npm start` (package.json), so the gateway is
 * measured as operators run it and no baseline on a runtime set up otherwise.
 */
export async function startNodeService(opts: NodeServiceOptions): Promise<Service> {
  const port = await freePort();
  const lines: string[] = [];
  const child = spawn(process.execPath, [...startFlags(projectRoot), ...(opts.nodeArgs ?? []), opts.script], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      ENV_FILE: '', // a developer's .env stays out of what is measured
      HOST: '127.0.0.1',
      [opts.portVariable ?? 'PORT']: String(port),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child, lines);
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const stop = stopper(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${opts.name} (${opts.script}) ended before it was ready (${spawnError?.message ?? `exit ${child.exitCode ?? child.signalCode}`}):\n${lines.join('\n')}`);
    }
    try {
      const res = await fetch(`${url}${opts.readyPath}`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${opts.name} did not answer ${opts.readyPath} within ${opts.timeoutMs ?? 20_000} ms:\n${lines.join('\n')}`);
    }
    await sleep(50);
  }
  return { name: opts.name, url, port, child, lines, stop };
}

/** Fails loudly when a service died during the run: numbers measured against a dead process are meaningless. */
export function assertAlive(...services: Service[]): void {
  for (const s of services) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) {
      throw new Error(`${s.name} exited during the run (${s.child.exitCode ?? s.child.signalCode}):\n${s.lines.slice(-30).join('\n')}`);
    }
  }
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere. Divided by the
 * requests served, it prices a request in a way that other load on the machine barely disturbs, unlike rps.
 */
export function cpuTimeMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux build that matters (getconf CLK_TCK). */
const CLOCK_TICKS = 100;
