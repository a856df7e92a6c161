import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';

/**
 * What one session costs in Redis (MEMORY USAGE), so the README's sizing advice stays true: a signed-in browser
 * session holding CloudBase's tokens, its user's session index, and a signed-out visitor's session.
 */
let gw: TestGateway;
const PASSWORD = 'Sizing-test-pw-1';

beforeAll(async () => {
  gw = await startTestGateway();
  gw.secrets.add(PASSWORD);
  await gw.emu.createUser({ username: 'sized', password: PASSWORD, name: 'A typical display name', phone_number: '+86 13500000001' });
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

async function usage(pattern: string): Promise<number[]> {
  const keys = await gw.redis.keys(`${gw.config.redis.keyPrefix}${pattern}`);
  return Promise.all(keys.map(async (k) => Number(await gw.redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0'))));
}

it('a signed-in session takes under 3 KB, a visitor in an SMS flow under 1 KB, a visitor with a form nothing', async () => {
  await gw.redis.flushdb();
  const visitor = gw.agent();
  await visitor.get('/login');
  // A form's CSRF secret lives in a signed cookie: a visitor who only opened a form costs no key at all.
  expect(await gw.redis.dbsize()).toBe(0);
  // An SMS flow keeps CloudBase's verification id server-side: that visitor has a small session.
  expect((await submitForm(visitor, '/login/sms', '/login/sms/code', { phone_number: '13500000001' })).status).toBe(303);
  const [visitorBytes] = await usage('s:{*}');
  expect(visitorBytes).toBeGreaterThan(0);
  expect(visitorBytes).toBeLessThan(1024);

  await gw.redis.flushdb();
  expect((await submitForm(gw.agent(), '/login', '/login', { username: 'sized', password: PASSWORD })).headers.location).toBe('/');
  const sessions = await usage('s:{*}');
  const index = await usage('u:{*}');
  expect(sessions).toHaveLength(1);
  expect(index).toHaveLength(1);
  expect(sessions[0]).toBeLessThan(3 * 1024);
  expect(index[0]).toBeLessThan(512);
  if (process.env.SHOW_SIZES) console.log({ visitorBytes, session: sessions[0], index: index[0] });
});
