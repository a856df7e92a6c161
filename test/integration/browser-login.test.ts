import { startTestGateway, csrfFrom, submitForm, type TestGateway } from '../support/gateway.js';
import { failedPost, limitCounters } from '../support/prg.js';
import { COOKIES } from '../../src/config/cookies.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
  await gw.emu.createUser({ username: 'alice', phone_number: '+86 13800000001', email: 'alice@example.com', password: 'Passw0rd!alice', name: 'Alice' });
  gw.secrets.add('Passw0rd!alice');
});

afterAll(async () => {
  if (process.env.DEBUG_LOGS) console.log(gw.logs.filter((l) => l.includes('"level":50')).join('\n'));
  gw.assertNoLeaks();
  await gw.close();
});

function sessionCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const cookies = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  return cookies.find((c) => c.startsWith(`${COOKIES.session}=`));
}

describe('password sign-in', () => {
  it.each([
    ['a username', 'alice'],
    ['an email', 'alice@example.com'],
    ['a phone number as people type it', '138 0000 0001'],
    ['a phone number with +86', '+8613800000001'],
  ])('signs in with %s and lands on returnTo', async (_what, username) => {
    const agent = gw.agent();
    const res = await submitForm(agent, '/login', '/login', { username, password: 'Passw0rd!alice', returnTo: '/account?tab=1' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?tab=1');
    const home = await agent.get('/?lang=en');
    expect(home.text).toContain('You are signed in as Alice.');
  });

  it('sends a wrong password back to the form with the username (never the password) and one message', async () => {
    const agent = gw.agent();
    const { page, location } = await failedPost(agent, '/login?lang=en', '/login', { username: 'alice', password: 'wrong-password' });
    expect(location).toBe('/login');
    expect(page.status).toBe(200);
    expect(page.text).toContain('The username or password is incorrect.');
    expect(page.text).toContain('value="alice"');
    expect(page.text).not.toContain('wrong-password');
  });

  it('gives an unknown user the same message as a wrong password', async () => {
    const agent = gw.agent();
    const { page } = await failedPost(agent, '/login?lang=en', '/login', { username: 'nobody-here', password: 'whatever-123' });
    expect(page.text).toContain('The username or password is incorrect.');
  });

  it('answers in Chinese by Accept-Language', async () => {
    const agent = gw.agent();
    const token = await csrfFrom(agent, '/login');
    const res = await agent
      .post('/login')
      .set('Accept-Language', 'zh-CN,zh;q=0.9')
      .type('form')
      .send({ _csrf: token, username: 'alice', password: 'nope-nope' });
    expect(res.status).toBe(303);
    const page = await agent.get(String(res.headers.location)).set('Accept-Language', 'zh-CN,zh;q=0.9');
    expect(page.text).toContain('用户名或密码错误。');
  });

  it('asks for both fields when one is empty', async () => {
    const { page } = await failedPost(gw.agent(), '/login?lang=en', '/login', { username: '', password: '' });
    // The first empty field, named beside itself and in the summary (not a generic "some details are not valid").
    expect(page.text).toContain('<a href="#f-username">Fill in Username, email or phone number.</a>');
    expect(page.text).toMatch(/<input id="f-username"[^>]* aria-invalid="true"/);
  });

  it.each(['//evil.example', '/\\evil.example', 'https://evil.example', '/%2F%2Fevil.example', '/ok\r\nSet-Cookie: x=1', 'javascript:alert(1)'])(
    'refuses returnTo %j and goes home',
    async (returnTo) => {
      const res = await submitForm(gw.agent(), '/login', '/login', { username: 'alice', password: 'Passw0rd!alice', returnTo });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
    },
  );
});

describe('when a sign-in fails (post/redirect/get)', () => {
  // An account of its own: these wrong passwords must not bring alice's sign-ins near the lock-out.
  beforeAll(async () => {
    await gw.emu.createUser({ username: 'carol', phone_number: '+86 13800000077', password: 'Passw0rd!carol', name: 'Carol' });
    gw.secrets.add('Passw0rd!carol');
  });

  it('answers 303 to the form with returnTo kept, and Retry-After-free, cache-free headers', async () => {
    const agent = gw.agent();
    const post = await submitForm(agent, '/login?returnTo=%2Faccount%3Ftab%3D2', '/login', { username: 'carol', password: 'wrong-pass-1', returnTo: '/account?tab=2' });
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe('/login?returnTo=%2Faccount%3Ftab%3D2');
    expect(post.headers['cache-control']).toBe('no-store');
    expect(post.text).not.toContain('wrong-pass-1');
  });

  it('shows the failure once: a reload of the page is clean', async () => {
    const agent = gw.agent();
    const { page, location } = await failedPost(agent, '/login?lang=en', '/login', { username: 'carol', password: 'wrong-pass-2' });
    expect(page.text).toContain('The username or password is incorrect.');
    expect(page.text).toMatch(/<title>Error: /);
    const reload = await agent.get(location);
    expect(reload.status).toBe(200);
    expect(reload.text).not.toContain('The username or password is incorrect.');
    expect(reload.text).not.toContain('value="carol"');
    expect(reload.text).not.toMatch(/<title>Error: /);
  });

  it('keeps the flash of a visitor without a session in a sealed cookie, and writes no session for it', async () => {
    const agent = gw.agent();
    const post = await submitForm(agent, '/login?lang=en', '/login', { username: 'typed-name-7', password: '' });
    expect(post.status).toBe(303);
    const cookies = (post.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
    expect(cookies.find((c) => c.startsWith(`${COOKIES.session}=`))).toBeUndefined();
    const flash = cookies.find((c) => c.startsWith(`${COOKIES.flash}=`));
    expect(flash).toMatch(/HttpOnly/);
    expect(flash).toMatch(/SameSite=Lax/);
    expect(flash).toMatch(/Max-Age=120/);
    // Sealed: what was typed is not readable from the cookie.
    expect(flash).not.toContain('typed-name-7');
    expect(Buffer.from(flash!.split(';')[0]!.slice(`${COOKIES.flash}=`.length), 'base64url').toString('latin1')).not.toContain('typed-name-7');
    const page = await agent.get(String(post.headers.location));
    expect(page.text).toContain('value="typed-name-7"');
    expect(((page.headers['set-cookie'] as unknown as string[] | undefined) ?? []).some((c) => c.startsWith(`${COOKIES.flash}=;`))).toBe(true);
  });

  it('refuses a forged or tampered flash cookie: the page shows no error', async () => {
    const agent = gw.agent();
    const post = await submitForm(agent, '/login?lang=en', '/login', { username: 'tamper-me', password: '' });
    const sealed = ((post.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${COOKIES.flash}=`)) ?? '').split(';')[0]!.slice(`${COOKIES.flash}=`.length);
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[20] = bytes[20]! ^ 1;
    const forged = Buffer.from(JSON.stringify({ page: '/login', at: Date.now(), code: 'invalid_input', key: 'err.invalid_input', values: { username: 'forged' } })).toString('base64url');
    for (const value of [bytes.toString('base64url'), forged]) {
      const page = await gw.agent().get('/login?lang=en').set('Cookie', `${COOKIES.flash}=${value}`);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('error-summary');
      expect(page.text).not.toContain('forged');
      expect(page.text).not.toContain('tamper-me');
    }
  });

  it('does not move the attempt counters when the page is reloaded after a wrong password', async () => {
    const agent = gw.agent();
    const { location } = await failedPost(agent, '/login?lang=en', '/login', { username: 'carol', password: 'wrong-pass-3' });
    const before = await limitCounters(gw, 'login');
    expect(Object.keys(before).length).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) expect((await agent.get(location)).status).toBe(200);
    expect(await limitCounters(gw, 'login')).toEqual(before);
  });

  it('keeps the flash out of another page and drops it once its page is shown', async () => {
    const agent = gw.agent();
    const post = await submitForm(agent, '/login?lang=en', '/login', { username: 'carol', password: 'wrong-pass-4' });
    const other = await agent.get('/signup');
    expect(other.text).not.toContain('error-summary');
    const page = await agent.get(String(post.headers.location));
    expect(page.text).toContain('The username or password is incorrect.');
    expect((await agent.get(String(post.headers.location))).text).not.toContain('error-summary');
  });

  it('points the language link of the page after a failure at the form with its returnTo', async () => {
    const agent = gw.agent();
    const { page } = await failedPost(agent, '/login?lang=en&returnTo=%2Faccount', '/login', { username: 'carol', password: 'wrong-pass-5', returnTo: '/account' });
    expect(page.text).toContain('href="/login?returnTo=%2Faccount&amp;lang=zh-CN"');
    const other = await agent.get('/login?returnTo=%2Faccount&lang=zh-CN');
    expect(other.text).toContain('<html lang="zh-CN">');
    expect(other.text).toContain('name="returnTo" value="/account"');
  });
});

describe('the session cookie', () => {
  it('is not set by a form view: the pre-login CSRF cookie is HttpOnly, SameSite=Lax, Path=/', async () => {
    const page = await gw.agent().get('/login');
    expect(sessionCookie(page)).toBeUndefined();
    const csrf = ((page.headers['set-cookie'] as unknown as string[] | undefined) ?? []).find((c) => c.startsWith('cbg.csrf='));
    expect(csrf).toMatch(/HttpOnly/);
    expect(csrf).toMatch(/SameSite=Lax/);
    expect(csrf).toMatch(/Path=\//);
  });

  /** A visitor with a server-side session before sign-in: one who started an SMS flow. */
  async function preLoginSession(agent: ReturnType<TestGateway['agent']>): Promise<string> {
    const sent = await submitForm(agent, '/login/sms', '/login/sms/code', { phone_number: '13800000001' });
    expect(sent.status).toBe(303);
    const cookie = sessionCookie(sent);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    return cookie!;
  }

  it('is HttpOnly, SameSite=Lax, Path=/ and changes at sign-in (fixation defence)', async () => {
    const agent = gw.agent();
    const before = await preLoginSession(agent);
    const res = await submitForm(agent, '/login', '/login', { username: 'alice', password: 'Passw0rd!alice' });
    const after = sessionCookie(res);
    expect(after).toBeDefined();
    expect(after!.split(';')[0]).not.toBe(before.split(';')[0]);
  });

  it('the pre-login session id no longer works after sign-in', async () => {
    const agent = gw.agent();
    const preLogin = (await preLoginSession(agent)).split(';')[0]!;
    expect((await submitForm(agent, '/login', '/login', { username: 'alice', password: 'Passw0rd!alice' })).headers.location).toBe('/');
    const replay = await gw.agent().get('/?lang=en').set('Cookie', preLogin);
    expect(replay.text).toContain('You are not signed in.');
  });

  it('keeps tokens out of the browser: the page and cookie hold none', async () => {
    const agent = gw.agent();
    const res = await submitForm(agent, '/login', '/login', { username: 'alice', password: 'Passw0rd!alice' });
    expect(JSON.stringify(res.headers)).not.toMatch(/eyJ/);
  });
});

describe('CSRF', () => {
  it('refuses a form without _csrf', async () => {
    const agent = gw.agent();
    await agent.get('/login');
    const res = await agent.post('/login').type('form').send({ username: 'alice', password: 'Passw0rd!alice' });
    expect(res.status).toBe(403);
  });

  it('refuses a foreign Origin even with a valid token', async () => {
    const agent = gw.agent();
    const token = await csrfFrom(agent, '/login');
    const res = await agent
      .post('/login')
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ _csrf: token, username: 'alice', password: 'Passw0rd!alice' });
    expect(res.status).toBe(403);
  });

  it('refuses Sec-Fetch-Site: cross-site', async () => {
    const agent = gw.agent();
    const token = await csrfFrom(agent, '/login');
    const res = await agent
      .post('/login')
      .set('Sec-Fetch-Site', 'cross-site')
      .type('form')
      .send({ _csrf: token, username: 'alice', password: 'Passw0rd!alice' });
    expect(res.status).toBe(403);
  });

  it('refuses a token from before sign-out (replayed after logout)', async () => {
    const agent = gw.agent();
    await submitForm(agent, '/login', '/login', { username: 'alice', password: 'Passw0rd!alice' });
    const logoutToken = await csrfFrom(agent, '/logout');
    const out = await agent.post('/logout').type('form').send({ _csrf: logoutToken });
    expect(out.status).toBe(303);
    const replay = await agent.post('/logout').type('form').send({ _csrf: logoutToken });
    expect(replay.status).toBe(403);
  });
});

describe('anonymous sign-in', () => {
  it('signs in as a guest', async () => {
    const agent = gw.agent();
    const res = await submitForm(agent, '/login', '/login/anonymous', {});
    expect(res.status).toBe(303);
    const home = await agent.get('/?lang=en');
    expect(home.text).toContain('You are signed in as a guest.');
  });
});

describe('when a person signs out', () => {
  it('shows a confirm page, then revokes upstream, destroys the session and clears the cookie', async () => {
    const agent = gw.agent();
    await submitForm(agent, '/login', '/login', { username: 'alice', password: 'Passw0rd!alice' });
    const keys = await gw.redis.keys(`${gw.config.redis.keyPrefix}s:*`);
    const before = (await gw.emu.stats())['POST /auth/v1/revoke'] ?? 0;
    const confirm = await agent.get('/logout?lang=en');
    expect(confirm.text).toContain('Do you want to sign out of this device?');
    const token = /name="_csrf" value="([^"]+)"/.exec(confirm.text)![1]!;
    const res = await agent.post('/logout').type('form').send({ _csrf: token });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?notice=signed_out');
    expect(sessionCookie(res)).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await gw.emu.stats())['POST /auth/v1/revoke']).toBe(before + 1);
    const after = await gw.redis.keys(`${gw.config.redis.keyPrefix}s:*`);
    expect(after.filter((k) => !k.endsWith(':t')).length).toBeLessThan(keys.filter((k) => !k.endsWith(':t')).length + 1);
    const home = await agent.get('/?lang=en');
    expect(home.text).toContain('You are not signed in.');
  });

  it('sends a signed-out visitor of the sign-out page home', async () => {
    const res = await gw.agent().get('/logout');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });
});
