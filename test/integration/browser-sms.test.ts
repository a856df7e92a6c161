import type TestAgent from 'supertest/lib/agent.js';
import { csrfFrom, finishSuite, startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { failedPost, followFailure } from '../support/prg.js';

let gw: TestGateway;
/** Each test gets numbers of its own, so codes and accounts never cross. */
let nextNumber = 1000;
const newPhone = () => `138${String(nextNumber++).padStart(8, '0')}`;
const canonical = (national: string) => `+86 ${national}`;
const masked = (national: string) => `+86 ${national.slice(0, 3)}****${national.slice(7)}`;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterEach(async () => {
  await gw.emu.setConfig({ fail: {}, sms_cooldown_s: 0 });
});

afterAll(() => finishSuite(gw));

function secret(password: string): string {
  gw.secrets.add(password);
  return password;
}

function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

function fullWidth(digits: string): string {
  return digits.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
}

async function signedInText(agent: TestAgent): Promise<string> {
  return (await agent.get('/?lang=en')).text;
}

/** Sends a code from `page` to `action` and returns the code the emulator sent. */
async function sendCode(agent: TestAgent, page: string, action: string, phone: string, extra: Record<string, string> = {}) {
  const res = await submitForm(agent, page, action, { phone_number: phone, ...extra });
  expect(res.status).toBe(303);
  return gw.emu.sms(canonical(phone.replace(/\D/g, '').slice(-11)));
}

function lastCaptchaKey(): string {
  const all = [...gw.emulator.state.captchas.values()];
  return all[all.length - 1]!.key;
}

describe('SMS sign-up', () => {
  it('creates the account in two steps (number and code on one screen, then the profile) and signs the person in', async () => {
    const agent = gw.agent();
    const phone = newPhone();
    const code = await sendCode(agent, '/signup', '/signup/code', phone);

    const step1 = await agent.get('/signup?lang=en');
    expect(step1.text).toContain('Step 1 of 2');
    expect(step1.text).toContain(masked(phone));
    expect(step1.text).toMatch(/name="verification_code"[^>]*autocomplete="one-time-code"[^>]*inputmode="numeric"/);
    // The number stays in its field, as sent, on the same screen (the page is no-store and this session's own).
    expect(step1.text).toContain(`value="${canonical(phone)}"`);

    const verified = await submitForm(agent, '/signup', '/signup/verify', { verification_code: code });
    expect(verified.status).toBe(303);
    expect(verified.headers.location).toBe('/signup');
    expect((await agent.get('/signup?lang=en')).text).toContain('Step 2 of 2');

    const done = await submitForm(agent, '/signup', '/signup', { name: 'Bob', username: `bob${phone}`, password: secret('Str0ng!pass-bob') });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/');
    expect(await signedInText(agent)).toContain('You are signed in as Bob.');
  });

  it('signs in instead when the number already has an account', async () => {
    const phone = newPhone();
    await gw.emu.createUser({ phone_number: canonical(phone), name: 'Carol' });
    const agent = gw.agent();
    const code = await sendCode(agent, '/signup', '/signup/code', phone);
    const res = await submitForm(agent, '/signup', '/signup/verify', { verification_code: code });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(await signedInText(agent)).toContain('You are signed in as Carol.');
  });

  it('keeps name and username (never the password) when the password is too weak, then accepts a strong one', async () => {
    const agent = gw.agent();
    const phone = newPhone();
    const code = await sendCode(agent, '/signup', '/signup/code', phone);
    await submitForm(agent, '/signup', '/signup/verify', { verification_code: code });
    const weak = await failedPost(agent, '/signup?lang=en', '/signup', { name: 'Weak Walter', username: `w${phone}`, password: secret('zzweakzzpw') });
    expect(weak.errorStatus).toBe(400);
    expect(weak.text).toContain('Choose a stronger password');
    expect(weak.text).toContain('value="Weak Walter"');
    expect(weak.text).toContain(`value="w${phone}"`);
    const ok = await submitForm(agent, '/signup', '/signup', { name: 'Walter', password: secret('Much-str0nger') });
    expect(ok.status).toBe(303);
    expect(await signedInText(agent)).toContain('You are signed in as Walter.');
  });

  it('says the username is taken and keeps the entered values', async () => {
    await gw.emu.createUser({ username: 'taken-name', password: secret('Taken-passw0rd') });
    const agent = gw.agent();
    const code = await sendCode(agent, '/signup', '/signup/code', newPhone());
    await submitForm(agent, '/signup', '/signup/verify', { verification_code: code });
    const res = await failedPost(agent, '/signup?lang=en', '/signup', { name: 'Tina', username: 'taken-name', password: secret('Tina-passw0rd') });
    expect(res.errorStatus).toBe(409);
    expect(res.text).toContain('That username is taken.');
    expect(res.text).toContain('value="taken-name"');
    expect(res.text).toContain('Step 2 of 2');
  });

  it('refuses over-long and repeated fields with a clear message', async () => {
    const agent = gw.agent();
    const code = await sendCode(agent, '/signup', '/signup/code', newPhone());
    await submitForm(agent, '/signup', '/signup/verify', { verification_code: code });
    const long = await failedPost(agent, '/signup?lang=en', '/signup', { name: 'n'.repeat(49) });
    expect(long.errorStatus).toBe(400);
    expect(long.text).toContain('The display name can be at most 48 characters.');
    const token = await csrfFrom(agent, '/signup?lang=en');
    const repeated = await followFailure(agent, await agent.post('/signup').type('form').send(`_csrf=${encodeURIComponent(token)}&username=a&username=b`));
    expect(repeated.errorStatus).toBe(400);
    expect(repeated.text).toContain('<a href="#f-username">Check Username (optional): the value is not valid.</a>');
  });

  it('sends a profile step without a verified code back to step 1', async () => {
    const agent = gw.agent();
    const res = await failedPost(agent, '/signup?lang=en', '/signup', { name: 'Nobody' });
    expect(res.errorStatus).toBe(409);
    expect(res.text).toContain('This step has expired. Start again.');
    expect(res.text).toContain('Step 1 of 2');
  });
});

describe('SMS sign-in', () => {
  it('signs in with a code and lands on returnTo', async () => {
    const phone = newPhone();
    await gw.emu.createUser({ phone_number: canonical(phone), name: 'Dave' });
    const agent = gw.agent();
    const code = await sendCode(agent, '/login/sms?returnTo=/account', '/login/sms/code', phone, { returnTo: '/account' });
    const page = await agent.get('/login/sms?lang=en');
    expect(page.text).toContain(`We sent a code to ${masked(phone)}.`);
    const res = await submitForm(agent, '/login/sms', '/login/sms', { verification_code: code });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
    expect(await signedInText(agent)).toContain('You are signed in as Dave.');
  });

  it('continues as sign-up for a number without an account', async () => {
    const agent = gw.agent();
    const code = await sendCode(agent, '/login/sms', '/login/sms/code', newPhone());
    const res = await submitForm(agent, '/login/sms', '/login/sms', { verification_code: code });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/signup');
    expect((await agent.get('/signup?lang=en')).text).toContain('Step 2 of 2');
    const done = await submitForm(agent, '/signup', '/signup', { name: 'Erin' });
    expect(done.status).toBe(303);
    expect(await signedInText(agent)).toContain('You are signed in as Erin.');
  });

  it('accepts a code typed in full-width digits', async () => {
    const agent = gw.agent();
    const code = await sendCode(agent, '/login/sms', '/login/sms/code', newPhone());
    const res = await submitForm(agent, '/login/sms', '/login/sms', { verification_code: fullWidth(code) });
    expect(res.status).toBe(303);
  });

  it('"Use another number" forgets the flow', async () => {
    const agent = gw.agent();
    await sendCode(agent, '/login/sms', '/login/sms/code', newPhone());
    const res = await submitForm(agent, '/login/sms', '/login/sms/restart', {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login/sms');
    // The one screen as before any code: no number, no "we sent a code", the phone field to fill in first.
    const page = await agent.get('/login/sms');
    expect(page.text).toMatch(/<input id="f-phone_number" name="phone_number" type="tel" autocomplete="tel"[^>]* autofocus>/);
    expect(page.text).not.toContain('data-code-sent');
  });
});

describe('password reset', () => {
  it('sets a new password: the new one signs in, the old one no longer does', async () => {
    const phone = newPhone();
    await gw.emu.createUser({ phone_number: canonical(phone), password: secret('Old-passw0rd'), name: 'Fay' });
    const agent = gw.agent();
    const code = await sendCode(agent, '/password/reset', '/password/reset/code', phone);
    const res = await submitForm(agent, '/password/reset', '/password/reset', { verification_code: code, new_password: secret('New-passw0rd') });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?notice=password_reset');
    expect((await gw.agent().get('/login?notice=password_reset&lang=en')).text).toContain('Your password was changed.');

    const ok = await submitForm(gw.agent(), '/login', '/login', { username: phone, password: 'New-passw0rd' });
    expect(ok.status).toBe(303);
    const old = await failedPost(gw.agent(), '/login', '/login', { username: phone, password: 'Old-passw0rd' });
    expect(old.errorStatus).toBe(401);
  });

  it('asks only for a new password after the code was accepted but the password refused', async () => {
    const phone = newPhone();
    await gw.emu.createUser({ phone_number: canonical(phone), password: secret('Old-passw0rd') });
    const agent = gw.agent();
    const code = await sendCode(agent, '/password/reset', '/password/reset/code', phone);
    const weak = await failedPost(agent, '/password/reset?lang=en', '/password/reset', { verification_code: code, new_password: secret('qqweakqqpw') });
    expect(weak.errorStatus).toBe(400);
    expect(weak.text).toContain('Choose a stronger password');
    expect(weak.text).toContain('Your code was accepted.');
    expect(weak.text).not.toContain('name="verification_code"');
    const ok = await submitForm(agent, '/password/reset', '/password/reset', { new_password: secret('Str0nger-now') });
    expect(ok.status).toBe(303);
  });

  it('shows the same page for a number without an account, and fails its code like a wrong one', async () => {
    const known = newPhone();
    const unknown = newPhone();
    await gw.emu.createUser({ phone_number: canonical(known), password: secret('Known-passw0rd') });
    const pages: string[] = [];
    const failures: { status: number; location: string; text: string }[] = [];
    for (const phone of [known, unknown]) {
      const agent = gw.agent();
      const sent = await submitForm(agent, '/password/reset', '/password/reset/code', { phone_number: phone });
      expect(sent.status).toBe(303);
      expect(sent.headers.location).toBe('/password/reset');
      const page = await agent.get('/password/reset?lang=en');
      expect(page.text).toContain(`If ${masked(phone)} belongs to an account, we sent it a code.`);
      pages.push(anonymise(page.text, phone));
      const res = await failedPost(agent, '/password/reset?lang=en', '/password/reset', {
        verification_code: phone === known ? wrongCode(await gw.emu.sms(canonical(known))) : '123456',
        new_password: 'Whatever-123',
      });
      failures.push({ status: res.errorStatus ?? 0, location: res.location, text: anonymise(res.text, phone) });
    }
    expect(pages[1]).toBe(pages[0]);
    expect(failures[0]!.status).toBe(400);
    expect(failures[1]).toEqual(failures[0]);
    expect(failures[0]!.text).toContain('The code is wrong or has expired.');
  });
});

function anonymise(html: string, phone: string): string {
  return html
    .replaceAll(canonical(phone), '<number>')
    .replaceAll(masked(phone), '<phone>')
    .replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf"')
    .replace(/data-cooldown="\d+"/g, 'data-cooldown')
    .replace(/\d+ s\./g, 'n s.');
}

describe('the code step', () => {
  it('refuses a wrong code with a message and lets the person retry', async () => {
    const agent = gw.agent();
    const code = await sendCode(agent, '/signup', '/signup/code', newPhone());
    const wrong = await failedPost(agent, '/signup?lang=en', '/signup/verify', { verification_code: wrongCode(code) });
    expect(wrong.errorStatus).toBe(400);
    expect(wrong.text).toContain('The code is wrong or has expired.');
    expect(wrong.text).toContain('Step 1 of 2');
    const right = await submitForm(agent, '/signup', '/signup/verify', { verification_code: code });
    expect(right.status).toBe(303);
  });

  it.each(['abc', '12345', '1234567', ''])('refuses %j as a code without asking CloudBase', async (typed) => {
    const agent = gw.agent();
    await sendCode(agent, '/login/sms', '/login/sms/code', newPhone());
    const before = (await gw.emu.stats())['POST /auth/v1/verification/verify'] ?? 0;
    const res = await failedPost(agent, '/login/sms?lang=en', '/login/sms', { verification_code: typed });
    expect(res.errorStatus).toBe(400);
    expect(res.text).toContain('Enter the 6-digit code from the SMS.');
    expect((await gw.emu.stats())['POST /auth/v1/verification/verify'] ?? 0).toBe(before);
  });

  it('after too many wrong codes, even the right one is refused until a new code is sent', async () => {
    const agent = gw.agent();
    const code = await sendCode(agent, '/login/sms', '/login/sms/code', newPhone());
    for (let i = 0; i < 5; i++) {
      const res = await failedPost(agent, '/login/sms', '/login/sms', { verification_code: wrongCode(code) });
      expect(res.errorStatus).toBe(400);
    }
    const res = await failedPost(agent, '/login/sms?lang=en', '/login/sms', { verification_code: code });
    expect(res.errorStatus).toBe(400);
    expect(res.text).toContain('Check it, or ask for a new one.');
  });
});

describe('phone numbers', () => {
  it.each(['13812340000', '+86 138 1234 0000', '+8613812340000', '１３８１２３４００００', '0086 138 1234 0000', '138-1234-0000'])(
    'sends %j upstream as +86 13812340000',
    async (typed) => {
      const res = await submitForm(gw.agent(), '/login/sms', '/login/sms/code', { phone_number: typed });
      expect(res.status).toBe(303);
      expect(gw.emulator.state.sentCodes.at(-1)!.to).toBe('+86 13812340000');
      expect(await gw.emu.sms('+86 13812340000')).toMatch(/^\d{6}$/);
    },
  );

  it.each([
    ['too short', '12345'],
    ['not Chinese', '+1 650 555 1234'],
    ['letters', 'abc'],
    ['200 characters', '1'.repeat(200)],
  ])('refuses a number that is %s with a clear message and keeps what was typed', async (_what, typed) => {
    const before = (await gw.emu.stats())['POST /auth/v1/verification'] ?? 0;
    const res = await failedPost(gw.agent(), '/signup?lang=en', '/signup/code', { phone_number: typed });
    expect(res.errorStatus).toBe(400);
    expect(res.text).toContain('Enter a mainland China mobile number, for example 138 0000 0000.');
    expect(res.text).toContain(`value="${typed}"`);
    expect((await gw.emu.stats())['POST /auth/v1/verification'] ?? 0).toBe(before);
  });
});

describe('upstream errors', () => {
  it('invalid_phone_number: the phone message, the number kept', async () => {
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/verification': 'invalid_phone_number' } });
    const phone = newPhone();
    const res = await failedPost(gw.agent(), '/login/sms?lang=en', '/login/sms/code', { phone_number: phone });
    expect(res.errorStatus).toBe(400);
    expect(res.text).toContain('Enter a mainland China mobile number');
    expect(res.text).toContain(`value="${phone}"`);
  });

  it('rate_limit_exceeded: 429 with Retry-After', async () => {
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/verification': 'rate_limit_exceeded' } });
    const res = await failedPost(gw.agent(), '/password/reset?lang=en', '/password/reset/code', { phone_number: newPhone() });
    expect(res.errorStatus).toBe(429);
    expect(Number(res.post.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.text).toContain('Too many requests.');
  });

  it('rate_limit_exceeded from the emulator own cooldown on a new session', async () => {
    await gw.emu.setConfig({ sms_cooldown_s: 60 });
    const phone = newPhone();
    await sendCode(gw.agent(), '/signup', '/signup/code', phone);
    const res = await failedPost(gw.agent(), '/signup?lang=en', '/signup/code', { phone_number: phone });
    expect(res.errorStatus).toBe(429);
    expect(res.post.headers['retry-after']).toBeDefined();
  });

  it('Retry-After is the wait CloudBase gives in retry_after, not a fixed guess', async () => {
    await gw.emu.setConfig({ sms_cooldown_s: 25 });
    const phone = newPhone();
    await sendCode(gw.agent(), '/signup', '/signup/code', phone);
    const res = await failedPost(gw.agent(), '/signup?lang=en', '/signup/code', { phone_number: phone });
    expect(res.errorStatus).toBe(429);
    const wait = Number(res.post.headers['retry-after']);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(25);
  });

  it('captcha_required: shows the image, and the answered captcha lets the retried call through', async () => {
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/verification': 'captcha_required' } });
    const agent = gw.agent();
    const phone = newPhone();
    const asked = await failedPost(agent, '/signup?lang=en', '/signup/code', { phone_number: phone });
    expect(asked.errorStatus).toBe(400);
    expect(asked.text).toContain('Type the characters in the picture to continue.');
    expect(asked.text).toContain(`value="${phone}"`);
    const src = /<img src="(\/captcha\/[^"]+)"/.exec(asked.text)?.[1];
    expect(src).toBeDefined();
    const image = await agent.get(src!);
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toMatch(/^image\//);

    const res = await submitForm(agent, '/signup', '/signup/code', { phone_number: phone, captcha_answer: lastCaptchaKey() });
    expect(res.status).toBe(303);
    expect(await gw.emu.sms(canonical(phone))).toMatch(/^\d{6}$/);
  });

  it('captcha_required on the code check: the captcha goes with the code form', async () => {
    const agent = gw.agent();
    const code = await sendCode(agent, '/login/sms', '/login/sms/code', newPhone());
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/verification/verify': 'captcha_required' } });
    const asked = await failedPost(agent, '/login/sms?lang=en', '/login/sms', { verification_code: code });
    expect(asked.errorStatus).toBe(400);
    expect(asked.text).toMatch(/<form method="post" action="\/login\/sms" novalidate data-phone-code>[\s\S]*<img src="\/captcha\/[\s\S]*<\/form>/);
    expect(asked.text).not.toContain(`value="${code}"`);
    const res = await submitForm(agent, '/login/sms', '/login/sms', { verification_code: code, captcha_answer: lastCaptchaKey() });
    expect(res.status).toBe(303);
  });
});

describe('CSRF', () => {
  it.each([
    '/login/sms/code',
    '/login/sms',
    '/login/sms/restart',
    '/signup/code',
    '/signup/verify',
    '/signup',
    '/signup/restart',
    '/password/reset/code',
    '/password/reset',
    '/password/reset/restart',
  ])('refuses POST %s without _csrf', async (path) => {
    const agent = gw.agent();
    await agent.get('/signup');
    const res = await agent.post(path).type('form').send({ phone_number: newPhone() });
    expect(res.status).toBe(403);
  });
});
