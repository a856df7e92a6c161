/**
 * Accounts made by SMS (no password) in a real browser: Chromium against the BUILT gateway (`node dist/main.js`) and
 * the emulator. One sets a password, one deletes itself, each after a code to its own phone, with JavaScript on and
 * off; every new page state passes axe in both languages and colour schemes, at phone and desktop widths, without
 * horizontal overflow at 375 px; nothing the browser got carries a token or the typed password.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, describeWithBrowser, E2E_CLOUDBASE, e2eGatewayEnv, launchBrowser, submitAndLoad } from '../support/browser.js';
import { buildGateway, projectRoot, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';
import { emulatorControl, type EmulatorControl } from '../support/gateway.js';
import { findLeaks } from '../support/leak-guard.js';

const SCREENSHOTS = join(projectRoot, 'test', 'e2e', 'screenshots', 'reauth');
const WRITE_SCREENSHOTS = process.env.SCREENSHOTS === '1';
const PASSWORD = 'E2e-Reauth-Passw0rd';

describeWithBrowser('an account without a password, in Chromium: a code to its own phone instead', () => {
  let redis: RedisServer;
  let emulator: RunningEmulator;
  let emu: EmulatorControl;
  let server: ServerProcess;
  let browser: Browser;
  const bodies: { url: string; status: number; headers: Record<string, unknown>; body: string }[] = [];

  const jsOn = new WeakSet<Page>();

  async function newContext(javaScriptEnabled: boolean): Promise<BrowserContext> {
    const context = await browser.newContext({ locale: 'en-US', javaScriptEnabled, viewport: { width: 1000, height: 760 } });
    context.setDefaultTimeout(15_000);
    context.on('response', async (r) => {
      if (!r.url().startsWith(server.url)) return;
      const status = r.status();
      const body = status >= 300 && status < 400 ? '' : await r.text().catch(() => '');
      bodies.push({ url: r.url(), status, headers: await r.allHeaders().catch(() => ({})), body });
    });
    return context;
  }

  /**
   * axe at phone and desktop width in both schemes and languages; the page is left in English. axe runs as page
   * script, so with JavaScript off (the same server-rendered states) only the journey is checked.
   */
  async function check(page: Page, state: string): Promise<void> {
    if (!jsOn.has(page)) return;
    for (const l of ['zh-CN', 'en'] as const) {
      const u = new URL(page.url());
      u.hash = '';
      u.searchParams.delete('notice');
      u.searchParams.set('lang', l);
      await page.goto(u.href);
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

  const submit = submitAndLoad;

  /** A person whose account an SMS code made, signed in by a code in this browser. */
  async function smsSignIn(page: Page, national: string): Promise<void> {
    await emu.createUser({ phone_number: `+86 ${national}` });
    await page.goto(`${server.url}/login/sms?lang=en`);
    // Phone and code on one screen: "get code" beside the number (in place with JavaScript, a reload without).
    await page.locator('form[action="/login/sms"] input[name=phone_number]').fill(national);
    await page.locator('form[action="/login/sms"] button[data-send-code]').click();
    await page.locator('[data-code-sent]').waitFor();
    await page.locator('form[action="/login/sms"] input[name=verification_code]').fill(await emu.sms(`+86 ${national}`));
    await submit(page, 'form[action="/login/sms"] button[type=submit]:not([hidden]):not([data-send-code])');
  }

  /** The account page's re-authentication: send, then type the code; each state checked. */
  async function confirmByCode(page: Page, national: string, prefix: string): Promise<void> {
    await page.goto(`${server.url}/account?lang=en`);
    const masked = `+86 ${national.slice(0, 3)}****${national.slice(7)}`;
    expect(await page.locator('#reauth').innerText()).toContain(masked);
    await check(page, `${prefix}-1-asks-for-a-code`);
    await submit(page, 'form[action="/account/reauth/code"] button[type=submit]');
    expect(await page.locator('#reauth').innerText()).toContain(`sent to ${masked}`);
    await check(page, `${prefix}-2-code-sent`);
    await page.locator('form[action="/account/reauth"] input[name=verification_code]').fill(await emu.sms(`+86 ${national}`));
    await submit(page, 'form[action="/account/reauth"] button[type=submit]');
    expect(new URL(page.url()).searchParams.get('notice')).toBe('reauthenticated');
    await check(page, `${prefix}-3-confirmed`);
  }

  beforeAll(async () => {
    buildGateway();
    if (WRITE_SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    redis = await startRedis();
    emulator = await startTestEmulator(E2E_CLOUDBASE);
    emu = emulatorControl(emulator.url);
    await emu.setConfig({ sms_cooldown_s: 0 });
    server = await startServerProcess(e2eGatewayEnv(redis.url, emulator.url, { LIMIT_SMS_COOLDOWN_S: '0' }));
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    const logs = server?.lines ?? [];
    await server?.stop();
    if (emulator) {
      const leaks = findLeaks({ transcript: bodies.map((b) => ({ method: 'GET', ...b })), logs, emulator: emulator.state, secrets: new Set([PASSWORD]) });
      expect(leaks).toEqual([]);
    }
    await emulator?.close();
    await redis?.stop();
  }, 60_000);

  it.each([true, false])('deletes itself after a code (JavaScript on: %s)', async (js) => {
    const context = await newContext(js);
    try {
      const page = await context.newPage();
      if (js) jsOn.add(page);
      const national = js ? '13700001001' : '13700001002';
      await smsSignIn(page, national);
      await confirmByCode(page, national, `delete-${js ? 'js' : 'nojs'}`);
      await submit(page, 'form[action="/account/delete"] button[type=submit]');
      expect(new URL(page.url()).pathname).toBe('/');
      expect(await page.locator('body').innerText()).toContain('Your account was deleted.');
      const users = [...emulator.state.users.values()].filter((u) => u.phone_number === `+86 ${national}`);
      expect(users).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it.each([true, false])('sets a password after a code, then signs in with it (JavaScript on: %s)', async (js) => {
    const context = await newContext(js);
    try {
      const page = await context.newPage();
      if (js) jsOn.add(page);
      const national = js ? '13700001003' : '13700001004';
      await smsSignIn(page, national);
      await confirmByCode(page, national, `password-${js ? 'js' : 'nojs'}`);
      await page.locator('form[action="/account/password"] input[name=new_password]').fill(PASSWORD);
      await submit(page, 'form[action="/account/password"] button[type=submit]');
      expect(new URL(page.url()).searchParams.get('notice')).toBe('password_changed');
      await check(page, `password-${js ? 'js' : 'nojs'}-4-has-a-password`);
      expect(await page.locator('form[action="/account/password"] input[name=old_password]').count()).toBe(1);
      const other = await newContext(js);
      try {
        const p2 = await other.newPage();
        await p2.goto(`${server.url}/login?lang=en`);
        await p2.locator('form[action="/login"] input[name=username]').fill(national);
        await p2.locator('form[action="/login"] input[name=password]').fill(PASSWORD);
        await submit(p2, 'form[action="/login"] button[type=submit]');
        expect(new URL(p2.url()).pathname).toBe('/');
      } finally {
        await other.close();
      }
    } finally {
      await context.close();
    }
  }, 120_000);
});
