import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { finishApiSuite, spa } from '../support/api.js';

/**
 * What a password sign-in asks of Redis, counted by Redis itself (`INFO commandstats`, which counts the commands a
 * script runs besides the EVALSHA that ran it): the limits checked and taken in one step, the session, its index entry
 * and the limits' bookkeeping written together. And the counters it leaves behind all expire.
 */
const PASSWORD = 'Counted-sign-in-7';
const USERS = 6;
let gw: TestGateway;

beforeAll(async () => {
  // A 1 s window, so a counter can expire while its attempt is still at CloudBase (see the last test).
  gw = await startTestGateway({ env: { TRUST_PROXY: 'loopback', LIMIT_LOGIN_WINDOW_S: '1' } });
  gw.secrets.add(PASSWORD);
  for (let i = 0; i < USERS; i++) await gw.emu.createUser({ username: `counted-${i}`, password: PASSWORD });
});

afterEach(async () => {
  await gw.emu.setConfig({ latency: {} });
});

afterAll(() => finishApiSuite(gw));

/** Calls per command since the last CONFIG RESETSTAT, without the suite's own INFO and CONFIG (`config|resetstat`). */
async function commandCalls(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of (await gw.redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (!['info', 'config', 'ping'].includes(m[1]!.split('|')[0]!)) out[m[1]!] = Number(m[2]);
  }
  return out;
}

const signIn = (i: number) => spa(gw).call('post', '/api/session/login', { username: `counted-${i}`, password: PASSWORD }, { 'X-Forwarded-For': '203.0.113.9' });

describe('a password sign-in from an address, with no device proof (three limits judge it)', () => {
  it('costs Redis at most 12 commands, scripts\' own commands included', async () => {
    expect((await signIn(0)).status).toBe(200); // loads the script, so EVAL's first-time fallback is not counted
    await gw.redis.config('RESETSTAT');
    for (let i = 1; i < USERS; i++) expect((await signIn(i)).status).toBe(200);
    const calls = await commandCalls();
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    expect(total / (USERS - 1)).toBeLessThanOrEqual(12);
    // Nothing of the old per-limit round trips (MULTI/EXEC pairs, GET + PTTL per limit) is left.
    expect(calls.multi ?? 0).toBe(0);
    expect(calls.evalsha).toBe(USERS - 1);
  });
});

describe('a counter that expires while its attempt is at CloudBase', () => {
  it('is given a lifetime again when the attempt is given back, so no limit counter lives for ever', async () => {
    // The address's counter (1 s window) expires during the 1.5 s call; the success then gives the address its point
    // back on a counter that is gone, which must not leave a key without a TTL.
    await gw.emu.setConfig({ latency: { 'POST /auth/v1/signin': { ms: 1500 } } });
    expect((await signIn(1)).status).toBe(200);
    const keys = await gw.redis.keys(`${gw.config.redis.keyPrefix}rl:*`);
    expect(keys.length).toBeGreaterThan(0);
    const ttls = await Promise.all(keys.map((k) => gw.redis.pttl(k)));
    expect(ttls.filter((t) => t === -1)).toEqual([]);
  });
});
