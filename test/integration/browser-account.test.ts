import type TestAgent from 'supertest/lib/agent.js';
import { startTestGateway, csrfFrom, submitForm, type TestGateway } from '../support/gateway.js';
import { untilRefreshDue } from '../support/sessions.js';
import { failedPost, followFailure } from '../support/prg.js';
import { en } from '../../src/i18n/messages.js';

let gw: TestGateway;

interface Person {
  username: string;
  phone_number: string;
  email: string;
  password: string;
  name: string;
}

let seq = 0;
/** A fresh user per test, so no test depends on another's password change or deletion. */
async function newPerson(): Promise<Person> {
  seq += 1;
  const n = String(seq).padStart(2, '0');
  const p = { username: `acct${n}`, phone_number: `+86 139000000${n}`, email: `acct${n}@example.com`, password: `Passw0rd!acct${n}`, name: `Person ${n}` };
  gw.secrets.add(p.password);
  await gw.emu.createUser(p);
  return p;
}

async function signIn(username: string, password: string): Promise<TestAgent> {
  const agent = gw.agent();
  const res = await submitForm(agent, '/login', '/login', { username, password });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/');
  return agent;
}

async function canSignIn(username: string, password: string): Promise<boolean> {
  const res = await submitForm(gw.agent(), '/login', '/login', { username, password });
  // A failed sign-in answers 303 too, back to the form.
  return res.status === 303 && res.headers.location === '/';
}

async function expectSignedIn(agent: TestAgent): Promise<void> {
  const res = await agent.get('/account?lang=en');
  expect(res.status).toBe(200);
}

function changePassword(agent: TestAgent, fields: Record<string, string>) {
  return submitForm(agent, '/account?lang=en', '/account/password', fields);
}

function deleteAccount(agent: TestAgent, fields: Record<string, string>) {
  return submitForm(agent, '/account?lang=en', '/account/delete', fields);
}

beforeAll(async () => {
  gw = await startTestGateway();
});

