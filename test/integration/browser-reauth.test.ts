import type TestAgent from 'supertest/lib/agent.js';
import { csrfFrom, startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { failedPost } from '../support/prg.js';
import { RELAXED_LIMITS } from '../support/api.js';

/**
 * The pages of re-authentication by a code (JavaScript off: plain form posts): an account made by SMS, which has no
 * password, sets one and deletes itself after a code to its own phone; a contact change proved by a code to the old
 * phone. Both languages; real HTTP, the emulator and Redis.
 */
let gw: TestGateway;
let seq = 0;

beforeAll(async () => {
  gw = await startTestGateway({ env: RELAXED_LIMITS });
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

const national = () => `1350000${String(++seq).padStart(4, '0')}`;
const masked = (n: string) => `+86 ${n.slice(0, 3)}****${n.slice(7)}`;
const userOf = (sub: string) => gw.emulator.state.users.get(sub);

/** An account made by an SMS code (no password), signed in by one in this browser. */
async function smsOnly(): Promise<{ agent: TestAgent; phone: string; sub: string }> {
  const phone = national();
  const { sub } = await gw.emu.createUser({ phone_number: `+86 ${phone}` });
  const agent = gw.agent();
  expect((await submitForm(agent, '/login/sms', '/login/sms/code', { phone_number: phone })).status).toBe(303);
  const res = await submitForm(agent, '/login/sms', '/login/sms', { verification_code: await gw.emu.sms(`+86 ${phone}`) });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/');
  return { agent, phone, sub };
}

async function confirmByCode(agent: TestAgent, page: string, base: string, phone: string): Promise<void> {
  const sent = await submitForm(agent, page, `${base}/reauth/code`, {});
  expect(sent.status).toBe(303);
  expect(sent.headers.location).toBe(`${base}#reauth`);
  const res = await submitForm(agent, page, `${base}/reauth`, { verification_code: await gw.emu.sms(`+86 ${phone}`) });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe(`${base}?notice=reauthenticated`);
}

describe.each([
  ['en', { heading: 'Confirm it&#39;s you', set: 'Set a password', current: 'Current password', sent: 'sent to' }],
  ['zh-CN', { heading: '验证身份', set: '设置密码', current: '当前密码', sent: '已发送至' }],
])('the account page of an account without a password (%s)', (lang, words) => {
  it('asks for no current password: it offers a code to its own phone, named masked, then the forms', async () => {
    const { agent, phone } = await smsOnly();
    const first = await agent.get(`/account?lang=${lang}`);
    expect(first.status).toBe(200);
    expect(first.text).toContain(words.heading);
    expect(first.text).toContain(masked(phone));
    expect(first.text).toContain(words.set);
    expect(first.text).not.toContain('name="old_password"');
    expect(first.text).not.toContain('action="/account/delete"');
    expect(first.text).toContain('action="/account/reauth/code"');

    expect((await submitForm(agent, `/account?lang=${lang}`, '/account/reauth/code', {})).headers.location).toBe('/account#reauth');
    const codeStep = await agent.get(`/account?lang=${lang}`);
    expect(codeStep.text).toContain('action="/account/reauth"');
    expect(codeStep.text).toContain(`${words.sent} ${masked(phone)}`);
    expect(codeStep.text).toContain('autocomplete="one-time-code"');

    const res = await submitForm(agent, `/account?lang=${lang}`, '/account/reauth', { verification_code: await gw.emu.sms(`+86 ${phone}`) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?notice=reauthenticated');
    const confirmed = await agent.get(`/account?lang=${lang}`);
    expect(confirmed.text).toContain('action="/account/password"');
    expect(confirmed.text).toContain('action="/account/delete"');
    expect(confirmed.text).not.toContain('name="old_password"');
    expect(confirmed.text).not.toContain(`>${words.current}<`);
  });
});

describe('setting a password and deleting the account by a code', () => {
  it('sets a password: it signs in with the phone, and this browser stays signed in', async () => {
    const { agent, phone, sub } = await smsOnly();
    await confirmByCode(agent, '/account?lang=en', '/account', phone);
    const password = `Passw0rd!page-${seq}`;
    gw.secrets.add(password);
    const res = await submitForm(agent, '/account?lang=en', '/account/password', { new_password: password });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?notice=password_changed');
    expect(userOf(sub)?.passwordHash).toBeDefined();
    expect((await agent.get('/account?lang=en')).status).toBe(200);
    expect((await submitForm(gw.agent(), '/login', '/login', { username: phone, password })).headers.location).toBe('/');
    // now it has a password: the page asks for it again
    const page = await agent.get('/account?lang=en');
    expect(page.text).toContain('name="old_password"');
  });

  it('deletes the account without a password once confirmed; it is gone upstream and here', async () => {
    const { agent, phone, sub } = await smsOnly();
    await confirmByCode(agent, '/account?lang=en', '/account', phone);
    const res = await submitForm(agent, '/account?lang=en', '/account/delete', {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?notice=account_deleted');
    expect(userOf(sub)).toBeUndefined();
    expect((await agent.get('/account')).status).toBe(303);
  });

  it('refuses a delete that skipped the code with 403 on the page, deleting nothing', async () => {
    const { agent, sub } = await smsOnly();
    const res = await failedPost(agent, '/account?lang=en', '/account/delete', {});
    expect(res.errorStatus).toBe(403);
    expect(res.location).toBe('/account');
    expect(res.text).toContain('confirm it&#39;s you with a code first');
    // the summary links to no password field the page does not have
    expect(res.text).not.toContain('href="#f-password"');
    expect(res.text).toContain('href="#reauth"');
    expect(userOf(sub)).toBeDefined();
  });

  it('tells an account without a password that typed one to use a code (not "wrong username or password")', async () => {
    const { agent, sub } = await smsOnly();
    const typed = 'Guessed-passw0rd!';
    gw.secrets.add(typed);
    const res = await failedPost(agent, '/account?lang=en', '/account/delete', { password: typed });
    expect(res.errorStatus).toBe(403);
    expect(res.text).toContain('This account has no password: confirm it&#39;s you with a code instead.');
    expect(res.text).not.toContain(typed);
    expect(userOf(sub)).toBeDefined();
  });

  it('shows a wrong code with 400 beside the code field on the page, still unconfirmed', async () => {
    const { agent, phone } = await smsOnly();
    expect((await submitForm(agent, '/account?lang=en', '/account/reauth/code', {})).headers.location).toBe('/account#reauth');
    const code = await gw.emu.sms(`+86 ${phone}`);
    const res = await failedPost(agent, '/account?lang=en', '/account/reauth', { verification_code: code === '000000' ? '111111' : '000000' });
    expect(res.errorStatus).toBe(400);
    expect(res.location).toBe('/account');
    expect(res.text).toContain('aria-invalid="true"');
    expect(res.text).toContain('action="/account/reauth"');
    expect(res.text).not.toContain('action="/account/delete"');
  });

  it('spends the confirmation on the one step it was for', async () => {
    const { agent, phone, sub } = await smsOnly();
    await confirmByCode(agent, '/account?lang=en', '/account', phone);
    const password = `Passw0rd!once-${seq}`;
    gw.secrets.add(password);
    expect((await submitForm(agent, '/account?lang=en', '/account/password', { new_password: password })).headers.location).toBe('/account?notice=password_changed');
    const again = await failedPost(agent, '/account?lang=en', '/account/delete', {});
    expect(again.errorStatus).toBe(403);
    expect(userOf(sub)).toBeDefined();
  });
});

describe.each(['en', 'zh-CN'])('changing the phone by a code to the old one (%s)', (lang) => {
  it('needs no password once the old phone confirmed it', async () => {
    const { agent, phone, sub } = await smsOnly();
    const next = national();
    const page = `/account/contact?lang=${lang}`;
    expect((await submitForm(agent, page, '/account/contact/code', { phone_number: next })).status).toBe(303);
    const verify = await agent.get(page);
    expect(verify.text).toContain('action="/account/contact/reauth/code"');
    expect(verify.text).toContain(masked(phone));
    const newCode = await gw.emu.sms(`+86 ${next}`);

    await confirmByCode(agent, page, '/account/contact', phone);
    const confirmed = await agent.get(page);
    expect(confirmed.text).not.toContain('name="password"');
    const csrf = await csrfFrom(agent, page);
    const res = await agent.post('/account/contact').type('form').send({ _csrf: csrf, verification_code: newCode });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?notice=contact_changed');
    expect(userOf(sub)?.phone_number).toBe(`+86 ${next}`);
  });
});
