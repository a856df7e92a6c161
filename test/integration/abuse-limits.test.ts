import type TestAgent from 'supertest/lib/agent.js';
import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { failedPost, followFailure } from '../support/prg.js';

/**
 * Brute force and SMS pumping through the real gateway: a refused attempt answers 429 with Retry-After (a page that
 * says when to try again, or JSON for the API) and never reaches CloudBase (the emulator's call counts).
 */
let gw: TestGateway;
const PASSWORD = 'Corr3ct-horse-battery';

beforeAll(async () => {
  gw = await startTestGateway({
    env: {
      LIMIT_LOGIN_FAILURES: '3',
      LIMIT_LOGIN_IP_FAILURES: '1000',
      LIMIT_LOGIN_BLOCK_S: '1',
      LIMIT_LOGIN_BLOCK_MAX_S: '4',
      LIMIT_SMS_COOLDOWN_S: '60',
      LIMIT_SMS_PER_PHONE_HOUR: '3',
      LIMIT_SMS_PER_PHONE_DAY: '3',
      LIMIT_SMS_PER_IP_HOUR: '8',
      LIMIT_SMS_PER_SESSION_HOUR: '100',
      LIMIT_CODE_GUESSES: '2',
      LIMIT_ANONYMOUS_PER_IP_HOUR: '3',
    },
  });
  gw.secrets.add(PASSWORD);
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

const calls = async (key: string) => (await gw.emu.stats())[key] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A sign-in that fails: its 303 back to the form, and the page that shows why (with Retry-After on the 303). */
async function login(agent: TestAgent, username: string, password: string) {
  return failedPost(agent, '/login?lang=en', '/login', { username, password });
}

async function signsIn(agent: TestAgent, username: string, password: string): Promise<boolean> {
  const res = await submitForm(agent, '/login', '/login', { username, password });
  return res.status === 303 && res.headers.location === '/';
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await gw.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('password guessing', () => {
  it('blocks the account after the limit with a page that says when to try again, without calling CloudBase', async () => {
    await gw.emu.createUser({ username: 'victim', password: PASSWORD, name: 'Victim' });
    const agent = gw.agent();
    expect((await login(agent, 'victim', 'wrong-1')).errorStatus).toBe(401);
    expect((await login(agent, 'VICTIM', 'wrong-2')).errorStatus).toBe(401);
    const third = await login(agent, 'victim', 'wrong-3');
    expect(third.errorStatus).toBe(429);
    expect(third.post.headers['retry-after']).toBe('1');
    expect(third.page.type).toBe('text/html');
    expect(third.text).toMatch(/Too many attempts\. You can try again in 1 seconds?\./);

    // While blocked, even the right password is refused here, and CloudBase is not asked.
    const before = await calls('POST /auth/v1/signin');
    const other = gw.agent();
    const blocked = await login(other, ' Victim ', PASSWORD);
    expect(blocked.errorStatus).toBe(429);
    expect(Number(blocked.post.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await calls('POST /auth/v1/signin')).toBe(before);
    expect(await metric('rate_limit_rejections_total', 'kind="login_account"')).toBeGreaterThanOrEqual(2);

    // The owner is slowed, not locked out: after the wait the right password works and clears the count.
    await sleep(1100);
    expect(await signsIn(other, 'victim', PASSWORD)).toBe(true);
    expect((await login(gw.agent(), 'victim', 'wrong-4')).errorStatus).toBe(401);
  });

  it('doubles the wait for each further block, up to the maximum', async () => {
    await gw.emu.createUser({ username: 'doubling', password: PASSWORD });
    const agent = gw.agent();
    await login(agent, 'doubling', 'w1');
    await login(agent, 'doubling', 'w2');
    expect((await login(agent, 'doubling', 'w3')).post.headers['retry-after']).toBe('1');
    await sleep(1100);
    expect((await login(agent, 'doubling', 'w4')).post.headers['retry-after']).toBe('2');
  });
});

describe('SMS pumping', () => {
  async function send(agent: TestAgent, phone: string) {
    return submitForm(agent, '/login/sms?lang=en', '/login/sms/code', { phone_number: phone });
  }

  it('one number in several spellings is one key: the cooldown holds across sessions', async () => {
    const before = await calls('POST /auth/v1/verification');
    expect((await send(gw.agent(), '13900000001')).status).toBe(303);
    for (const spelling of ['+86 139 0000 0001', '0086-139-0000-0001', '１３９００００００01']) {
      const agent = gw.agent();
      const res = await followFailure(agent, await send(agent, spelling));
      expect(res.errorStatus).toBe(429);
      expect(Number(res.post.headers['retry-after'])).toBeGreaterThan(50);
      expect(res.text).toMatch(/Too many requests\. You can try again in \d+ seconds\./);
    }
    expect(await calls('POST /auth/v1/verification')).toBe(before + 1);
    expect(await metric('rate_limit_rejections_total', 'kind="sms_cooldown"')).toBe(3);
    expect(await metric('sms_sent_total', 'purpose="login"')).toBeGreaterThanOrEqual(1);
  });

  it('caps sends per address across numbers', async () => {
    // 1 send above + 7 here reach the per-address limit of 8; the next is refused without a call upstream.
    for (let i = 0; i < 7; i++) expect((await send(gw.agent(), `1390000010${i}`)).status).toBe(303);
    const before = await calls('POST /auth/v1/verification');
    const agent = gw.agent();
    const res = await followFailure(agent, await send(agent, '13900000200'));
    expect(res.errorStatus).toBe(429);
    expect(await calls('POST /auth/v1/verification')).toBe(before);
    expect(await metric('rate_limit_rejections_total', 'kind="sms_ip"')).toBe(1);
  });
});

describe('anonymous sign-in', () => {
  it('is capped per address, since each one can create a user upstream', async () => {
    for (let i = 0; i < 3; i++) expect((await submitForm(gw.agent(), '/login', '/login/anonymous', {})).status).toBe(303);
    const before = await calls('POST /auth/v1/signin/anonymously');
    const res = await failedPost(gw.agent(), '/login?lang=en', '/login/anonymous', {});
    expect(res.errorStatus).toBe(429);
    expect(Number(res.post.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.text).toContain('Too many requests');
    expect(await calls('POST /auth/v1/signin/anonymously')).toBe(before);
    expect(await metric('rate_limit_rejections_total', 'kind="anonymous_ip"')).toBe(1);
  });
});

describe('code guessing', () => {
  it('caps wrong codes per verification: then a new code is needed', async () => {
    await gw.redis.flushdb();
    await gw.emu.createUser({ phone_number: '+86 13900000300' });
    const agent = gw.agent();
    expect((await submitForm(agent, '/login/sms', '/login/sms/code', { phone_number: '13900000300' })).status).toBe(303);
    const code = await gw.emu.sms('+86 13900000300');
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect((await failedPost(agent, '/login/sms?lang=en', '/login/sms', { verification_code: wrong })).errorStatus).toBe(400);
    expect((await failedPost(agent, '/login/sms?lang=en', '/login/sms', { verification_code: wrong })).errorStatus).toBe(400);
    const before = await calls('POST /auth/v1/verification/verify');
    const third = await failedPost(agent, '/login/sms?lang=en', '/login/sms', { verification_code: code });
    expect(third.errorStatus).toBe(429);
    expect(third.text).toContain('Too many wrong codes. Ask for a new code.');
    expect(await calls('POST /auth/v1/verification/verify')).toBe(before);
  });
});

describe('the JSON API', () => {
  it('shares the limits: 429 JSON with Retry-After for password guessing and SMS resends', async () => {
    await gw.redis.flushdb();
    await gw.emu.createUser({ username: 'api-victim', password: PASSWORD });
    const login = (password: string) =>
      gw.agent().post('/api/session/login').set('x-csrf', '1').send({ username: 'api-victim', password });
    expect((await login('nope-1')).status).toBe(401);
    // The browser form and the API count the same account.
    expect((await failedPost(gw.agent(), '/login', '/login', { username: 'API-Victim', password: 'nope-2' })).errorStatus).toBe(401);
    const third = await login('nope-3');
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBe('1');
    expect(third.body.error.code).toBe('too_many_attempts');

    const send = () => gw.agent().post('/api/session/sms/send').set('x-csrf', '1').send({ phone_number: '+86 139-0000-0400', purpose: 'login' });
    expect((await send()).status).toBe(200);
    const before = await calls('POST /auth/v1/verification');
    const again = await send();
    expect(again.status).toBe(429);
    expect(again.body.error.code).toBe('rate_limited');
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(50);
    expect(await calls('POST /auth/v1/verification')).toBe(before);
  });
});
