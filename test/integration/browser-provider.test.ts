import tcb from '@cloudbase/node-sdk';
import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { failedPost } from '../support/prg.js';
import { callbackPath, consent, startAt } from '../support/provider.js';
import { COOKIES } from '../../src/config/cookies.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ env: { AUTH_PROVIDERS: 'wx_open,github,google=Google Workspace', PUBLIC_ORIGIN: 'http://gateway.test' } });
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

/** Provider codes are secrets too: the leak guard looks for each one the tests saw. */
function remember(callback: URL): URL {
  const code = callback.searchParams.get('code');
  if (code) gw.secrets.add(code);
  return callback;
}

function sidOf(setCookie: unknown): string | undefined {
  return ((setCookie as string[] | undefined) ?? []).find((c) => c.startsWith(`${COOKIES.session}=`))?.split(';')[0];
}

async function signedInAs(agent: ReturnType<TestGateway['agent']>): Promise<string> {
  const home = await agent.get('/?lang=en');
  return home.text;
}

describe('provider buttons', () => {
  it('shows one button per configured provider on the sign-in and sign-up pages, named in the page language', async () => {
    const en = await gw.agent().get('/login?lang=en&returnTo=%2Faccount');
    expect(en.text).toContain('href="/login/provider/wx_open?returnTo=%2Faccount"');
    expect(en.text).toContain('Continue with WeChat');
    expect(en.text).toContain('Continue with GitHub');
    expect(en.text).toContain('Continue with Google Workspace');
    const zh = await gw.agent().get('/signup?lang=zh-CN');
    expect(zh.text).toContain('使用微信登录');
    expect(zh.text).toContain('href="/login/provider/github"');
  });
});

describe('provider sign-in through the authorize page', () => {
  it.each(['wx_open', 'github', 'google'])('signs in with %s, with a fresh session id, and lands on returnTo', async (id) => {
    const agent = gw.agent();
    const started = await agent.get(`/login/provider/${id}?returnTo=%2Faccount%3Ftab%3D1`);
    expect(started.status).toBe(303);
    const authorize = String(started.headers.location);
    const before = sidOf(started.headers['set-cookie']);
    expect(before).toBeDefined();
    const target = new URL(authorize);
    expect(target.pathname).toBe(`/__emulator/provider/${id}/authorize`);
    expect(target.searchParams.get('redirect_uri')).toBe('http://gateway.test/login/provider/callback');
    expect(target.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const callback = remember(await consent(authorize, 'approve', { sub: `${id}-person-1`, name: `Person of ${id}` }));
    const res = await agent.get(callbackPath(callback));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?tab=1');
    const after = sidOf(res.headers['set-cookie']);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(await signedInAs(agent)).toContain(`You are signed in as Person of ${id}.`);
  });

  it('signs the same identity in to the same account the second time', async () => {
    const subs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const agent = gw.agent();
      const callback = remember(await consent(await startAt(agent, '/login/provider/github'), 'approve', { sub: 'same-person' }));
      expect((await agent.get(callbackPath(callback))).status).toBe(303);
      const me = await agent.get('/api/session');
      subs.push(String((me.body as { user: { sub: string } }).user.sub));
    }
    expect(subs[0]).toBe(subs[1]);
  });
});

