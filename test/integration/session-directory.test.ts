import supertest from 'supertest';
import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { expectApiError, finishApiSuite, mobile, RELAXED_LIMITS, spa, type MobileClient } from '../support/api.js';
import { waitFor } from '../support/sessions.js';

/**
 * A user with far more sessions than one read of the index used to see (it stopped at 200): ending "all other
 * sessions", a password change and an account deletion must reach every one of them, and the device list must show
 * every one, page by page.
 */
let gw: TestGateway;
let seq = 0;

beforeAll(async () => {
  gw = await startTestGateway({ env: RELAXED_LIMITS });
});

afterAll(() => finishApiSuite(gw));

async function newUser(): Promise<{ username: string; password: string }> {
  seq += 1;
  const user = { username: `many${seq}`, password: `Passw0rd!many-${seq}` };
  gw.secrets.add(user.password);
  await gw.emu.createUser(user);
  return user;
}

/** `n` native-app sign-ins of the user over HTTP, a few at a time. */
async function tokenSessions(user: { username: string; password: string }, n: number): Promise<MobileClient[]> {
  const apps: MobileClient[] = [];
  for (let i = 0; i < n; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, n - i) }, async () => {
        const app = mobile(gw);
        const res = await app.post('/api/session/login', user);
        expect(res.status).toBe(200);
        return app;
      }),
    );
    apps.push(...batch);
  }
  return apps;
}

async function signedInCount(apps: MobileClient[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < apps.length; i += 16) {
    const statuses = await Promise.all(apps.slice(i, i + 16).map(async (a) => (await supertest(gw.server).get('/api/session').set('Authorization', `Session ${a.token}`)).status));
    n += statuses.filter((s) => s === 200).length;
  }
  return n;
}

const revokeCalls = async () => (await gw.emu.stats())['POST /auth/v1/revoke'] ?? 0;
const subOf = async (app: { get(p: string): Promise<supertest.Response> }) => String((await app.get('/api/session')).body.user.sub);

describe('a user with 263 sessions', () => {
  it('lists every one of them by pages, the current one first, each once', async () => {
    const user = await newUser();
    const apps = await tokenSessions(user, 262);
    const web = spa(gw);
    expect((await web.post('/api/session/login', user)).status).toBe(200);

    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await web.get(`/api/sessions${cursor ? `?cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      // 50 a page, plus the current one on the first; sign-ins of the same millisecond stay on one page.
      expect(res.body.sessions.length).toBeLessThanOrEqual(60);
      if (pages === 0) expect(res.body.sessions[0].current).toBe(true);
      else expect(res.body.sessions.some((s: { current: boolean }) => s.current)).toBe(false);
      ids.push(...res.body.sessions.map((s: { id: string }) => s.id));
      cursor = res.body.next_cursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(pages).toBeGreaterThan(5);
    expect(ids).toHaveLength(263);
    expect(new Set(ids).size).toBe(263);
    expect(await signedInCount(apps)).toBe(262);
  });

  it('ends all 262 others at once, here and at CloudBase, even while they keep calling', async () => {
    const user = await newUser();
    const apps = await tokenSessions(user, 262);
    const web = spa(gw);
    expect((await web.post('/api/session/login', user)).status).toBe(200);
    const sub = await subOf(web);
    const before = await revokeCalls();

    // The other sessions keep making requests (each may write its session back) while they are being ended.
    const busy = apps.map((a, i) => (i % 3 === 0 ? a.get('/api/sessions') : a.get('/api/session')));
    const res = await web.post('/api/sessions/revoke-others');
    await Promise.all(busy);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 262 });
    expect(await signedInCount(apps)).toBe(0);
    // CloudBase's revocations may finish after the answer (they are waited for a bounded time).
    await waitFor('262 revocations at CloudBase', async () => (await revokeCalls()) >= before + 262);
    expect(await revokeCalls()).toBe(before + 262);
    expect(await gw.index.members(sub)).toHaveLength(1);
    const list = await web.get('/api/sessions');
    expect(list.body.sessions).toHaveLength(1);
    expect(list.body.next_cursor).toBeNull();
  });

  it('walks the browser list with "Older sessions" links to the end', async () => {
    const user = await newUser();
    await tokenSessions(user, 205);
    const browser = gw.agent();
    expect((await submitForm(browser, '/login', '/login', user)).headers.location).toBe('/');
    const seen = new Set<string>();
    let path: string | undefined = '/account/sessions?lang=en';
    while (path) {
      const page = await browser.get(path);
      expect(page.status).toBe(200);
      for (const m of page.text.matchAll(/<li data-session="([^"]+)"/g)) seen.add(m[1]!);
      const next = /<a href="([^"]+)" rel="next">Older sessions<\/a>/.exec(page.text);
      path = next ? next[1]!.replace(/&amp;/g, '&') : undefined;
    }
    expect(seen.size).toBe(206);
  });

  it('refuses a malformed cursor with a 400 naming it', async () => {
    const user = await newUser();
    const web = spa(gw);
    expect((await web.post('/api/session/login', user)).status).toBe(200);
    for (const bad of ['abc', '-1', '1e9', '9999999999999999999', '']) {
      expectApiError(await web.get(`/api/sessions?cursor=${encodeURIComponent(bad)}`), 400, 'invalid_input');
    }
    const res = await web.get('/api/sessions?cursor=x');
    expect(res.body.error.field).toBe('cursor');
    expect((await web.agent.get('/account/sessions?cursor=x')).status).toBe(400);
  });
});

describe('account changes end every other session', () => {
  it('an account deletion ends all 230 token sessions', async () => {
    const user = await newUser();
    const apps = await tokenSessions(user, 230);
    const browser = gw.agent();
    expect((await submitForm(browser, '/login', '/login', user)).headers.location).toBe('/');
    const res = await submitForm(browser, '/account', '/account/delete', { password: user.password });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?notice=account_deleted');
    expect(await signedInCount(apps)).toBe(0);
  });

  it('a password change ends all 215 other sessions and keeps this browser signed in', async () => {
    const user = await newUser();
    const apps = await tokenSessions(user, 215);
    const browser = gw.agent();
    expect((await submitForm(browser, '/login', '/login', user)).headers.location).toBe('/');
    const newPassword = `${user.password}-new`;
    gw.secrets.add(newPassword);
    const res = await submitForm(browser, '/account', '/account/password', { old_password: user.password, new_password: newPassword });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?notice=password_changed');
    expect(await signedInCount(apps)).toBe(0);
    expect((await browser.get('/account')).status).toBe(200);
  });
});
