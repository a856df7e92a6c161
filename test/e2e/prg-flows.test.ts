/**
 * A failed form post in real Chromium against the BUILT gateway (`node dist/main.js`, Redis, the emulator): the post
 * answers 303 to its page, so Reload and Back load that page with a GET (no "Confirm Form Resubmission", no password
 * sent again, no attempt counted again), the failure shows once, and the language link keeps returnTo. axe-core checks
 * every new page state.
 */
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, describeWithBrowser, launchBrowser, submitAndLoad } from '../support/browser.js';
import { buildGateway, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';
import { emulatorControl } from '../support/gateway.js';
import { en, zhCN } from '../../src/i18n/messages.js';

const USER = { username: 'prg_e2e', password: 'Prg-E2e-Passw0rd', name: 'Prg E2E', phone_number: '+86 13800003001' };
const WRONG = 'Not-The-Passw0rd-e2e';

describeWithBrowser('a failed post in Chromium: post/redirect/get', () => {
  let redis: RedisServer;
  let client: Redis;
  let emulator: RunningEmulator;
  let server: ServerProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Every POST the browser sent to the gateway, as "METHOD path". */
  const posts: string[] = [];

  const url = (path: string) => `${server.url}${path}`;

  async function axe(where: string): Promise<void> {
    expect({ where, violations: await axeViolations(page) }).toEqual({ where, violations: [] });
  }

  const submit = (selector: string) => submitAndLoad(page, selector);

  async function signIn(username: string, password: string): Promise<void> {
    await page.locator('form[action="/login"] input[name=username]').fill(username);
    await page.locator('form[action="/login"] input[name=password]').fill(password);
    await submit('form[action="/login"] button[type=submit]');
  }

  /** The login limiters' counters in Redis. */
  async function counters(): Promise<Record<string, string | null>> {
    const keys = (await client.keys('*rl:login*')).sort();
    const values = keys.length ? await client.mget(...keys) : [];
    return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? null]));
  }

  const summary = () => page.locator('[data-error-summary]').count();

  beforeAll(async () => {
    buildGateway();
    redis = await startRedis();
    client = new Redis(redis.url);
    emulator = await startTestEmulator({ envId: 'prg-env', clientId: 'prg-client', clientSecret: 'prg-client-secret' });
    await emulatorControl(emulator.url).createUser(USER);
    server = await startServerProcess({
      NODE_ENV: 'test',
      SESSION_SECRET: 'prg-e2e-session-secret-0123456789abcdef',
      REDIS_URL: redis.url,
      CLOUDBASE_ENV_ID: 'prg-env',
      CLOUDBASE_CLIENT_ID: 'prg-client',
      CLOUDBASE_CLIENT_SECRET: 'prg-client-secret',
      CLOUDBASE_API_ORIGIN: emulator.url,
    });
    browser = await launchBrowser();
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1000, height: 760 } });
    context.setDefaultTimeout(15_000);
    context.on('request', (r) => {
      if (r.url().startsWith(server.url) && r.method() === 'POST') posts.push(`POST ${new URL(r.url()).pathname}`);
    });
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.stop();
    client?.disconnect();
    await emulator?.close();
    await redis?.stop();
  }, 60_000);

  it('a wrong password lands on the form (a GET, returnTo kept) with the message, the username kept, the password empty', async () => {
    await page.goto(url('/login?returnTo=%2Faccount'));
    await signIn(USER.username, WRONG);
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/login?returnTo=%2Faccount');
    expect(await page.locator('body').innerText()).toContain(en['err.login_failed']);
    expect(await page.locator('form[action="/login"] input[name=username]').inputValue()).toBe(USER.username);
    expect(await page.locator('form[action="/login"] input[name=password]').inputValue()).toBe('');
    expect(await page.title()).toMatch(/^Error: /);
    expect(posts.filter((p) => p === 'POST /login')).toHaveLength(1);
    await axe('sign-in after a wrong password');
  }, 60_000);

  it('Reload sends no POST: the password is not sent again, no counter moves, and the page is clean', async () => {
    const before = await counters();
    expect(Object.keys(before).length).toBeGreaterThan(0);
    const sent = posts.length;
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.reload();
    await page.waitForLoadState('load');
    expect(posts.length).toBe(sent);
    expect(dialogs).toEqual([]);
    expect(await counters()).toEqual(before);
    expect(await summary()).toBe(0);
    expect(await page.title()).not.toMatch(/^Error: /);
    expect(new URL(page.url()).search).toBe('?returnTo=%2Faccount');
    await axe('sign-in reloaded after a failure');
  }, 60_000);

  it('Back after a failure shows the form again with a GET, never a resubmission', async () => {
    await signIn(USER.username, WRONG);
    expect(await summary()).toBe(1);
    const sent = posts.length;
    await Promise.all([page.waitForURL(/\/signup/), page.locator('header a[href="/signup"]').click()]);
    await page.goBack();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(posts.length).toBe(sent);
    expect(await summary()).toBe(0);
    await axe('sign-in after Back');
  }, 60_000);

  it('a field error stays beside its field after the redirect: aria-invalid, aria-describedby, focused', async () => {
    await page.goto(url('/login?returnTo=%2Faccount'));
    await page.locator('form[action="/login"] input[name=username]').fill(USER.username);
    // Empty password: the browser's own check would stop the post, so it is switched off as a script-free client would be.
    await page.locator('form[action="/login"]').evaluate((f) => f.setAttribute('novalidate', ''));
    await submit('form[action="/login"] button[type=submit]');
    const password = page.locator('#f-password');
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    expect(await password.getAttribute('aria-describedby')).toContain('f-password-error');
    expect(await page.locator('#f-password-error').innerText()).toContain(en['login.password']);
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('f-password');
    await axe('sign-in with a field error');
  }, 60_000);

  it('the language link after an error keeps returnTo and shows the page in the other language', async () => {
    await page.goto(url('/login?returnTo=%2Faccount'));
    await signIn(USER.username, WRONG);
    const href = await page.locator('header a.lang').getAttribute('href');
    expect(href).toBe('/login?returnTo=%2Faccount&lang=zh-CN');
    await Promise.all([page.waitForURL(/lang=zh-CN/), page.locator('header a.lang').click()]);
    await page.waitForLoadState('load');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.locator('form[action="/login"] input[name=returnTo]').inputValue()).toBe('/account');
    expect(await page.locator('body').innerText()).toContain(zhCN['nav.login']);
    await axe('sign-in in the other language after an error');
  }, 60_000);
});
