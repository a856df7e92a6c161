import type TestAgent from 'supertest/lib/agent.js';
import { startTestGateway, csrfFrom, submitForm, type TestGateway } from '../support/gateway.js';
import { sessionIdFromCookie } from '../support/sessions.js';
import { en, zhCN } from '../../src/i18n/messages.js';

/**
 * The sign-in, sign-up, SMS and reset pages for people who are signed in already (sent on, their session kept), a
 * device whose session another one ended (told why on the sign-in page), and the one-screen phone + code form.
 */
let gw: TestGateway;
let nextNumber = 6100;
const newPhone = () => `136${String(nextNumber++).padStart(8, '0')}`;
const canonical = (national: string) => `+86 ${national}`;
const PASSWORD = 'Passw0rd!guest-pages';
const SIGNIN = 'POST /auth/v1/signin';
const ANONYMOUS = 'POST /auth/v1/signin/anonymously';

beforeAll(async () => {
  gw = await startTestGateway();
  gw.secrets.add(PASSWORD);
  await gw.emu.createUser({ username: 'gp_alice', password: PASSWORD, name: 'Alice GP' });
  await gw.emu.createUser({ username: 'gp_bob', password: PASSWORD, name: 'Bob GP' });
});

afterAll(async () => {
  if (process.env.DEBUG_LOGS) console.log(gw.logs.filter((l) => l.includes('"level":50')).join('\n'));
  try {
    gw.assertNoLeaks();
  } finally {
    await gw.close();
  }
});

const calls = async (route: string) => (await gw.emu.stats())[route] ?? 0;

async function signedIn(username = 'gp_alice'): Promise<{ agent: TestAgent; sid: string }> {
  const agent = gw.agent();
  const res = await submitForm(agent, '/login', '/login', { username, password: PASSWORD });
  expect(res.status).toBe(303);
  return { agent, sid: sessionIdFromCookie(res.headers['set-cookie']) };
}

async function whoAmI(agent: TestAgent): Promise<{ sub: string; anonymous: boolean; name?: string } | undefined> {
  const res = await agent.get('/api/session');
  return (res.body as { user?: { sub: string; anonymous: boolean; name?: string } }).user;
}

describe('a signed-in person who opens a sign-in, sign-up, SMS or reset page', () => {
  it.each(['/login', '/signup', '/login/sms', '/password/reset'])('is sent home from %s, told they are signed in', async (path) => {
    const { agent } = await signedIn();
    const res = await agent.get(path);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?notice=already_signed_in');
    expect((await agent.get(`${res.headers.location}&lang=en`)).text).toContain(en['guest.alreadySignedIn']);
    expect((await agent.get(`${res.headers.location}&lang=zh-CN`)).text).toContain(zhCN['guest.alreadySignedIn']);
  });

  it.each([
    ['/account?tab=1', '/account?tab=1&notice=already_signed_in'],
    ['/account#x', '/account?notice=already_signed_in#x'],
    ['/login?returnTo=/account', '/?notice=already_signed_in'],
    ['/signup', '/?notice=already_signed_in'],
    ['//evil.example', '/?notice=already_signed_in'],
    ['https://evil.example/', '/?notice=already_signed_in'],
  ])('goes on to returnTo %j as %j (never back to a guest page, never off the site)', async (returnTo, location) => {
    const { agent } = await signedIn();
    const res = await agent.get(`/login?returnTo=${encodeURIComponent(returnTo)}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(location);
  });

  it('a guest (anonymous session) still gets the pages: signing in or up is how a guest upgrades', async () => {
    const agent = gw.agent();
    expect((await submitForm(agent, '/login', '/login/anonymous', {})).status).toBe(303);
    expect((await whoAmI(agent))?.anonymous).toBe(true);
    for (const path of ['/login', '/signup', '/login/sms', '/password/reset']) expect((await agent.get(path)).status).toBe(200);
    const res = await submitForm(agent, '/login', '/login', { username: 'gp_bob', password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(await whoAmI(agent)).toMatchObject({ anonymous: false, name: 'Bob GP' });
  });
});

describe('a signed-in browser that posts to a sign-in, sign-up, SMS or reset form (a stale tab)', () => {
  it.each([
    ['/login', { username: 'gp_bob', password: PASSWORD }],
    ['/login/sms/code', { phone_number: '13600000001' }],
    ['/login/sms', { verification_code: '123456' }],
    ['/login/sms/restart', {}],
    ['/signup/code', { phone_number: '13600000002' }],
    ['/signup/verify', { verification_code: '123456' }],
    ['/signup', { name: 'Someone Else', password: 'Other-Passw0rd' }],
    ['/signup/restart', {}],
    ['/password/reset/code', { phone_number: '13600000003' }],
    ['/password/reset', { verification_code: '123456', new_password: 'Other-Passw0rd' }],
    ['/password/reset/restart', {}],
  ])('POST %s changes nothing: no call upstream, the same session and person, sent on', async (path, fields) => {
    const { agent, sid } = await signedIn();
    const token = await csrfFrom(agent, '/account');
    const before = await gw.emu.stats();
    const res = await agent.post(path).type('form').send({ _csrf: token, returnTo: '/account', ...fields });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?notice=already_signed_in');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await gw.emu.stats()).toEqual(before);
    expect((await gw.store.read(sid))?.user?.name).toBe('Alice GP');
    expect(await whoAmI(agent)).toMatchObject({ anonymous: false, name: 'Alice GP' });
  });
});

describe('"continue as a guest" from a signed-in browser', () => {
  it('never swaps a registered session for a guest one', async () => {
    const { agent, sid } = await signedIn();
    const me = await whoAmI(agent);
    const before = await calls(ANONYMOUS);
    const res = await submitForm(agent, '/account', '/login/anonymous', { returnTo: '/account/sessions' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/sessions?notice=already_signed_in');
    expect(await calls(ANONYMOUS)).toBe(before);
    expect(await whoAmI(agent)).toEqual(me);
    expect((await gw.store.read(sid))?.auth?.sub).toBe(me!.sub);
    expect((await agent.get('/account?lang=en')).status).toBe(200);
  });

  it('keeps a guest the same guest (a second guest account would lose the first one’s data)', async () => {
    const agent = gw.agent();
    expect((await submitForm(agent, '/login', '/login/anonymous', {})).status).toBe(303);
    const guest = await whoAmI(agent);
    const before = await calls(ANONYMOUS);
    const again = await submitForm(agent, '/login', '/login/anonymous', {});
    expect(again.status).toBe(303);
    expect(await calls(ANONYMOUS)).toBe(before);
    expect(await whoAmI(agent)).toEqual(guest);
  });

  it('still signs in a browser that is not signed in', async () => {
    const agent = gw.agent();
    const before = await calls(ANONYMOUS);
    const res = await submitForm(agent, '/login', '/login/anonymous', { returnTo: '/account' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
    expect(await calls(ANONYMOUS)).toBe(before + 1);
    expect((await whoAmI(agent))?.anonymous).toBe(true);
  });
});
