import { Writable } from 'node:stream';
import supertest from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logger.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { emulatorControl, type EmulatorControl } from '../support/gateway.js';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';
import { findLeaks } from '../support/leak-guard.js';
import { waitFor } from '../support/sessions.js';
import { COOKIES } from '../../src/config/cookies.js';
import { en, zhCN } from '../../src/i18n/messages.js';

/**
 * The development set-up as `npm start` wires it without REDIS_URL (the in-process store), over real HTTP: a slow
 * request that ends after the sign-out must not bring the session back, as with Redis.
 */
let emulator: RunningEmulator;
let emu: EmulatorControl;
let gateway: Gateway;
const logs: string[] = [];
const transcript: { method: string; url: string; status: number; headers: Record<string, unknown>; body: string }[] = [];
const PASSWORD = 'Passw0rd!dev-store';

beforeAll(async () => {
  emulator = await startTestEmulator({ clientId: 'test-client', clientSecret: 'test-secret' });
  emu = emulatorControl(emulator.url);
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    METRICS_PORT: '0',
    SESSION_SECRET: 'dev-store-session-secret-0123456789',
    CLOUDBASE_ENV_ID: 'test-env',
    CLOUDBASE_CLIENT_ID: 'test-client',
    CLOUDBASE_CLIENT_SECRET: 'test-secret',
    CLOUDBASE_API_ORIGIN: emulator.url,
    LOG_LEVEL: 'debug',
    // any free port: the default 9464 may be taken by another gateway on the machine
  });
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  gateway = await startGateway(config, createLogger(config.logLevel, sink));
  expect(gateway.redis).toBeUndefined();
  await emu.createUser({ username: 'dev-user', password: PASSWORD });
});

afterAll(async () => {
  const leaks = findLeaks({ transcript, logs, emulator: emulator.state, secrets: [PASSWORD] });
  await gateway.close(1000);
  await emulator.close();
  if (leaks.length > 0) throw new Error(`Secrets leaked:\n${leaks.join('\n')}`);
});

/** Keeps what the gateway answered, for the leak guard. */
async function recorded(req: supertest.Test): Promise<supertest.Response> {
  const res = await req;
  transcript.push({ method: req.method, url: req.url, status: res.status, headers: res.headers, body: res.text ?? '' });
  return res;
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

async function signIn(agent: TestAgent): Promise<string> {
  const page = await recorded(agent.get('/login'));
  const res = await recorded(agent.post('/login').type('form').send({ _csrf: csrfOf(page.text), username: 'dev-user', password: PASSWORD }));
  expect(res.status).toBe(303);
  const cookies = res.headers['set-cookie'] as unknown as string[];
  return cookies.find((c) => c.startsWith(`${COOKIES.session}=`))!.split(';')[0]!;
}

it('a slow request that ends after the sign-out does not sign the person back in', async () => {
  const agent = supertest.agent(gateway.url);
  const cookie = await signIn(agent);
  const sends = async () => (await emu.stats())['POST /auth/v1/verification'] ?? 0;
  const before = await sends();

  // One tab asks for an SMS code to a new number (the request changes the session when CloudBase answers, slowly)...
  await emu.setConfig({ latency_ms: 800 });
  const page = await recorded(agent.get('/account/contact'));
  const slow = recorded(agent.post('/account/contact/code').type('form').send({ _csrf: csrfOf(page.text), phone_number: '13900000077' }));
  await waitFor('the code request to reach CloudBase', async () => (await sends()) > before);
  await emu.setConfig({ latency_ms: 0 });

  // ...while another tab of the same browser signs out.
  const other = supertest.agent(gateway.url);
  const confirm = await recorded(other.get('/logout').set('Cookie', cookie));
  const out = await recorded(other.post('/logout').set('Cookie', cookie).type('form').send({ _csrf: csrfOf(confirm.text) }));
  expect(out.status).toBe(303);

  expect((await slow).status).toBe(303);
  const after = await recorded(supertest(gateway.url).get('/api/session').set('Cookie', cookie));
  expect(after.status).toBe(401);
  expect(logs.some((l) => l.includes('session write dropped') && l.includes('"outcome":"destroyed"'))).toBe(true);
});

it('the sessions page says it lists only this device, in both languages', async () => {
  const here = supertest.agent(gateway.url);
  await signIn(here);
  await signIn(supertest.agent(gateway.url));
  for (const [lang, text] of [
    ['en', en['sessions.processOnly']],
    ['zh-CN', zhCN['sessions.processOnly']],
  ] as const) {
    const page = await recorded(here.get(`/account/sessions?lang=${lang}`));
    expect(page.status).toBe(200);
    expect(page.text).toContain(text.replace(/"/g, '&quot;'));
    // The other browser signed in as the same person is not listed: only this device is.
    expect(page.text.match(/<li data-session=/g)).toHaveLength(1);
  }
  expect(en['sessions.processOnly']).toContain('only this device');
});

it('still signs in and out normally', async () => {
  const agent = supertest.agent(gateway.url);
  await signIn(agent);
  expect((await recorded(agent.get('/account'))).status).toBe(200);
  const confirm = await recorded(agent.get('/logout'));
  expect((await recorded(agent.post('/logout').type('form').send({ _csrf: csrfOf(confirm.text) }))).status).toBe(303);
  expect((await recorded(agent.get('/account'))).status).toBe(303);
});