afterEach(async () => {
  await gw.emu.setConfig({ fail: {}, latency_ms: 0, access_token_ttl_s: 7200 });
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

describe('when signed out', () => {
  it('sends a signed-out visit of the account page to sign-in with returnTo', async () => {
    const res = await gw.agent().get('/account');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?returnTo=%2Faccount');
  });

  it('sends a form POST to sign-in too, back to the account page', async () => {
    const res = await gw.agent().post('/account/password').type('form').send({ old_password: 'x', new_password: 'y' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?returnTo=%2Faccount');
  });
});

describe('the account page', () => {
  it('shows the profile from CloudBase, the sign-in methods and both forms, uncached', async () => {
    const p = await newPerson();
    const agent = await signIn(p.username, p.password);
    const res = await agent.get('/account?lang=en');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    for (const value of [p.name, p.username, p.email, p.phone_number]) expect(res.text).toContain(value);
    expect(res.text).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[^"]+">/);
    expect(res.text).toContain('data-provider="phone">SMS code: linked');
    expect(res.text).toContain('data-provider="email">Email: linked');
    const zh = await agent.get('/account?lang=zh-CN');
    expect(zh.text).toContain('data-provider="phone">短信验证码: 已绑定');
    expect(res.text).toContain('action="/account/password"');
    expect(res.text).toContain('name="old_password"');
    expect(res.text).toContain('name="new_password"');
    expect(res.text).toContain('action="/account/delete"');
    expect(res.text).toContain('This deletes your account and everything in it. It cannot be undone.');
    expect(res.text).toContain('class="danger"');
    expect(res.text).toContain('href="/account/sessions"');
  });

  it('shows a guest the note and no password forms', async () => {
    const agent = gw.agent();
    expect((await submitForm(agent, '/login', '/login/anonymous', {})).status).toBe(303);
    const res = await agent.get('/account?lang=en');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Guest accounts have no password.');
    expect(res.text).not.toContain('action="/account/password"');
    expect(res.text).not.toContain('action="/account/delete"');
  });

  it('refuses a guest who posts the password form anyway', async () => {
    const agent = gw.agent();
    await submitForm(agent, '/login', '/login/anonymous', {});
    const token = await csrfFrom(agent, '/logout');
    const res = await followFailure(agent, await agent.post('/account/password?lang=en').type('form').send({ _csrf: token, old_password: 'whatever1', new_password: 'Whatever-123' }));
    expect(res.errorStatus).toBe(403);
    expect(res.text).toContain('You cannot do that.');
  });

  it('sends a session whose refresh token is spent to sign in again, saying so', async () => {
    const p = await newPerson();
    await gw.emu.setConfig({ access_token_ttl_s: 1 });
    const agent = await signIn(p.username, p.password);
    await untilRefreshDue(Date.now(), 1);
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/token': 'invalid_grant' } });
    const res = await agent.get('/account');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?notice=session_expired&returnTo=%2Faccount');
    // CloudBase ended the sign-in: the sign-in page says it was ended elsewhere (guest-pages.test.ts has the cases).
    const login = await agent.get(`${res.headers.location}&lang=en`);
    expect(login.text).toContain(en['ended.upstream']);
    expect((await agent.get('/account')).headers.location).toBe('/login?returnTo=%2Faccount');
  });

  it('sends a session whose tokens CloudBase revoked to sign in again', async () => {
    const p = await newPerson();
    const agent = await signIn(p.username, p.password);
    await gw.emu.setConfig({ fail: { 'GET /auth/v1/user/me': 'unauthenticated' } });
    const res = await agent.get('/account');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?notice=session_expired&returnTo=%2Faccount');
  });
});

describe('changing the password', () => {
  it('changes it: the old one stops working, the new one works, this browser stays signed in', async () => {
    const p = await newPerson();
    const next = `${p.password}-new`;
    gw.secrets.add(next);
    const agent = await signIn(p.username, p.password);
    const res = await changePassword(agent, { old_password: p.password, new_password: next });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?notice=password_changed');
    // Signed in again with the new password: a new session id.
    expect(String(res.headers['set-cookie'])).toContain(`${gw.config.session.cookieName}=`);
    const page = await agent.get('/account?notice=password_changed&lang=en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Your password was changed.');
    expect(await canSignIn(p.username, p.password)).toBe(false);
    expect(await canSignIn(p.username, next)).toBe(true);
  });

  it('signs the other browsers of the user out', async () => {
    const p = await newPerson();
    const next = `${p.password}-new`;
    gw.secrets.add(next);
    const other = await signIn(p.email, p.password);
    const agent = await signIn(p.username, p.password);
    expect((await changePassword(agent, { old_password: p.password, new_password: next })).status).toBe(303);
    await expectSignedIn(agent);
    const res = await other.get('/account');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/login\?/);
  });

  it('shows the 403 for a wrong current password on the page, keeping the session and the password', async () => {
    const p = await newPerson();
    const wrong = 'Wrong-passw0rd';
    gw.secrets.add(wrong);
    const agent = await signIn(p.username, p.password);
    const res = await failedPost(agent, '/account?lang=en', '/account/password', { old_password: wrong, new_password: 'Another-passw0rd' });
    gw.secrets.add('Another-passw0rd');
    expect(res.errorStatus).toBe(403);
    expect(res.text).toContain('The current password is incorrect.');
    expect(res.text).toContain(p.username);
    await expectSignedIn(agent);
    expect(await canSignIn(p.username, p.password)).toBe(true);
  });

  it('shows the 400 for a weak new password on the page', async () => {
    const p = await newPerson();
    gw.secrets.add('abcdefgh');
    const agent = await signIn(p.username, p.password);
    const res = await failedPost(agent, '/account?lang=en', '/account/password', { old_password: p.password, new_password: 'abcdefgh' });
    expect(res.errorStatus).toBe(400);
    expect(res.text).toContain('Choose a stronger password');
    expect(await canSignIn(p.username, p.password)).toBe(true);
  });

  it('asks for both fields', async () => {
    const p = await newPerson();
    const agent = await signIn(p.username, p.password);
    const res = await failedPost(agent, '/account?lang=en', '/account/password', { old_password: p.password, new_password: '' });
    expect(res.errorStatus).toBe(400);
    // The field is named beside itself and in the summary, not a generic "some details are not valid".
    expect(res.text).toContain('<a href="#f-new_password">Fill in New password.</a>');
    expect(res.text).toMatch(/<input id="f-new_password"[^>]* aria-invalid="true"/);
  });

  it.each([
    ['POST /auth/v1/user/sudo', 'invalid_password', 403, 'The current password is incorrect.'],
    ['PATCH /auth/v1/user/password', 'weak_password', 400, 'Choose a stronger password'],
    ['PATCH /auth/v1/user/password', 'permission_denied', 403, 'Confirm your password again.'],
    ['POST /auth/v1/user/sudo', 'rate_limit_exceeded', 429, 'Too many requests.'],
  ])('maps a forced %s → %s to %i', async (call, error, status, message) => {
    const p = await newPerson();
    const agent = await signIn(p.username, p.password);
    const next = `${p.password}-x`;
    gw.secrets.add(next);
    await gw.emu.setConfig({ fail: { [call]: error } });
    const res = await failedPost(agent, '/account?lang=en', '/account/password', { old_password: p.password, new_password: next });
    expect(res.errorStatus).toBe(status);
    expect(res.text).toContain(message);
  });
});

describe('deleting the account', () => {
  it('deletes it, signs out, clears the cookie; the user can no longer sign in', async () => {
    const p = await newPerson();
    const agent = await signIn(p.username, p.password);
    const res = await deleteAccount(agent, { password: p.password });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?notice=account_deleted');
    const cookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
    expect(cookies.find((c) => c.startsWith(`${gw.config.session.cookieName}=`))).toMatch(/Expires=Thu, 01 Jan 1970/);
    const home = await agent.get('/?notice=account_deleted&lang=en');
    expect(home.text).toContain('Your account was deleted.');
    expect(home.text).toContain('You are not signed in.');
    expect(await canSignIn(p.username, p.password)).toBe(false);
  });

  it('refuses a wrong password with 403 and deletes nothing', async () => {
    const p = await newPerson();
    const wrong = 'Wrong-passw0rd';
    gw.secrets.add(wrong);
    const agent = await signIn(p.username, p.password);
    const res = await failedPost(agent, '/account?lang=en', '/account/delete', { password: wrong });
    expect(res.errorStatus).toBe(403);
    expect(res.text).toContain('The current password is incorrect.');
    await expectSignedIn(agent);
    expect(await canSignIn(p.username, p.password)).toBe(true);
  });

  it('maps a forced sudo failure and deletes nothing', async () => {
    const p = await newPerson();
    const agent = await signIn(p.username, p.password);
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/user/sudo': 'invalid_password' } });
    const res = await failedPost(agent, '/account?lang=en', '/account/delete', { password: p.password });
    expect(res.errorStatus).toBe(403);
    expect(res.text).toContain('The current password is incorrect.');
    await gw.emu.setConfig({ fail: {} });
    expect(await canSignIn(p.username, p.password)).toBe(true);
  });
});

describe('CSRF', () => {
  it.each(['/account/password', '/account/delete'])('refuses %s without _csrf and changes nothing', async (action) => {
    const p = await newPerson();
    const agent = await signIn(p.username, p.password);
    const res = await agent
      .post(action)
      .type('form')
      .send({ old_password: p.password, new_password: `${p.password}-z`, password: p.password });
    expect(res.status).toBe(403);
    expect(await canSignIn(p.username, p.password)).toBe(true);
  });
});

describe('when CloudBase is too slow', () => {
  // Just past the 300 ms timeout: the emulator's late answer is done long before teardown.
  const LATENCY_MS = 450;
  let slow: TestGateway;

  beforeAll(async () => {
    slow = await startTestGateway({ env: { CLOUDBASE_TIMEOUT_MS: '300' } });
  });

  afterAll(async () => {
    slow.assertNoLeaks();
    await slow.close();
  });

  it('shows the timeout page for the account page and keeps the session', async () => {
    const password = 'Passw0rd!slow01';
    slow.secrets.add(password);
    await slow.emu.createUser({ username: 'slow01', password });
    const agent = slow.agent();
    expect((await submitForm(agent, '/login', '/login', { username: 'slow01', password })).headers.location).toBe('/');
    await slow.emu.setConfig({ latency_ms: LATENCY_MS });
    const res = await agent.get('/account?lang=en');
    expect(res.status).toBe(504);
    expect(res.text).toContain('The sign-in service took too long to answer.');
    expect(res.headers['cache-control']).toBe('no-store');
    await slow.emu.setConfig({ latency_ms: 0 });
    expect((await agent.get('/account')).status).toBe(200);
  });

  it('shows the password form again with the timeout message and keeps the session', async () => {
    const password = 'Passw0rd!slow02';
    slow.secrets.add(password);
    slow.secrets.add(`${password}-new`);
    await slow.emu.createUser({ username: 'slow02', password });
    const agent = slow.agent();
    expect((await submitForm(agent, '/login', '/login', { username: 'slow02', password })).headers.location).toBe('/');
    const token = await csrfFrom(agent, '/account');
    await slow.emu.setConfig({ latency_ms: LATENCY_MS });
    const res = await followFailure(agent, await agent.post('/account/password?lang=en').type('form').send({ _csrf: token, old_password: password, new_password: `${password}-new` }));
    expect(res.errorStatus).toBe(504);
    expect(res.text).toContain('The sign-in service took too long to answer.');
    expect(res.text).toContain('action="/account/password"');
    await slow.emu.setConfig({ latency_ms: 0 });
    expect((await agent.get('/account')).status).toBe(200);
  });
});
