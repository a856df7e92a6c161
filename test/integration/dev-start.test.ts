import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGateway, projectRoot, runToExit as runBuiltToExit, startServerProcess, type ServerProcess } from '../support/server-process.js';

/**
 * `npm start` as a developer runs it (`node dist/main.js`): a `.env` file read when present (the environment winning),
 * pretty logs, and the embedded emulator's coordinates and codes printed where a person sees them.
 */
let dir: string;
let proc: ServerProcess | undefined;
let fromExample: ServerProcess | undefined;
const outputs: string[] = [];

beforeAll(() => {
  buildGateway();
  dir = mkdtempSync(join(tmpdir(), 'cbg-dev-start-'));
}, 180_000);

afterAll(async () => {
  await proc?.stop(2000);
  await fromExample?.stop(2000);
  // This file's leak guard: no process it started may print a token (it signs nobody in, so none should exist).
  const lines = [...outputs, ...(proc?.lines ?? []), ...(fromExample?.lines ?? [])].join('\n');
  expect(lines).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.eyJ/);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the built gateway until it exits; its output joins this file's leak check. */
async function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const run = await runBuiltToExit(env);
  outputs.push(run.output);
  return run;
}

describe('when an env file is given', () => {
  it('reads its variables, lets the environment win, and names a bad one', async () => {
    const file = join(dir, 'bad.env');
    writeFileSync(file, '# as copied from .env.example, then edited\nTRUST_PROXY=maybe\nSESSION_IDLE_TIMEOUT_S=5\n');
    const { code, output } = await runToExit({ ENV_FILE: file, SESSION_IDLE_TIMEOUT_S: '600' });
    expect(code).toBe(1);
    expect(output).toMatch(/TRUST_PROXY must be true, false, a hop count.*got "maybe"/);
    expect(output).not.toMatch(/SESSION_IDLE_TIMEOUT_S/);
  });

  it('starts with .env.example as copied, on a machine with no Redis', async () => {
    fromExample = await startServerProcess({ ENV_FILE: join(projectRoot, '.env.example') });
    const ready = await fetch(`${fromExample.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(fromExample.lines.join('\n')).toMatch(/REDIS_URL is not set: sessions live in this process only/);
  });

  it('refuses to start when ENV_FILE names a file that is not there, naming ENV_FILE', async () => {
    const { code, output } = await runToExit({ ENV_FILE: join(dir, 'missing.env') });
    expect(code).toBe(1);
    expect(output).toMatch(/ENV_FILE: cannot read .*missing\.env \(ENOENT\)/);
  });
});

describe('when started for development with pretty logs and the embedded emulator', () => {
  it('prints readable lines, the emulator URL with env id and client id, and marks the codes it sends', async () => {
    proc = await startServerProcess({ NODE_ENV: 'development', LOG_FORMAT: 'pretty', LOG_LEVEL: 'info', CLOUDBASE_CLIENT_ID: 'dev-client' });
    const started = proc.lines.join('\n');
    expect(started).toMatch(/INFO.*Session gateway listening/);
    for (const line of proc.lines) expect(line.trimStart().startsWith('{')).toBe(false);
    const emulatorUrl = /CloudBase Auth emulator: (http:\/\/127\.0\.0\.1:\d+) +\(env id local-emulator, client id dev-client\)/.exec(started)?.[1];
    expect(emulatorUrl).toBeDefined();

    // The emulator answers another terminal at the printed URL; the code it "sends" stands out in the output.
    const sent = await fetch(`${emulatorUrl}/auth/v1/verification`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone_number: '+86 13800138000' }),
    });
    expect(sent.status).toBe(200);
    const deadline = Date.now() + 10_000;
    while (!proc.lines.some((l) => l.includes('code ')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(proc.lines.filter((l) => l.includes('code '))).toEqual([expect.stringMatching(/^>>> \[emulator\] SMS to .*: code \d{6}$/)]);
  });
});
