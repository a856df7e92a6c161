/**
 * What the pages show and how their forms report errors, over real HTTP with a real Redis and the emulator: the app's
 * name and favicon, field errors tied to their fields, the consent box on sign-up, the SMS cooldown from the config,
 * and the captcha's "new picture"; the JSON API's side of the same rules (cooldown, consent).
 */
import type TestAgent from 'supertest/lib/agent.js';
import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { failedPost } from '../support/prg.js';
import { expectApiError, finishApiSuite, mobile, spa, type ApiClient } from '../support/api.js';

let gw: TestGateway;
let nextNumber = 7100;
const newPhone = () => `139${String(nextNumber++).padStart(8, '0')}`;

beforeAll(async () => {
  gw = await startTestGateway({
    env: { APP_NAME: 'Lantern 灯笼', TERMS_URL: 'https://example.com/terms', PRIVACY_URL: '/privacy', LIMIT_SMS_COOLDOWN_S: '37' },
  });
});

afterEach(async () => {
  await gw.emu.setConfig({ fail: {}, sms_cooldown_s: 0 });
});

// The leak guard, and every JSON answer of this file checked against the OpenAPI document.
afterAll(() => finishApiSuite(gw));

const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1];
/** The opening tag of the input named `name`. */
const inputTag = (html: string, name: string) => new RegExp(`<input id="f-${name}"[^>]*>`).exec(html)?.[0] ?? '';

async function toProfileStep(agent: TestAgent): Promise<void> {
  const phone = newPhone();
  expect((await submitForm(agent, '/signup', '/signup/code', { phone_number: phone })).status).toBe(303);
  const code = await gw.emu.sms(`+86 ${phone}`);
  expect((await submitForm(agent, '/signup', '/signup/verify', { verification_code: code })).status).toBe(303);
}

