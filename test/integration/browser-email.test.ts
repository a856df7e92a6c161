/**
 * The pages' email alternative (sign-up, sign-in by code, password reset by a mailed code: plain forms, JavaScript
 * off) in both languages, its bad input, and "continue with your phone" after a provider sign-in CloudBase will not
 * sign up by itself: the identity is bound to the account the code sign-up creates.
 */
import type TestAgent from 'supertest/lib/agent.js';
import { finishSuite, startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { callbackPath, consent, setEmulatorProviders, startAt, waitUntil } from '../support/provider.js';
import { failedPost } from '../support/prg.js';

let gw: TestGateway;
let nextContact = 0;
const newEmail = (who = 'person') => `${who}.${process.pid}.${nextContact++}@Example.com`;
const newPhone = () => `136${String(process.pid % 10000).padStart(4, '0')}${String(nextContact++).padStart(4, '0')}`;
const DEFAULT_PROVIDERS = [{ id: 'wx_open' }, { id: 'github' }, { id: 'google' }];

beforeAll(async () => {
  gw = await startTestGateway({ env: { AUTH_PROVIDERS: 'wx_open,github=GitHub Enterprise,google', PUBLIC_ORIGIN: 'http://gateway.test' } });
});

afterEach(async () => {
  await setEmulatorProviders(gw.emulator.url, DEFAULT_PROVIDERS);
  await gw.emu.setConfig({ provider_token_ttl_s: 600 });
});

afterAll(() => finishSuite(gw));

function secret(password: string): string {
  gw.secrets.add(password);
  return password;
}

async function homeText(agent: TestAgent): Promise<string> {
  return (await agent.get('/?lang=en')).text;
}

/** Mails a code from `page` to `action` with the email form and returns the code the emulator mailed. */
async function mailCode(agent: TestAgent, page: string, action: string, email: string): Promise<string> {
  const res = await submitForm(agent, page, action, { email });
  expect(res.status).toBe(303);
  return gw.emu.mail(email.toLowerCase());
}

describe('the code pages offer an email alternative under the phone + code screen', () => {
  it.each([
    ['/signup', '/signup/verify', '/signup/code'],
    ['/login/sms', '/login/sms', '/login/sms/code'],
    ['/password/reset', '/password/reset', '/password/reset/code'],
  ])('%s has the phone + code form (%s) and an email form posting to %s, in English and Chinese', async (page, own, action) => {
    const en = await gw.agent().get(`${page}?lang=en`);
    const formsTo = (target: string) =>
      [...en.text.matchAll(new RegExp(`<form method="post" action="${target.replace(/\//g, '\\/')}"[^>]*>([\\s\\S]*?)</form>`, 'g'))].map((m) => m[0]);
    const phone = formsTo(own).filter((f) => f.includes('data-phone-code'));
    expect(phone).toHaveLength(1);
    expect(phone[0]).toContain('name="phone_number"');
    expect(phone[0]).toContain(`formaction="${action}"`);
    expect(phone[0]).not.toContain('name="email"');
    const forms = formsTo(action);
    expect(forms).toHaveLength(1);
    expect(forms[0]).toMatch(/<input id="f-email" name="email" type="email"[^>]*autocomplete="email"/);
    expect(forms[0]).not.toContain('name="phone_number"');
    expect(forms[0]).toContain('name="_csrf"');
    expect(en.text).toContain('Or use your email address');
    expect(en.text).toContain('Send code by email');
    const zh = await gw.agent().get(`${page}?lang=zh-CN`);
    expect(zh.text).toContain('或使用邮箱地址');
    expect(zh.text).toContain('发送邮箱验证码');
  });
});

describe('once a code went to an email address, the screen is the email field with the code field', () => {
  it.each([
    ['/signup', '/signup/verify', '/signup/code', 'en'],
    ['/login/sms', '/login/sms', '/login/sms/code', 'zh-CN'],
    ['/password/reset', '/password/reset', '/password/reset/code', 'en'],
  ])('%s: the address in the email field beside "get code", the code field ready, the phone offered below (%s)', async (page, own, action, lang) => {
    const agent = gw.agent();
    const email = newEmail('screen').toLowerCase();
    if (page !== '/signup') await gw.emu.createUser({ email });
    await mailCode(agent, page, action, email);
    const res = await agent.get(`${page}?lang=${lang}`);
    const screen = new RegExp(`<form method="post" action="${own.replace(/\//g, '\\/')}" novalidate data-phone-code>([\\s\\S]*?)</form>`).exec(res.text)![1]!;
    expect(screen).toMatch(
      new RegExp(`<input id="f-email" name="email" type="email" value="${email.replace(/\./g, '\\.')}"[^>]*>\\s*<button type="submit" class="secondary get-code" formaction="${action.replace(/\//g, '\\/')}"`),
    );
    expect(screen).not.toContain('name="phone_number"');
    expect(screen).toMatch(/<input id="f-verification_code"[^>]* autofocus>/);
    const below = new RegExp(`<form method="post" action="${action.replace(/\//g, '\\/')}" novalidate class="other-channel">([\\s\\S]*?)</form>`).exec(res.text)![1]!;
    expect(below).toMatch(/<input id="f-phone_number" name="phone_number" type="tel"/);
    expect(below).not.toMatch(/name="phone_number"[^>]* value=/);
    expect(below).not.toContain('name="email"');
    expect(res.text).toContain(lang === 'en' ? 'Or use your mobile number' : '或使用手机号');
    // Sending to a number from there turns the screen back to the phone field, the code field ready for that code.
    const phone = newPhone();
    expect((await submitForm(agent, `${page}?lang=${lang}`, action, { phone_number: phone })).status).toBe(303);
    const back = await agent.get(`${page}?lang=${lang}`);
    const phoneScreen = new RegExp(`<form method="post" action="${own.replace(/\//g, '\\/')}" novalidate data-phone-code>([\\s\\S]*?)</form>`).exec(back.text)![1]!;
    expect(phoneScreen).toMatch(/<input id="f-phone_number" name="phone_number" type="tel" value="[^"@]+"/);
    expect(phoneScreen).not.toContain('name="email"');
    expect(phoneScreen).toMatch(/<input id="f-verification_code"[^>]* autofocus>/);
    expect(back.text).toContain(lang === 'en' ? 'Or use your email address' : '或使用邮箱地址');
  });
});

describe('email sign-up on the pages', () => {
  it('mails a code, shows where it went (masked), and creates the account with that email', async () => {
    const agent = gw.agent();
    const email = newEmail('signup');
    const code = await mailCode(agent, '/signup', '/signup/code', email);
    const step1 = await agent.get('/signup?lang=en');
    expect(step1.text).toContain('Step 1 of 2');
    // One screen: the email field (the address as sent, to ask again) with the code field; never the phone field.
    const screen = /<form method="post" action="\/signup\/verify" novalidate data-phone-code>([\s\S]*?)<\/form>/.exec(step1.text)![1]!;
    expect(screen).toMatch(new RegExp(`<input id="f-email" name="email" type="email" value="${email.toLowerCase().replace(/\./g, '\\.')}"`));
    expect(screen).not.toContain('name="phone_number"');
    expect(screen).toMatch(/<input id="f-verification_code"[^>]* autofocus>/);
    expect(step1.text).toContain('si***@example.com');
    // Beyond that field's value, the page names the address only masked.
    expect(step1.text.replace(`value="${email.toLowerCase()}"`, '')).not.toContain(email.toLowerCase());
    const verified = await submitForm(agent, '/signup', '/signup/verify', { verification_code: code });
    expect(verified.headers.location).toBe('/signup');
    const step2 = await agent.get('/signup?lang=zh-CN');
    expect(step2.text).toContain('第 2 步（共 2 步）');
    expect(step2.text).toContain('账号将使用 si***@example.com。');
    const done = await submitForm(agent, '/signup', '/signup', { name: 'Mailed Person', password: secret('Str0ng!pass-mail') });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/');
    expect(await homeText(agent)).toContain('You are signed in as Mailed Person.');
    const user = [...gw.emulator.state.users.values()].find((u) => u.email === email.toLowerCase());
    expect(user?.name).toBe('Mailed Person');
  });
});

describe('email sign-in by code on the pages', () => {
  it('signs a registered address in and lands on returnTo', async () => {
    const email = newEmail('known').toLowerCase();
    await gw.emu.createUser({ email, name: 'Known Mail' });
    const agent = gw.agent();
    const token = await (async () => {
      const page = await agent.get('/login/sms?returnTo=%2Faccount');
      return /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    })();
    const sent = await agent.post('/login/sms/code').type('form').send({ _csrf: token, email, returnTo: '/account' });
    expect(sent.status).toBe(303);
    const res = await submitForm(agent, '/login/sms', '/login/sms', { verification_code: await gw.emu.mail(email) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
    expect(await homeText(agent)).toContain('You are signed in as Known Mail.');
  });
});

describe('password reset by a mailed code on the pages', () => {
  it('sets the new password, which then signs in with the email', async () => {
    const email = newEmail('reset').toLowerCase();
    await gw.emu.createUser({ email, password: secret('Old!passw0rd-page') });
    const agent = gw.agent();
    const code = await mailCode(agent, '/password/reset', '/password/reset/code', email);
    const step = await agent.get('/password/reset?lang=en');
    expect(step.text).toContain('If re***@example.com belongs to an account, we sent it a code.');
    const done = await submitForm(agent, '/password/reset', '/password/reset', { verification_code: code, new_password: secret('New!passw0rd-page') });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/login?notice=password_reset');
    const login = await submitForm(gw.agent(), '/login', '/login', { username: email, password: 'New!passw0rd-page' });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/');
  });
});

describe('when the email form gets bad input', () => {
  it.each([
    ['en', 'not-an-email', 'Enter a valid email address.'],
    ['zh-CN', 'two@@example.com', '请输入有效的邮箱地址。'],
    ['en', '', 'Enter a valid email address.'],
  ])('(%s) refuses %j: 400, the email field marked, the address kept, nothing sent', async (lang, email, message) => {
    const before = (await gw.emu.stats())['POST /auth/v1/verification'] ?? 0;
    const res = await failedPost(gw.agent(), '/signup', `/signup/code?lang=${lang}`, { email });
    expect(res.errorStatus).toBe(400);
    expect(res.location).toBe('/signup');
    expect(res.text).toContain(message);
    expect(res.text).toMatch(/<input id="f-email" name="email" type="email"[^>]*aria-invalid="true"/);
    if (email) expect(res.text).toContain(`value="${email}"`);
    expect((await gw.emu.stats())['POST /auth/v1/verification'] ?? 0).toBe(before);
  });

  it('refuses a post with both a phone number and an email (a crafted form), sending nothing', async () => {
    const before = (await gw.emu.stats())['POST /auth/v1/verification'] ?? 0;
    const res = await failedPost(gw.agent(), '/login/sms', '/login/sms/code?lang=en', { phone_number: newPhone(), email: newEmail() });
    expect(res.errorStatus).toBe(400);
    expect(res.location).toBe('/login/sms');
    expect(res.text).toContain('Give either phone_number or email, not both.');
    expect((await gw.emu.stats())['POST /auth/v1/verification'] ?? 0).toBe(before);
  });

  it('refuses an address too long for a form field', async () => {
    const res = await failedPost(gw.agent(), '/password/reset', '/password/reset/code?lang=en', { email: `${'x'.repeat(300)}@example.com` });
    expect(res.errorStatus).toBe(400);
    expect(res.location).toBe('/password/reset');
    expect(res.text).toContain('Enter a valid email address.');
  });
});

describe('continue with your phone after a provider CloudBase will not sign up by itself', () => {
  async function refusedProviderSignIn(agent: TestAgent, sub: string, lang = 'en'): Promise<string> {
    await setEmulatorProviders(gw.emulator.url, [{ id: 'wx_open' }, { id: 'github', auto_sign_up: false }, { id: 'google' }]);
    const callback = await consent(await startAt(agent, '/login/provider/github?returnTo=%2Faccount'), 'approve', { sub, name: `Person ${sub}` });
    const res = await agent.get(`${callbackPath(callback)}&lang=${lang}`);
    expect(res.status).toBe(403);
    return res.text;
  }

  it('the page offers to continue; the phone sign-up binds the identity, which then signs in to the same account', async () => {
    const agent = gw.agent();
    const page = await refusedProviderSignIn(agent, 'gh-continue-1');
    expect(page).toContain('Continue with your phone');
    expect(page).toContain('href="/signup?returnTo=%2Faccount"');
    const signup = await agent.get('/signup?returnTo=%2Faccount&lang=en');
    expect(signup.text).toContain('The new account will also sign in with GitHub Enterprise.');
    const phone = newPhone();
    expect((await submitForm(agent, '/signup', '/signup/code', { phone_number: phone, returnTo: '/account' })).status).toBe(303);
    expect((await agent.get('/signup?lang=zh-CN')).text).toContain('新账号也将可以用GitHub Enterprise登录。');
    expect((await submitForm(agent, '/signup', '/signup/verify', { verification_code: await gw.emu.sms(`+86 ${phone}`) })).status).toBe(303);
    const done = await submitForm(agent, '/signup', '/signup', { name: 'Continued' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/account');

    // The account page lists the identity among the sign-in methods (it can be unlinked).
    const account = await agent.get('/account?lang=en');
    expect(account.text).toMatch(/<li data-provider="github">[^<]*: linked\s*<form method="post" action="\/account\/provider\/github\/unbind"/);
    const sub = [...gw.emulator.state.users.values()].find((u) => u.phone_number === `+86 ${phone}`)!.sub;
    expect(gw.emulator.state.users.get(sub)!.identities?.map((i) => `${i.providerId}:${i.sub}`)).toEqual(['github:gh-continue-1']);

    // Another browser signs in with the same identity and lands on the same account, though sign-up is still off.
    const other = gw.agent();
    const back = await other.get(callbackPath(await consent(await startAt(other, '/login/provider/github'), 'approve', { sub: 'gh-continue-1' })));
    expect(back.status).toBe(303);
    expect(await homeText(other)).toContain('You are signed in as Continued.');
  });

  it('works with the email alternative too, in Chinese', async () => {
    const agent = gw.agent();
    const page = await refusedProviderSignIn(agent, 'gh-continue-2', 'zh-CN');
    expect(page).toContain('用手机号继续');
    const email = newEmail('continue');
    const code = await mailCode(agent, '/signup', '/signup/code', email);
    await submitForm(agent, '/signup', '/signup/verify', { verification_code: code });
    const done = await submitForm(agent, '/signup', '/signup', { name: 'Mail Continued' });
    expect(done.status).toBe(303);
    expect(done.headers.location).not.toMatch(/^\/signup/);
    const user = [...gw.emulator.state.users.values()].find((u) => u.email === email.toLowerCase())!;
    expect(user.identities?.map((i) => i.sub)).toEqual(['gh-continue-2']);
  });

  it('an expired provider token gives a clear page at sign-up: 400, no account, no session', async () => {
    await gw.emu.setConfig({ provider_token_ttl_s: 1 });
    const agent = gw.agent();
    await refusedProviderSignIn(agent, 'gh-expired-page');
    const phone = newPhone();
    await submitForm(agent, '/signup', '/signup/code', { phone_number: phone });
    await submitForm(agent, '/signup', '/signup/verify', { verification_code: await gw.emu.sms(`+86 ${phone}`) });
    const tokens = [...gw.emulator.state.providerTokens.values()].filter((t) => t.identity.sub === 'gh-expired-page');
    expect(tokens).toHaveLength(1);
    await waitUntil(() => tokens.every((t) => t.expiresAt < Date.now()), 'the provider token to expire');
    const res = await failedPost(agent, '/signup', '/signup?lang=en', { name: 'Too Late' });
    expect(res.errorStatus).toBe(400);
    expect(res.text).toContain('The provider sign-in could not be completed (it expired or was already used).');
    expect(await homeText(agent)).toContain('You are not signed in.');
    expect([...gw.emulator.state.users.values()].some((u) => u.phone_number === `+86 ${phone}`)).toBe(false);
    // The identity is forgotten: the page no longer says it will be linked.
    expect((await agent.get('/signup?lang=en')).text).not.toContain('will also sign in with');
  });
});
