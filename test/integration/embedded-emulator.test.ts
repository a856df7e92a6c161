import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logger.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { findLeaks } from '../support/leak-guard.js';

/**
 * The embedded emulator as `npm start` wires it without CLOUDBASE_ENV_ID: EMULATOR_PROVIDERS reaches it through the
 * config and the composition root, and a bad value stops the start with an error naming the variable.
 */
const logs: string[] = [];
const transcript: { method: string; url: string; status: number; headers: Record<string, unknown>; body: string }[] = [];
const gateways: Gateway[] = [];

const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    logs.push(chunk.toString('utf8'));
    cb();
  },
});

function start(env: Record<string, string>): Promise<Gateway> {
  const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'debug', ...env });
  return startGateway(config, createLogger(config.logLevel, sink), (line) => logs.push(line)).then((g) => (gateways.push(g), g));
}

async function providersOf(gateway: Gateway): Promise<unknown> {
  const url = `${gateway.emulator!.url}/__emulator/providers`;
  const res = await fetch(url);
  const body = await res.text();
  transcript.push({ method: 'GET', url, status: res.status, headers: Object.fromEntries(res.headers), body });
  expect(res.status).toBe(200);
  return (JSON.parse(body) as { providers: unknown }).providers;
}

afterAll(async () => {
  const leaks = gateways.flatMap((g) => findLeaks({ transcript, logs, emulator: g.emulator!.state, secrets: [] }));
  for (const g of gateways) await g.close(1000);
  if (leaks.length > 0) throw new Error(`Secrets leaked:\n${leaks.join('\n')}`);
});

describe('EMULATOR_PROVIDERS with the embedded emulator', () => {
  it('gives the embedded emulator exactly the providers it lists', async () => {
    const gateway = await start({ EMULATOR_PROVIDERS: 'gitlab:GitLab:manual, wx_open ,okta::auto' });
    expect(gateway.emulator).toBeDefined();
    expect(await providersOf(gateway)).toEqual([
      { id: 'gitlab', name: 'GitLab', auto_sign_up: false },
      { id: 'wx_open', name: expect.any(String), auto_sign_up: true },
      { id: 'okta', name: 'okta', auto_sign_up: true },
    ]);
  });

  it('gives it none when the variable is empty, and the defaults when it is unset', async () => {
    expect(await providersOf(await start({ EMULATOR_PROVIDERS: '' }))).toEqual([]);
    const ids = ((await providersOf(await start({}))) as { id: string }[]).map((p) => p.id);
    expect(ids).toEqual(['wx_open', 'github', 'google']);
  });

  it('refuses to start on a malformed value, naming the variable and the entry', async () => {
    await expect(start({ EMULATOR_PROVIDERS: 'github,Bad Id!' })).rejects.toThrow(/^EMULATOR_PROVIDERS: "Bad Id!"/);
    await expect(start({ EMULATOR_PROVIDERS: 'github,github' })).rejects.toThrow(/^EMULATOR_PROVIDERS: provider "github" is listed twice/);
  });

  it('warns that it is ignored in front of a real CloudBase environment', () => {
    const config = loadConfig({ NODE_ENV: 'test', CLOUDBASE_ENV_ID: 'some-env', EMULATOR_PROVIDERS: 'github' });
    expect(config.warnings).toContainEqual(expect.stringMatching(/^EMULATOR_PROVIDERS is ignored while CLOUDBASE_ENV_ID is set/));
    expect(loadConfig({ NODE_ENV: 'test', CLOUDBASE_ENV_ID: 'some-env' }).warnings.join('\n')).not.toMatch(/EMULATOR_PROVIDERS/);
  });
});
