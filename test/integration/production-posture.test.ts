import { randomBytes } from 'node:crypto';
import { buildGateway, runToExit as runBuiltToExit, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';

/**
 * The built server as operators run it (`node dist/main.js`, NODE_ENV=production): a weak posture stops start-up
 * before anything listens, naming each variable; a sound one serves no metrics on its public port.
 */
let redisServer: RedisServer;
let emulator: RunningEmulator;
let proc: ServerProcess | undefined;
/** What no line the processes wrote may hold (this file's leak guard: it has no in-process gateway to record). */
const secrets = new Set(['posture-secret']);
const outputs: string[] = [];

beforeAll(async () => {
  buildGateway();
  redisServer = await startRedis();
  emulator = await startTestEmulator({ clientId: 'posture-client', clientSecret: 'posture-secret' });
}, 180_000);

afterAll(async () => {
  await proc?.stop(2000);
  const lines = [...outputs, ...(proc?.lines ?? [])].join('\n');
  for (const secret of secrets) expect(lines).not.toContain(secret);
  await emulator.close();
  await redisServer.stop();
});

const production = () => ({
  NODE_ENV: 'production',
  // the token-sealing keys production requires once tokens are encrypted at rest (ignored where they are not)
  TOKEN_ENCRYPTION_KEYS: `posture:${randomBytes(32).toString('base64')}`,
  REDIS_URL: redisServer.url,
  CLOUDBASE_ENV_ID: 'posture-env',
  CLOUDBASE_CLIENT_ID: 'posture-client',
  CLOUDBASE_CLIENT_SECRET: 'posture-secret',
  CLOUDBASE_API_ORIGIN: emulator.url,
  LOG_LEVEL: 'info',
});

/** Runs the built gateway until it exits, with no env file; its output joins this file's leak check. */
async function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string; port: number }> {
  const run = await runBuiltToExit({ ENV_FILE: '', ...env });
  outputs.push(run.output);
  return run;
}

describe('when production is started with a weak posture', () => {
  it.each([
    ['the placeholder docker-compose.yml used to ship', 'change-me-to-a-long-random-string-of-32-chars-or-more'],
    ['a repeated letter', 'z'.repeat(48)],
    ['a sample value', 'example-example-example-example-1234'],
  ])('refuses %s as SESSION_SECRET, plain-http CloudBase and an http PUBLIC_ORIGIN, naming each, before listening', async (_what, secret) => {
    secrets.add(secret);
    const { code, output, port } = await runToExit({ ...production(), SESSION_SECRET: secret, PUBLIC_ORIGIN: 'http://app.example.test' });
    expect(code).toBe(1);
    expect(output).toMatch(/SESSION_SECRET: secret 1 of 1/);
    expect(output).toMatch(/CLOUDBASE_API_ORIGIN must be https/);
    expect(output).toMatch(/PUBLIC_ORIGIN must be the https origin/);
    expect(output).not.toContain(secret);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
  });
});

describe('when production is started soundly (CloudBase on a private network: CLOUDBASE_ALLOW_HTTP=true)', () => {
  it('starts, warns about the plain-http CloudBase, and keeps /metrics off the public port', async () => {
    const sessionSecret = randomBytes(32).toString('base64url');
    secrets.add(sessionSecret);
    proc = await startServerProcess({
      ...production(),
      SESSION_SECRET: sessionSecret,
      PUBLIC_ORIGIN: 'https://app.example.test',
      CLOUDBASE_ALLOW_HTTP: 'true',
    });
    expect(proc.lines.join('\n')).toMatch(/CLOUDBASE_API_ORIGIN is plain http/);
    expect(proc.lines.join('\n')).not.toMatch(/min-semi-space-size|allocation-site-pretenuring/);
    expect(proc.lines.join('\n')).toContain(`Metrics at ${proc.metricsUrl}`);
    const pub = await fetch(`${proc.url}/metrics`);
    expect(pub.status).toBe(404);
    expect(pub.headers.get('permissions-policy')).toContain('camera=()');
    const scraped = await fetch(proc.metricsUrl);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('http_requests_total');
  });
});

describe('when production is started without the start script\'s node flags', () => {
  it('says how to start it with the young-object handling it is tuned for', async () => {
    const sessionSecret = randomBytes(32).toString('base64url');
    secrets.add(sessionSecret);
    const bare = await startServerProcess(
      { ...production(), SESSION_SECRET: sessionSecret, PUBLIC_ORIGIN: 'https://app.example.test', CLOUDBASE_ALLOW_HTTP: 'true' },
      { nodeFlags: [] },
    );
    try {
      const warning = bare.lines
        .map((l) => JSON.parse(l) as { level?: number; msg?: string; minSemiSpaceMiB?: number; pretenuringOff?: boolean })
        .find((l) => /min-semi-space-size/.test(l.msg ?? ''));
      expect(warning).toMatchObject({ level: 40, minSemiSpaceMiB: 0, pretenuringOff: false });
      expect(warning?.msg).toContain('node --min-semi-space-size=8 --no-allocation-site-pretenuring dist/main.js');
      expect((await fetch(`${bare.url}/healthz`)).status).toBe(200);
    } finally {
      outputs.push(bare.lines.join('\n'));
      await bare.stop(2000);
    }
  });
});