describe('provider sign-in that must fail cleanly (a 4xx page, never a session)', () => {
  async function expectNoSession(agent: ReturnType<TestGateway['agent']>) {
    expect(await signedInAs(agent)).toContain('You are not signed in.');
  }

  it('a denied consent', async () => {
    const agent = gw.agent();
    const callback = await consent(await startAt(agent, '/login/provider/github?returnTo=%2Faccount'), 'deny');
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const res = await agent.get(`${callbackPath(callback)}&lang=en`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Sign-in was cancelled at the provider.');
    expect(res.text).toContain('href="/login?returnTo=%2Faccount"');
    await expectNoSession(agent);
  });

  it('a replayed state (the same callback twice)', async () => {
    const agent = gw.agent();
    const callback = remember(await consent(await startAt(agent, '/login/provider/github'), 'approve'));
    expect((await agent.get(callbackPath(callback))).status).toBe(303);
    const other = gw.agent();
    // the same browser after signing out, and the same browser still signed in: both refused
    const again = await agent.get(`${callbackPath(callback)}&lang=en`);
    expect(again.status).toBe(400);
    expect(again.text).toContain('was already used, or was started in another browser');
    expect((await other.get(callbackPath(callback))).status).toBe(400);
    await expectNoSession(other);
  });

  it('the same callback fired many times at once by one browser signs in at most once', async () => {
    const agent = gw.agent();
    const callback = remember(await consent(await startAt(agent, '/login/provider/github'), 'approve', { sub: 'racer' }));
    const before = (await gw.emu.stats())['POST /auth/v1/signin/with/provider'] ?? 0;
    const answers = await Promise.all(Array.from({ length: 8 }, () => agent.get(callbackPath(callback))));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.every((s) => s === 303 || s === 400)).toBe(true);
    expect(((await gw.emu.stats())['POST /auth/v1/signin/with/provider'] ?? 0) - before).toBe(1);
  });

  it('a state started in another browser, even with a fresh code', async () => {
    const victim = gw.agent();
    const attacker = gw.agent();
    const callback = remember(await consent(await startAt(victim, '/login/provider/wx_open'), 'approve'));
    const res = await attacker.get(`${callbackPath(callback)}&lang=en`);
    expect(res.status).toBe(400);
    await expectNoSession(attacker);
    // the victim's own flow is untouched by the attempt
    expect((await victim.get(callbackPath(callback))).status).toBe(303);
  });

  it('a callback without state, with a forged state, or with repeated parameters', async () => {
    const agent = gw.agent();
    await startAt(agent, '/login/provider/github');
    for (const q of ['?code=abc', '?code=abc&state=forged-state-value', '?code=a&code=b&state=x&state=y', '']) {
      const res = await agent.get(`/login/provider/callback${q}`);
      expect(res.status).toBe(400);
    }
    await expectNoSession(agent);
  });

  it('a state past its ten minutes', async () => {
    let offset = 0;
    const timed = await startTestGateway({ env: { AUTH_PROVIDERS: 'github' }, now: () => Date.now() + offset });
    try {
      const agent = timed.agent();
      const callback = await consent(await startAt(agent, '/login/provider/github'), 'approve');
      offset = 10 * 60 * 1000 + 1000;
      const res = await agent.get(`${callbackPath(callback)}&lang=en`);
      expect(res.status).toBe(400);
      expect(res.text).toContain('This sign-in link has expired');
      timed.secrets.add(callback.searchParams.get('code')!);
      timed.assertNoLeaks();
    } finally {
      await timed.close();
    }
  });

  it('a code already used, brought back with a fresh state of the same browser', async () => {
    const agent = gw.agent();
    const first = remember(await consent(await startAt(agent, '/login/provider/github'), 'approve'));
    expect((await agent.get(callbackPath(first))).status).toBe(303);
    const other = gw.agent();
    const fresh = new URL(await startAt(other, '/login/provider/github')).searchParams.get('state')!;
    const res = await other.get(`/login/provider/callback?code=${first.searchParams.get('code')!}&state=${fresh}&lang=en`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('The provider sign-in could not be completed');
    await expectNoSession(other);
  });

  it('a provider this gateway does not offer, and one CloudBase has turned off', async () => {
    const agent = gw.agent();
    const unknown = await agent.get('/login/provider/gitlab?lang=en');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('This sign-in method is not offered here.');
    await setProviders([{ id: 'github' }, { id: 'google' }]);
    try {
      const off = await agent.get('/login/provider/wx_open?lang=en');
      expect(off.status).toBe(403);
      expect(off.text).toContain('This sign-in method is not turned on for this app.');
    } finally {
      await setProviders(DEFAULT_PROVIDERS);
    }
    await expectNoSession(agent);
  });

  it('an identity CloudBase will not sign up by itself: the page offers sign-up with a phone', async () => {
    await setProviders([{ id: 'wx_open' }, { id: 'github', auto_sign_up: false }, { id: 'google' }]);
    try {
      const agent = gw.agent();
      const callback = remember(await consent(await startAt(agent, '/login/provider/github'), 'approve', { sub: 'brand-new-person' }));
      const res = await agent.get(`${callbackPath(callback)}&lang=en`);
      expect(res.status).toBe(403);
      expect(res.text).toContain('Sign up with your phone first.');
      expect(res.text).toContain('href="/signup"');
      await expectNoSession(agent);
    } finally {
      await setProviders(DEFAULT_PROVIDERS);
    }
  });
});

describe('when a browser signs in with a custom ticket', () => {
  async function mintTicket(uid: string): Promise<string> {
    const res = await fetch(`${gw.emulator.url}/__emulator/custom-login-key`);
    const creds = (await res.json()) as { env_id: string; private_key_id: string; private_key: string };
    const ticket = tcb.init({ env: creds.env_id, credentials: creds }).auth().createTicket(uid);
    gw.secrets.add(ticket);
    return ticket;
  }

  it('signs in with a ticket minted by @cloudbase/node-sdk and lands on returnTo', async () => {
    const agent = gw.agent();
    const res = await submitForm(agent, '/login', '/login/ticket', { ticket: await mintTicket('form-user-01'), returnTo: '/account' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
    const me = await agent.get('/api/session');
    expect(me.status).toBe(200);
  });

  it('refuses a tampered or empty ticket with a clear page and no session', async () => {
    const good = await mintTicket('form-user-02');
    for (const ticket of [`${good.slice(0, -6)}AAAAAA`, '']) {
      const agent = gw.agent();
      const res = await failedPost(agent, '/login?lang=en', '/login/ticket', { ticket });
      expect(res.location).toBe('/login');
      expect(res.errorStatus).toBeGreaterThanOrEqual(400);
      expect(res.errorStatus).toBeLessThan(500);
      expect(res.text).toContain(ticket ? 'This sign-in ticket is invalid' : 'class="error');
      expect(await signedInAs(agent)).toContain('You are not signed in.');
    }
  });

  it('refuses a post without the CSRF token', async () => {
    const res = await gw.agent().post('/login/ticket').type('form').send({ ticket: await mintTicket('form-user-03') });
    expect(res.status).toBe(403);
  });
});

const DEFAULT_PROVIDERS = [{ id: 'wx_open' }, { id: 'github' }, { id: 'google' }];

async function setProviders(providers: { id: string; auto_sign_up?: boolean }[]): Promise<void> {
  const res = await fetch(`${gw.emulator.url}/__emulator/providers`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ providers }),
  });
  if (!res.ok) throw new Error(`PUT /__emulator/providers: ${res.status} ${await res.text()}`);
}

