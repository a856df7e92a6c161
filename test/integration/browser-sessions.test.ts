import type TestAgent from 'supertest/lib/agent.js';
import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { failedPost } from '../support/prg.js';

const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

const PAGE = '/account/sessions?lang=en';

let gw: TestGateway;
let seq = 0;

/** A fresh user per test, so one test's revocations never touch another's sessions. */
async function newUser(): Promise<{ username: string; password: string }> {
  seq += 1;
  const user = { username: `devices${seq}`, password: `Passw0rd!devices${seq}` };
  gw.secrets.add(user.password);
  await gw.emu.createUser(user);
  return user;
}

async function signIn(user: { username: string; password: string }, ua: string): Promise<TestAgent> {
  const agent = gw.agent().set('User-Agent', ua);
  const res = await submitForm(agent, '/login', '/login', user);
  expect(res.status).toBe(303);
  return agent;
}

interface Row {
  id: string;
  current: boolean;
  html: string;
}

async function listSessions(agent: TestAgent): Promise<Row[]> {
  const res = await agent.get(PAGE);
  expect(res.status).toBe(200);
  return [...res.text.matchAll(/<li data-session="([^"]+)"( class="current")?>([\s\S]*?)<\/li>/g)].map((m) => ({
    id: m[1]!,
    current: m[2] !== undefined,
    html: m[3]!,
  }));
}

/** `endedBy`: the notice a session ended from elsewhere is sent to sign-in with (guest-pages.test.ts has its text). */
async function isSignedIn(agent: TestAgent, endedBy?: 'ended_others'): Promise<boolean> {
  const res = await agent.get('/account/sessions');
  const notice = endedBy ? `notice=${endedBy}&` : '';
  if (res.status === 303) expect(res.headers.location).toBe(`/login?${notice}returnTo=%2Faccount%2Fsessions`);
  return res.status === 200;
}

const revokeCalls = async () => (await gw.emu.stats())['POST /auth/v1/revoke'] ?? 0;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

describe('the sessions page', () => {
  it('lists every session of the user with its device, address and times, this one marked', async () => {
    const user = await newUser();
    const a = await signIn(user, CHROME_WINDOWS);
    await signIn(user, FIREFOX_LINUX);
    const rows = await listSessions(a);
    expect(rows).toHaveLength(2);
    const [mine, other] = rows;
    expect(mine!.current).toBe(true);
    expect(mine!.html).toContain('Chrome on Windows');
    expect(mine!.html).toContain('This device');
    expect(other!.current).toBe(false);
    expect(other!.html).toContain('Firefox on Linux');
    expect(other!.html).not.toContain('This device');
    expect(other!.html).toMatch(/127\.0\.0\.1/);
    expect(other!.html).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[^"]+">/);
  });

  it('sends a signed-out person to sign in', async () => {
    const res = await gw.agent().get('/account/sessions');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?returnTo=%2Faccount%2Fsessions');
  });
});

describe('ending sessions', () => {
  it('ends another session here and at CloudBase', async () => {
    const user = await newUser();
    const a = await signIn(user, CHROME_WINDOWS);
    const b = await signIn(user, FIREFOX_LINUX);
    const other = (await listSessions(a)).find((r) => !r.current)!;
    const before = await revokeCalls();

    const res = await submitForm(a, PAGE, `/account/sessions/${other.id}/revoke`, {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/sessions?notice=session_revoked');
    expect(await revokeCalls()).toBe(before + 1);
    expect(await isSignedIn(b, 'ended_others')).toBe(false);
    expect(await isSignedIn(a)).toBe(true);
    const page = await a.get('/account/sessions?notice=session_revoked&lang=en');
    expect(page.text).toContain('The session was ended.');
    expect((await listSessions(a)).map((r) => r.id)).not.toContain(other.id);
  });

  it('ends all other sessions at once, upstream too, and keeps this one', async () => {
    const user = await newUser();
    const a = await signIn(user, CHROME_WINDOWS);
    const others = [await signIn(user, FIREFOX_LINUX), await signIn(user, SAFARI_IPHONE)];
    expect(await listSessions(a)).toHaveLength(3);
    const before = await revokeCalls();

    const res = await submitForm(a, PAGE, '/account/sessions/revoke-others', {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/sessions?notice=others_revoked');
    expect(await revokeCalls()).toBe(before + 2);
    for (const agent of others) expect(await isSignedIn(agent, 'ended_others')).toBe(false);
    const rows = await listSessions(a);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.current).toBe(true);
  });

  it('signs out when the session ended is this one', async () => {
    const user = await newUser();
    const a = await signIn(user, CHROME_WINDOWS);
    const mine = (await listSessions(a)).find((r) => r.current)!;
    const res = await submitForm(a, PAGE, `/account/sessions/${mine.id}/revoke`, {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?notice=signed_out');
    expect(await isSignedIn(a)).toBe(false);
  });

  it('answers 404 for an unknown id and for another user’s session', async () => {
    const user = await newUser();
    const a = await signIn(user, CHROME_WINDOWS);
    const stranger = await signIn(await newUser(), FIREFOX_LINUX);
    const theirs = (await listSessions(stranger))[0]!.id;
    for (const id of ['no-such-session', theirs]) {
      const res = await failedPost(a, PAGE, `/account/sessions/${id}/revoke`, {});
      expect(res.errorStatus).toBe(404);
    }
    expect(await isSignedIn(stranger)).toBe(true);
  });

  it('refuses a form without the CSRF token', async () => {
    const user = await newUser();
    const a = await signIn(user, CHROME_WINDOWS);
    const b = await signIn(user, FIREFOX_LINUX);
    const other = (await listSessions(a)).find((r) => !r.current)!;
    expect((await a.post(`/account/sessions/${other.id}/revoke`).type('form').send({})).status).toBe(403);
    expect((await a.post('/account/sessions/revoke-others').type('form').send({})).status).toBe(403);
    expect(await isSignedIn(b)).toBe(true);
  });

  it('sends a signed-out form post to sign in', async () => {
    const res = await gw.agent().post('/account/sessions/revoke-others').type('form').send({});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?returnTo=%2Faccount');
  });
});
