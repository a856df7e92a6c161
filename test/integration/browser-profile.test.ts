import type TestAgent from 'supertest/lib/agent.js';
import { startTestGateway, csrfFrom, submitForm, type TestGateway } from '../support/gateway.js';
import { failedPost, followFailure } from '../support/prg.js';

/** "Edit profile" (/account/profile): JavaScript off, both languages, against the emulator and Redis. */
let gw: TestGateway;

let seq = 0;
async function newPerson(): Promise<{ username: string; password: string; name: string }> {
  seq += 1;
  const p = { username: `bprof${seq}`, password: `Passw0rd!bprof-${seq}`, name: `Browser ${seq}` };
  gw.secrets.add(p.password);
  await gw.emu.createUser(p);
  return p;
}

async function signIn(p: { username: string; password: string }): Promise<TestAgent> {
  const agent = gw.agent();
  expect((await submitForm(agent, '/login', '/login', { username: p.username, password: p.password })).headers.location).toBe('/');
  return agent;
}

const fields = (over: Record<string, string> = {}) => ({ name: '', username: '', gender: '', picture: '', ...over });

beforeAll(async () => {
  gw = await startTestGateway();
});

afterEach(async () => {
  await gw.emu.setConfig({ fail: {} });
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

describe('when a person edits the profile in the browser', () => {
  it('sends a signed-out browser to sign in, coming back here', async () => {
    const res = await gw.agent().get('/account/profile');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?returnTo=%2Faccount%2Fprofile');
  });

  it.each([
    ['en', 'Edit profile', 'Save profile', 'Your profile was saved.'],
    ['zh-CN', '编辑个人资料', '保存资料', '个人资料已保存。'],
  ])('in %s: shows the current values, saves the form, and the account page and session show the new profile', async (lang, heading, save, saved) => {
    const p = await newPerson();
    const agent = await signIn(p);
    const page = await agent.get(`/account/profile?lang=${lang}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(heading);
    expect(page.text).toContain(save);
    expect(page.text).toContain(`value="${p.name}"`);
    expect(page.text).toContain(`value="${p.username}"`);
    const picture = 'https://img.example.com/a.png';
    const res = await submitForm(agent, `/account/profile?lang=${lang}`, `/account/profile?lang=${lang}`, fields({ name: `Renamed ${lang}`, gender: 'MALE', picture }));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?notice=profile_saved');
    const account = await agent.get(`/account?notice=profile_saved&lang=${lang}`);
    expect(account.text).toContain(saved);
    expect(account.text).toContain(`Renamed ${lang}`);
    const again = await agent.get(`/account/profile?lang=${lang}`);
    expect(again.text).toMatch(/<option value="MALE" selected>/);
    expect(again.text).toContain(`value="${picture}"`);
    const session = await agent.get('/api/session');
    expect(session.body.user).toMatchObject({ name: `Renamed ${lang}`, picture });
  });

  it.each([
    ['en', 'That username is taken. Choose another one.'],
    ['zh-CN', '该用户名已被占用，请换一个。'],
  ])('in %s: a taken username is named on its field, with what was typed kept and nothing saved', async (lang, message) => {
    const other = await newPerson();
    const p = await newPerson();
    const agent = await signIn(p);
    const res = await failedPost(agent, `/account/profile?lang=${lang}`, `/account/profile?lang=${lang}`, fields({ name: 'Typed name', username: other.username }));
    expect(res.errorStatus).toBe(409);
    expect(res.text).toContain(message);
    expect(res.text).toContain('aria-invalid="true"');
    expect(res.text).toContain('value="Typed name"');
    expect((await agent.get('/api/session')).body.user).toMatchObject({ name: p.name, username: p.username });
  });

  it.each([
    [{ picture: 'javascript:alert(1)' }, 'The picture must be an http:// or https:// address.'],
    [{ username: '-x' }, 'A username has 2–48 letters'],
    [{ gender: 'OTHER' }, 'is not valid'],
  ])('refuses %j with a 400 beside the field', async (bad, message) => {
    const p = await newPerson();
    const agent = await signIn(p);
    const res = await failedPost(agent, '/account/profile?lang=en', '/account/profile?lang=en', fields({ name: p.name, ...bad }));
    expect(res.errorStatus).toBe(400);
    expect(res.text).toContain(message);
    expect((await agent.get('/api/session')).body.user.name).toBe(p.name);
  });

  it('refuses a post without the CSRF token and saves nothing', async () => {
    const p = await newPerson();
    const agent = await signIn(p);
    await csrfFrom(agent, '/account/profile');
    const res = await agent.post('/account/profile').type('form').send(fields({ name: 'Forged' }));
    expect(res.status).toBe(403);
    expect((await agent.get('/api/session')).body.user.name).toBe(p.name);
  });

  it('shows CloudBase being away as such and keeps the session', async () => {
    const p = await newPerson();
    const agent = await signIn(p);
    const token = await csrfFrom(agent, '/account/profile');
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/user/basic/edit': 'unavailable' } });
    const res = await followFailure(agent, await agent.post('/account/profile?lang=en').type('form').send({ _csrf: token, ...fields({ name: 'Lost' }) }));
    expect(res.errorStatus).toBe(503);
    expect(res.text).toContain('action="/account/profile"');
    expect((await agent.get('/account/profile')).status).toBe(200);
  });
});

describe('when a person reads the sign-in history in the browser', () => {
  it.each([
    ['en', 'Sign-in history', 'this session'],
    ['zh-CN', '登录记录', '当前会话'],
  ])('in %s: lists the sign-ins with this session marked, linked from the account page', async (lang, heading, marker) => {
    const p = await newPerson();
    await signIn(p);
    const agent = await signIn(p);
    expect((await agent.get(`/account?lang=${lang}`)).text).toContain('href="/account/history"');
    const res = await agent.get(`/account/history?lang=${lang}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(heading);
    expect(res.text.match(/data-entry=/g)).toHaveLength(2);
    expect(res.text.match(new RegExp(`\\(${marker}\\)`, 'g'))).toHaveLength(1);
    expect(res.text).toMatch(/<time datetime="\d{4}-\d\d-\d\dT/);
  });

  it('sends a signed-out browser to sign in, coming back here', async () => {
    const res = await gw.agent().get('/account/history');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?returnTo=%2Faccount%2Fhistory');
  });
});

describe('when a person signs out everywhere in the browser', () => {
  it.each([
    ['en', 'Sign out everywhere', 'You were signed out everywhere.'],
    ['zh-CN', '退出所有设备', '已在所有设备上退出登录。'],
  ])('in %s: the button ends this browser and every other session of the account', async (lang, button, done) => {
    const p = await newPerson();
    const elsewhere = await signIn(p);
    const agent = await signIn(p);
    const page = await agent.get(`/account/sessions?lang=${lang}`);
    expect(page.text).toContain(button);
    expect(page.text).toContain('action="/account/sessions/revoke-all"');
    const res = await submitForm(agent, '/account/sessions', '/account/sessions/revoke-all', {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?notice=signed_out_everywhere');
    expect((await agent.get(`/login?notice=signed_out_everywhere&lang=${lang}`)).text).toContain(done);
    expect((await agent.get('/account')).status).toBe(303);
    expect((await elsewhere.get('/account')).status).toBe(303);
  });

  it('refuses a post without the CSRF token and ends nothing', async () => {
    const p = await newPerson();
    const agent = await signIn(p);
    const res = await agent.post('/account/sessions/revoke-all').type('form').send({});
    expect(res.status).toBe(403);
    expect((await agent.get('/account')).status).toBe(200);
  });
});

describe('a guest who signs up in the browser', () => {
  it('keeps the same sub through the sign-up pages', async () => {
    const agent = gw.agent();
    expect((await submitForm(agent, '/login', '/login/anonymous', {})).status).toBe(303);
    const guest = (await agent.get('/api/session')).body.user;
    expect(guest.anonymous).toBe(true);
    seq += 1;
    const phone = `1360000${String(seq).padStart(4, '0')}`;
    expect((await submitForm(agent, '/signup', '/signup/code', { phone_number: phone })).status).toBe(303);
    const code = await gw.emu.sms(`+86 ${phone}`);
    expect((await submitForm(agent, '/signup', '/signup/verify', { verification_code: code })).status).toBe(303);
    const password = `Passw0rd!bguest-${seq}`;
    gw.secrets.add(password);
    expect((await submitForm(agent, '/signup', '/signup', { name: 'Guest no more', username: `bguest${seq}`, password })).status).toBe(303);
    expect((await agent.get('/api/session')).body.user).toMatchObject({ sub: guest.sub, anonymous: false, name: 'Guest no more' });
  });
});

describe('when a person changes phone or email in the browser', () => {
  const newPhone = () => {
    seq += 1;
    return `1340000${String(seq).padStart(4, '0')}`;
  };

  it.each([
    ['en', 'Change phone or email', '6 digits, sent to', 'Your phone number or email was changed.'],
    ['zh-CN', '更换手机号或邮箱', '6 位数字，已发送至', '手机号或邮箱已更换。'],
  ])('in %s: new phone → code and password → changed, shown at once', async (lang, heading, codeHint, changed) => {
    const p = await newPerson();
    const agent = await signIn(p);
    const page = await agent.get(`/account/contact?lang=${lang}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(heading);
    const phone = newPhone();
    const sent = await submitForm(agent, '/account/contact', '/account/contact/code', { phone_number: phone, email: '' });
    expect(sent.status).toBe(303);
    const step2 = await agent.get(`/account/contact?lang=${lang}`);
    expect(step2.text).toContain(codeHint);
    expect(step2.text).toContain('action="/account/contact"');
    const code = await gw.emu.sms(`+86 ${phone}`);
    const res = await submitForm(agent, '/account/contact', '/account/contact', { verification_code: code, password: p.password });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?notice=contact_changed');
    const account = await agent.get(`/account?notice=contact_changed&lang=${lang}`);
    expect(account.text).toContain(changed);
    expect((await agent.get('/api/session')).body.user.phone_number).toBe(`+86 ${phone}`);
  });

  it.each([
    ['en', 'This phone number or email belongs to another account.'],
    ['zh-CN', '该手机号或邮箱已属于另一个账号。'],
  ])('in %s: a phone of another account is refused clearly, nothing changed', async (lang, message) => {
    const phone = newPhone();
    await gw.emu.createUser({ username: `bowner${seq}`, phone_number: `+86 ${phone}` });
    const p = await newPerson();
    const agent = await signIn(p);
    await submitForm(agent, '/account/contact', '/account/contact/code', { phone_number: phone, email: '' });
    const code = await gw.emu.sms(`+86 ${phone}`);
    const res = await failedPost(agent, '/account/contact', `/account/contact?lang=${lang}`, { verification_code: code, password: p.password });
    expect(res.errorStatus).toBe(409);
    expect(res.text).toContain(message);
    expect((await agent.get('/api/session')).body.user.phone_number).toBeNull();
  });

  it('a wrong password is marked on its field; the restart button goes back to the first step', async () => {
    const p = await newPerson();
    const agent = await signIn(p);
    const phone = newPhone();
    await submitForm(agent, '/account/contact', '/account/contact/code', { phone_number: phone, email: '' });
    const code = await gw.emu.sms(`+86 ${phone}`);
    const res = await failedPost(agent, '/account/contact?lang=en', '/account/contact', { verification_code: code, password: 'Wrong-passw0rd' });
    expect(res.errorStatus).toBe(403);
    expect(res.text).toContain('aria-invalid="true"');
    expect((await submitForm(agent, '/account/contact', '/account/contact/restart', {})).status).toBe(303);
    expect((await agent.get('/account/contact')).text).toContain('action="/account/contact/code"');
  });

  it('an invalid phone is a 400 beside the field', async () => {
    const agent = await signIn(await newPerson());
    const res = await failedPost(agent, '/account/contact', '/account/contact/code?lang=en', { phone_number: '12345', email: '' });
    expect(res.errorStatus).toBe(400);
    expect(res.text).toContain('aria-invalid="true"');
  });
});