describe('account page: bind and unbind', () => {
  const PASSWORD = 'Passw0rd!binder';

  async function signedInWithPassword(username: string) {
    const agent = gw.agent();
    const res = await submitForm(agent, '/login', '/login', { username, password: PASSWORD });
    expect(res.status).toBe(303);
    return agent;
  }

  it('binds a provider through its consent page, then signs in with it, then unbinds it', async () => {
    await gw.emu.createUser({ username: 'binder', password: PASSWORD, name: 'Binder' });
    gw.secrets.add(PASSWORD);
    const agent = await signedInWithPassword('binder');
    const page = await agent.get('/account?lang=en');
    expect(page.text).toContain('action="/account/provider/github/bind"');
    const start = await submitForm(agent, '/account', '/account/provider/github/bind', {});
    expect(start.status).toBe(303);
    const callback = remember(await consent(String(start.headers.location), 'approve', { sub: 'binder-on-github' }));
    const back = await agent.get(callbackPath(callback));
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/account?notice=provider_bound');
    const after = await agent.get('/account?lang=en');
    expect(after.text).toContain('action="/account/provider/github/unbind"');

    const other = gw.agent();
    const viaGithub = remember(await consent(await startAt(other, '/login/provider/github'), 'approve', { sub: 'binder-on-github' }));
    expect((await other.get(callbackPath(viaGithub))).status).toBe(303);
    expect(await signedInAs(other)).toContain('You are signed in as Binder.');

    const unbound = await submitForm(agent, '/account', '/account/provider/github/unbind', {});
    expect(unbound.status).toBe(303);
    expect(unbound.headers.location).toBe('/account?notice=provider_unbound');
    expect((await gw.emu.stats())['DELETE /auth/v1/user/provider/github']).toBe(1);
    expect((await agent.get('/account?lang=en')).text).toContain('action="/account/provider/github/bind"');
  });

  it('refuses to unbind the last way a person can sign in, and says why', async () => {
    const agent = gw.agent();
    const callback = remember(await consent(await startAt(agent, '/login/provider/google'), 'approve', { sub: 'only-google-person' }));
    expect((await agent.get(callbackPath(callback))).status).toBe(303);
    const before = (await gw.emu.stats())['DELETE /auth/v1/user/provider/google'] ?? 0;
    const res = await failedPost(agent, '/account?lang=en', '/account/provider/google/unbind', {});
    expect(res.errorStatus).toBe(409);
    expect(res.text).toContain('This is the only way you can sign in');
    expect((await gw.emu.stats())['DELETE /auth/v1/user/provider/google'] ?? 0).toBe(before);
    expect((await agent.get('/account?lang=en')).text).toContain('action="/account/provider/google/unbind"');
  });

  it('refuses to bind an identity another account has', async () => {
    const owner = gw.agent();
    const first = remember(await consent(await startAt(owner, '/login/provider/wx_open'), 'approve', { sub: 'taken-wechat-id' }));
    expect((await owner.get(callbackPath(first))).status).toBe(303);
    await gw.emu.createUser({ username: 'binder2', password: PASSWORD, name: 'Binder Two' });
    const agent = await signedInWithPassword('binder2');
    const start = await submitForm(agent, '/account', '/account/provider/wx_open/bind', {});
    const callback = remember(await consent(String(start.headers.location), 'approve', { sub: 'taken-wechat-id' }));
    const res = await agent.get(`${callbackPath(callback)}&lang=en`);
    expect(res.status).toBe(409);
    expect(res.text).toContain('This identity cannot be linked');
    expect(await signedInAs(agent)).toContain('You are signed in as Binder Two.');
  });

  it('a bind started by one account does not bind to another that signs in meanwhile', async () => {
    const agent = await signedInWithPassword('binder2');
    const start = await submitForm(agent, '/account', '/account/provider/google/bind', {});
    const callback = remember(await consent(String(start.headers.location), 'approve', { sub: 'google-of-binder2' }));
    // the browser signs in as someone else before coming back (through the app's API: the sign-in form sends a
    // signed-in browser on): a new session, without the pending bind
    const other = await agent.post('/api/session/login').set('Accept', 'application/json').set('X-CSRF', '1').send({ username: 'binder', password: PASSWORD });
    expect(other.status).toBe(200);
    expect((await agent.get(callbackPath(callback))).status).toBe(400);
  });
});
