/**
 * Provider sign-in in a real browser: Chromium against the BUILT gateway (`node dist/main.js`) with AUTH_PROVIDERS,
 * the emulator's authorize page standing in for WeChat, GitHub and Google. Each default provider signs a person in
 * (JavaScript on, and once off); a denial lands on a clear page. The pages with buttons and the failure page pass
 * axe in both languages and colour schemes, at phone and desktop widths; nothing the browser got carries a token.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, describeWithBrowser, E2E_CLOUDBASE, e2eGatewayEnv, launchBrowser } from '../support/browser.js';
import { buildGateway, projectRoot, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';
import { findLeaks } from '../support/leak-guard.js';
import { en, zhCN, type MessageKey } from '../../src/i18n/messages.js';

type Lang = 'en' | 'zh-CN';
const SCREENSHOTS = join(projectRoot, 'test', 'e2e', 'screenshots', 'provider');
const WRITE_SCREENSHOTS = process.env.SCREENSHOTS === '1';
const NAMES: Record<string, string> = { wx_open: 'WeChat', github: 'GitHub', google: 'Google' };

const msg = (l: Lang, key: MessageKey, params: Record<string, string> = {}) =>
  (l === 'en' ? en : zhCN)[key].replace(/\{(\w+)\}/g, (m, name: string) => params[name] ?? m);

describeWithBrowser('provider sign-in in Chromium through the emulator\'s authorize page', () => {
  let redis: RedisServer;
  let emulator: RunningEmulator;
  let server: ServerProcess;
  let browser: Browser;
  const bodies: { url: string; status: number; headers: Record<string, unknown>; body: string }[] = [];
  const codes = new Set<string>();

  async function newContext(javaScriptEnabled = true): Promise<BrowserContext> {
    const context = await browser.newContext({ locale: 'en-US', javaScriptEnabled, viewport: { width: 1000, height: 760 } });
    context.setDefaultTimeout(15_000);
    context.on('request', (r) => {
      const code = new URL(r.url()).searchParams.get('code');
      if (code && r.url().startsWith(server.url)) codes.add(code);
    });
    context.on('response', async (r) => {
      if (!r.url().startsWith(server.url)) return;
      const status = r.status();
      const body = status >= 300 && status < 400 ? '' : await r.text().catch(() => '');
      bodies.push({ url: r.url(), status, headers: await r.allHeaders().catch(() => ({})), body });
    });
    return context;
  }

  /**
   * axe at phone and desktop width in both schemes, in the page's language and the other one; `stay` checks the page as
   * it is, in its own language only (a page that cannot be loaded again, e.g. a callback's).
   */
  async function check(page: Page, state: string, stay = false): Promise<void> {
    const here = page.url();
    for (const l of stay ? [(await page.getAttribute('html', 'lang')) as 'en' | 'zh-CN'] : (['en', 'zh-CN'] as const)) {
      const u = new URL(here);
      u.searchParams.set('lang', l);
      if (!stay && new URL(page.url()).searchParams.get('lang') !== l) await page.goto(u.href);
      for (const width of [375, 1100]) {
        await page.setViewportSize({ width, height: 800 });
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme });
          const where = `${state} [${l}, ${colorScheme}, ${width}px]`;
          expect({ where, violations: await axeViolations(page) }).toEqual({ where, violations: [] });
          const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
          if (width === 375) expect({ where, fits: scrollWidth <= 375 }).toEqual({ where, fits: true });
          if (WRITE_SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${state}-${l}-${colorScheme}-${width}.png`), fullPage: true });
        }
      }
    }
  }

  beforeAll(async () => {
    buildGateway();
    if (WRITE_SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    redis = await startRedis();
    emulator = await startTestEmulator(E2E_CLOUDBASE);
    server = await startServerProcess(e2eGatewayEnv(redis.url, emulator.url, { AUTH_PROVIDERS: 'wx_open,github,google' }));
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    const logs = server?.lines ?? [];
    await server?.stop();
    if (emulator) {
      const leaks = findLeaks({ transcript: bodies.map((b) => ({ method: 'GET', ...b })), logs, emulator: emulator.state, secrets: codes });
      expect(leaks).toEqual([]);
    }
    await emulator?.close();
    await redis?.stop();
  }, 60_000);

  it.each([
    ['wx_open', true],
    ['github', true],
    ['google', true],
    ['github', false],
  ] as const)('signs in with %s (JavaScript on: %s) and lands on returnTo', async (id, js) => {
    const context = await newContext(js);
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/login?lang=en&returnTo=%2Faccount`);
      await Promise.all([page.waitForURL((u) => u.pathname === `/__emulator/provider/${id}/authorize`), page.getByRole('link', { name: msg('en', 'login.withProvider', { name: NAMES[id]! }) }).click()]);
      // a person of their own per run (the page's stable identity would be the same account each time)
      await page.locator('input[name=sub]').fill(`e2e-${id}-${js ? 'js' : 'nojs'}`);
      await page.locator('input[name=name]').fill(`Browser ${id} ${js ? 'js' : 'nojs'}`);
      await Promise.all([page.waitForURL((u) => u.origin === server.url && u.pathname === '/account'), page.locator('button[value=approve]').click()]);
      expect(await page.locator('body').innerText()).toContain(`Browser ${id} ${js ? 'js' : 'nojs'}`);
    } finally {
      await context.close();
    }
  });

  it('a denial lands on a clear page with the way back; the pages pass axe', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/login?lang=en`);
      await check(page, 'login-with-providers');
      await page.goto(`${server.url}/signup?lang=en`);
      await check(page, 'signup-with-providers');
      await page.goto(`${server.url}/login?lang=en`);
      await Promise.all([page.waitForURL(/\/authorize/), page.getByRole('link', { name: msg('en', 'login.withProvider', { name: 'GitHub' }) }).click()]);
      await Promise.all([page.waitForURL((u) => u.pathname === '/login/provider/callback'), page.locator('button[value=deny]').click()]);
      expect(await page.locator('[role=alert]').innerText()).toBe(msg('en', 'err.provider_denied'));
      await check(page, 'provider-denied');
      // the failure page in the other language said the same, and a reload is the replayed-state page
      expect(await page.locator('[role=alert]').innerText()).toBe(msg('zh-CN', 'err.provider_state'));
      await page.getByRole('link', { name: msg('zh-CN', 'provider.again') }).click();
      await page.waitForURL((u) => u.pathname === '/login');
    } finally {
      await context.close();
    }
  });

  it('the account page offers Link / Unlink, refuses to unlink the only way in, and passes axe', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/login?lang=en&returnTo=%2Faccount`);
      await Promise.all([page.waitForURL(/\/authorize/), page.getByRole('link', { name: msg('en', 'login.withProvider', { name: 'Google' }) }).click()]);
      await page.locator('input[name=sub]').fill('e2e-google-only');
      await Promise.all([page.waitForURL((u) => u.origin === server.url && u.pathname === '/account'), page.locator('button[value=approve]').click()]);
      await page.goto(`${server.url}/account?lang=en`);
      const unlink = page.getByRole('button', { name: msg('en', 'provider.unbind', { name: 'Google' }) });
      await expect(unlink.count()).resolves.toBe(1);
      await expect(page.getByRole('button', { name: msg('en', 'provider.bind', { name: 'GitHub' }) }).count()).resolves.toBe(1);
      await check(page, 'account-providers');
      await page.goto(`${server.url}/account?lang=en`);
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: msg('en', 'provider.unbind', { name: 'Google' }) }).click()]);
      await page.waitForSelector('[role=alert]');
      expect(await page.locator('body').innerText()).toContain(msg('en', 'err.provider_last_method'));
    } finally {
      await context.close();
    }
  });

  it('continue with your phone: the identity CloudBase would not sign up is bound to the account an email sign-up creates', async () => {
    const setProviders = (providers: object[]) =>
      fetch(`${emulator.url}/__emulator/providers`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ providers }) });
    await setProviders([{ id: 'wx_open', name: 'WeChat' }, { id: 'github', name: 'GitHub', auto_sign_up: false }, { id: 'google', name: 'Google' }]);
    // JavaScript on: axe runs in the page (the integration tests post the same forms without any script).
    const context = await newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/login?lang=en&returnTo=%2Faccount`);
      await Promise.all([page.waitForURL(/\/authorize/), page.getByRole('link', { name: msg('en', 'login.withProvider', { name: 'GitHub' }) }).click()]);
      await page.locator('input[name=sub]').fill('e2e-github-continue');
      await page.locator('input[name=name]').fill('Continue Person');
      await Promise.all([page.waitForURL((u) => u.pathname === '/login/provider/callback'), page.locator('button[value=approve]').click()]);
      expect(await page.locator('[role=alert]').innerText()).toBe(msg('en', 'err.provider_signup'));
      expect(await page.locator('main').innerText()).toContain(msg('en', 'provider.continueIntro'));
      await check(page, 'provider-signup-required', true);
      await Promise.all([page.waitForURL((u) => u.pathname === '/signup'), page.getByRole('link', { name: msg('en', 'provider.continuePhone') }).click()]);
      expect(await page.locator('main').innerText()).toContain(msg('en', 'signup.linking', { provider: 'GitHub' }));
      await check(page, 'signup-linking-provider');
      await page.goto(`${server.url}/signup?lang=en&returnTo=%2Faccount`);
      const email = 'continue.e2e@example.com';
      await page.locator('input[name=email]').fill(email);
      await Promise.all([page.waitForURL((u) => u.pathname === '/signup'), page.locator('form:has(input[name=email]) button[type=submit]').click()]);
      const { verification_code } = (await (await fetch(`${emulator.url}/__emulator/sms?email=${encodeURIComponent(email)}`)).json()) as { verification_code: string };
      // The mailed code's screen: the address in the email field with the code field, no phone field in that form.
      expect(await page.inputValue('form[data-phone-code] input[name=email]')).toBe(email);
      expect(await page.locator('form[data-phone-code] input[name=phone_number]').count()).toBe(0);
      await page.locator('input[name=verification_code]').fill(verification_code);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/signup'),
        page.locator('form[action="/signup/verify"] button[type=submit]:not([hidden]):not([data-send-code])').click(),
      ]);
      await page.locator('input[name=name]').fill('Continue Person');
      await Promise.all([page.waitForURL((u) => u.pathname === '/account'), page.locator('form[action="/signup"] button[type=submit]').click()]);
      await page.goto(`${server.url}/account?lang=en`);
      await expect(page.getByRole('button', { name: msg('en', 'provider.unbind', { name: 'GitHub' }) }).count()).resolves.toBe(1);
    } finally {
      await context.close();
      await setProviders([{ id: 'wx_open', name: 'WeChat' }, { id: 'github', name: 'GitHub' }, { id: 'google', name: 'Google' }]);
    }
  }, 120_000);
});
