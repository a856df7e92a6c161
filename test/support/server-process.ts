import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { freePort } from './redis-server.js';
import { startFlags } from './start-flags.js';

/** The project root (where package.json and dist/ live). */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

let built = false;

/**
 * Makes sure dist/ holds the working tree's code. Under jest the global setup (test/support/global-setup.js) built it
 * once for the whole run; elsewhere this compiles src/ with tsconfig.build.json, once per process. Throws with the
 * compiler's output when the build fails.
 */
export function buildGateway(): void {
  if (built) return;
  if (process.env.CBG_DIST_BUILT === '1' && existsSync(join(projectRoot, 'dist', 'main.js'))) {
    built = true;
    return;
  }
  const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: projectRoot, stdio: 'pipe', timeout: 180_000 });
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(`Building the gateway (tsc -p tsconfig.build.json) failed:\n${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}${err.message}`);
  }
  if (!existsSync(join(projectRoot, 'dist', 'main.js'))) throw new Error('the build did not produce dist/main.js');
  built = true;
}

export interface ServerProcess {
  url: string;
  port: number;
  /** the metrics listener's `/metrics` (its own loopback port, METRICS_PORT) */
  metricsUrl: string;
  process: ChildProcess;
  /** Every line the process wrote, stdout and stderr interleaved in arrival order. */
  lines: string[];
  /** SIGTERM, then waits for the exit (SIGKILL after graceMs); resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the built gateway as a real process, as `npm start` does (`node <its flags> dist/main.js`; `nodeFlags` replaces
 * the flags), on a free loopback port with exactly the given environment (plus PATH and HOME: nothing else leaks in
 * from the shell running the tests, such as a developer's CLOUDBASE_ENV_ID), and waits until GET /healthz answers 200.
 */
export async function startServerProcess(env: Record<string, string>, opts: { timeoutMs?: number; nodeFlags?: string[] } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const metricsPort = env.METRICS_PORT ?? String(await freePort());
  const child = spawn(process.execPath, [...(opts.nodeFlags ?? startFlags()), 'dist/main.js'], {
    cwd: projectRoot,
    // ENV_FILE empty: a developer's .env in the project root stays out of the process under test.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ENV_FILE: '', HOST: '127.0.0.1', METRICS_PORT: metricsPort, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.length > 0));
    });
    stream.on('end', () => {
      if (partial) lines.push(partial);
      partial = '';
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((x) => (exitInfo = x));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));

  const url = `http://127.0.0.1:${port}`;
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    }
    return exited;
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (spawnError || exitInfo) {
      await stop();
      throw new Error(
        `the gateway process ended before answering /healthz (${spawnError?.message ?? `exit ${exitInfo?.code ?? exitInfo?.signal}`}):\n${lines.join('\n')}`,
      );
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the gateway did not answer GET /healthz within ${opts.timeoutMs ?? 20_000} ms:\n${lines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, port, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, process: child, lines, stop };
}

/**
 * Runs `node dist/main.js` until it exits (bounded at 20 s, then killed and failed), with exactly this environment plus
 * PATH, HOME, HOST and a free PORT: for start-ups that must refuse, or that print and stop.
 */
export async function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string; port: number }> {
  const port = await freePort();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...startFlags(), 'dist/main.js'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the gateway did not exit:\n${output}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, port });
    });
  });
}