describe('when APP_NAME is set', () => {
  it('names the app in the header and every title, with the SVG favicon linked and served', async () => {
    const page = await gw.agent().get('/login?lang=en');
    expect(title(page.text)).toBe('Sign in · Lantern 灯笼');
    expect(page.text).toMatch(/<a href="\/" class="brand"><img src="\/static\/favicon.svg" alt=""[^>]*><span>Lantern 灯笼<\/span><\/a>/);
    expect(page.text).toContain('<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">');
    expect(page.text).toContain('<meta name="color-scheme" content="light dark">');
    const icon = await gw.agent().get('/static/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });
});

describe('when a form post fails on a field it names', () => {
  it('marks that field invalid, describes it by its message, focuses it and names it in the summary', async () => {
    const agent = gw.agent();
    const res = await failedPost(agent, '/login?lang=en', '/login', { username: 'someone', password: '' });
    expect(res.errorStatus).toBe(400);
    expect(title(res.text)).toBe('Error: Sign in · Lantern 灯笼');
    const password = inputTag(res.text, 'password');
    expect(password).toContain('aria-invalid="true"');
    expect(password).toContain('aria-describedby="f-password-error"');
    expect(password).toContain(' autofocus');
    expect(res.text).toContain('<p class="error-message" id="f-password-error"><span class="visually-hidden">Error: </span>Fill in Password.</p>');
    // Only the field at fault takes the focus, and the summary links to it instead of a generic sentence alone.
    expect(inputTag(res.text, 'username')).not.toContain('autofocus');
    expect(inputTag(res.text, 'username')).not.toContain('aria-invalid');
    expect(res.text).toContain('<li><a href="#f-password">Fill in Password.</a></li>');
    expect(res.text).not.toContain('Some details are not valid');
  });

  it('says the same in Chinese, with the title prefixed 错误：', async () => {
    const res = await failedPost(gw.agent(), '/login?lang=zh-CN', '/login', { username: '', password: 'x' });
    expect(res.errorStatus).toBe(400);
    expect(title(res.text)).toBe('错误：登录 · Lantern 灯笼');
    expect(inputTag(res.text, 'username')).toContain('aria-invalid="true"');
    expect(res.text).toContain('<li><a href="#f-username">请填写用户名、邮箱或手机号。</a></li>');
  });

  it('keeps an error that names no field in the summary, with no field marked', async () => {
    await gw.emu.createUser({ username: 'looker', password: 'Looker-Passw0rd' });
    const res = await failedPost(gw.agent(), '/login?lang=en', '/login', { username: 'looker', password: 'not-the-password' });
    expect(res.errorStatus).toBe(401);
    expect(title(res.text)).toMatch(/^Error: /);
    expect(res.text).toContain('<p>The username or password is incorrect.</p>');
    expect(res.text).not.toContain('aria-invalid');
  });

  it('a page without an error has no "Error:" title and no invalid field', async () => {
    const res = await gw.agent().get('/login?lang=en');
    expect(title(res.text)).toBe('Sign in · Lantern 灯笼');
    expect(res.text).not.toContain('aria-invalid');
  });
});

describe('when TERMS_URL and PRIVACY_URL are set', () => {
  it('shows the consent box with both links and the password rule before any failure', async () => {
    const agent = gw.agent();
    await toProfileStep(agent);
    const page = await agent.get('/signup?lang=en');
    expect(page.text).toContain('<a href="https://example.com/terms" target="_blank" rel="noopener">the terms of service</a>');
    expect(page.text).toContain('<a href="/privacy" target="_blank" rel="noopener">the privacy policy</a>');
    expect(inputTag(page.text, 'consent')).toContain('type="checkbox"');
    expect(page.text).toContain('At least 8 characters and at most 64');
  });

  it('refuses to create the account without consent, keeps the typed values, and creates it once ticked', async () => {
    const agent = gw.agent();
    await toProfileStep(agent);
    const refused = await failedPost(agent, '/signup?lang=en', '/signup', { name: 'Consent Carol', username: '' });
    expect(refused.errorStatus).toBe(400);
    expect(title(refused.text)).toMatch(/^Error: /);
    expect(inputTag(refused.text, 'consent')).toContain('aria-invalid="true"');
    expect(refused.text).toContain('<li><a href="#f-consent">Tick the box to accept the terms before creating your account.</a></li>');
    expect(inputTag(refused.text, 'name')).toContain('value="Consent Carol"');
    // Anything but the ticked box's own value is no consent.
    expect((await failedPost(agent, '/signup', '/signup', { name: 'Consent Carol', consent: 'no' })).errorStatus).toBe(400);
    const created = await submitForm(agent, '/signup', '/signup', { name: 'Consent Carol', consent: 'yes' });
    expect(created.status).toBe(303);
  });
});

describe('when a code was sent', () => {
  it('counts down from LIMIT_SMS_COOLDOWN_S and, rendered without script, says from when a new code may be asked for', async () => {
    const agent = gw.agent();
    expect((await submitForm(agent, '/login/sms', '/login/sms/code', { phone_number: newPhone() })).status).toBe(303);
    const page = await agent.get('/login/sms?lang=en');
    const seconds = Number(/data-cooldown="(\d+)"/.exec(page.text)?.[1]);
    expect(seconds).toBeGreaterThan(30);
    expect(seconds).toBeLessThanOrEqual(37);
    expect(page.text).toMatch(
      /<button type="submit" class="secondary get-code" formaction="\/login\/sms\/code" formnovalidate data-send-code data-cooldown="\d+" aria-describedby="resend-when">Send a new code<\/button>/,
    );
    expect(page.text).toMatch(/You can ask for a new code after \d\d:\d\d:\d\d/);
    // No JavaScript: a click before that time is refused with the cooldown message, without asking CloudBase.
    const before = (await gw.emu.stats())['POST /auth/v1/verification'] ?? 0;
    const early = await failedPost(agent, '/login/sms?lang=en', '/login/sms/code', {});
    expect(early.errorStatus).toBe(429);
    expect(Number(early.post.headers['retry-after'])).toBeGreaterThan(0);
    expect(early.text).toContain('Wait until the countdown ends');
    expect(early.text).toContain('name="verification_code"');
    expect((await gw.emu.stats())['POST /auth/v1/verification'] ?? 0).toBe(before);
    const zh = await agent.get('/login/sms?lang=zh-CN');
    expect(zh.text).toMatch(/\d\d:\d\d:\d\d( \S+)? 之后可以重新获取验证码。/);
  });
});

describe('when CloudBase asks for a captcha', () => {
  it('shows the picture at its natural size with a "new picture" link that swaps the challenge in place', async () => {
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/signin': 'captcha_required' } });
    const agent = gw.agent();
    const res = await failedPost(agent, '/login?lang=en', '/login', { username: 'looker', password: 'whatever-pass' });
    const id = /<img src="\/captcha\/([^"]+)" alt="[^"]+" data-captcha>/.exec(res.text)?.[1];
    expect(id).toBeDefined();
    expect(res.text).toContain(`<a href="/captcha/${id}/new" data-new-picture>New picture</a>`);
    const before = [...gw.emulator.state.captchas.values()].length;
    const first = await agent.get(`/captcha/${id}`);
    const renewed = await agent.get(`/captcha/${id}/new`);
    expect(renewed.status).toBe(303);
    expect(renewed.headers.location).toBe(`/captcha/${id}`);
    expect([...gw.emulator.state.captchas.values()].length).toBe(before + 1);
    const second = await agent.get(`/captcha/${id}`);
    expect(second.status).toBe(200);
    expect(Buffer.compare(first.body as Buffer, second.body as Buffer)).not.toBe(0);
    // The answer to the new picture is the one that counts.
    await gw.emu.setConfig({ fail: {} });
    const key = [...gw.emulator.state.captchas.values()].at(-1)!.key;
    const signed = await submitForm(agent, '/login', '/login', { username: 'looker', password: 'Looker-Passw0rd', captcha_answer: key });
    expect(signed.status).toBe(303);
  });

  it('answers 404 for a "new picture" of a captcha this session does not hold', async () => {
    expect((await gw.agent().get('/captcha/not-mine/new')).status).toBe(404);
  });
});

describe('when sessions are kept in Redis', () => {
  it('the sessions page lists sessions as cards whose sign-out buttons name their device, with no process-only note', async () => {
    const agent = gw.agent();
    expect((await submitForm(agent, '/login', '/login', { username: 'looker', password: 'Looker-Passw0rd' })).headers.location).toBe('/');
    const page = await agent.get('/account/sessions?lang=en');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<table');
    expect(page.text).toMatch(/<li data-session="[^"]+" class="current">/);
    expect(page.text).toMatch(/<button type="submit" class="secondary" aria-label="Sign out [^"]+ \(This device\)">Sign out<\/button>/);
    expect(page.text).not.toContain('this list shows only the sessions this process holds');
  });
});

describe('the JSON API follows the same rules as the pages', () => {
  /** A verified sign-up flow over the API, ready for POST /api/session/signup. */
  async function verifiedSignup(app: ApiClient): Promise<void> {
    const phone = newPhone();
    expect((await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'signup' })).status).toBe(200);
    const verified = await app.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(`+86 ${phone}`) });
    expect(verified.body).toMatchObject({ authenticated: false, next: 'signup' });
  }

  it('refuses a second code to the same number within LIMIT_SMS_COOLDOWN_S (429, Retry-After), without asking CloudBase', async () => {
    const app = spa(gw);
    const phone = newPhone();
    expect((await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'login' })).status).toBe(200);
    const before = (await gw.emu.stats())['POST /auth/v1/verification'] ?? 0;
    const again = await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'login' });
    expectApiError(again, 429, 'resend_too_soon');
    // The configured 37 s, not a cooldown of the API's own.
    const wait = Number(again.headers['retry-after']);
    expect(wait).toBeGreaterThan(30);
    expect(wait).toBeLessThanOrEqual(37);
    expect((await gw.emu.stats())['POST /auth/v1/verification'] ?? 0).toBe(before);
  });

  it.each([
    ['no consent field', {}],
    ['consent false', { consent: false }],
  ])('refuses sign-up with %s (400 consent_required naming the field), creates nothing, and signs up once given', async (_what, extra) => {
    const app = spa(gw);
    await verifiedSignup(app);
    const users = gw.emulator.state.users.size;
    const refused = await app.post('/api/session/signup', { name: 'Api Consent', ...extra });
    expectApiError(refused, 400, 'consent_required');
    expect(refused.body.error.field).toBe('consent');
    expect(gw.emulator.state.users.size).toBe(users);
    // The flow survives the refusal: the same verified number signs up once consent is given.
    const created = await app.post('/api/session/signup', { name: 'Api Consent', consent: true });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ authenticated: true, user: { name: 'Api Consent' } });
    expect(gw.emulator.state.users.size).toBe(users + 1);
  });

  it('takes consent only as the JSON true: the form\'s "yes" is a field error', async () => {
    const app = spa(gw);
    await verifiedSignup(app);
    const res = await app.post('/api/session/signup', { name: 'Api Consent', consent: 'yes' });
    expectApiError(res, 400, 'invalid_input');
    expect(res.body.error.field).toBe('consent');
  });

  it('in token mode, gives a new captcha picture to the session that holds the captcha, and to no other', async () => {
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/signin': 'captcha_required' } });
    const app = mobile(gw);
    const first = await app.post('/api/session/login', { username: 'looker', password: 'whatever-pass' });
    expectApiError(first, 400, 'captcha_required');
    const { id, image_url } = first.body.captcha as { id: string; image_url: string };
    expect((await app.get(`${image_url}/new`)).status).toBe(303);
    const image = await app.get(image_url);
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toMatch(/^image\//);
    expect((await mobile(gw).get(`/captcha/${id}/new`)).status).toBe(404);
  });
});
