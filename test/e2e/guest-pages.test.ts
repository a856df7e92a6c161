/**
 * The sign-in, sign-up, SMS and reset pages in real Chromium against the BUILT gateway (`node dist/main.js`) with a
 * throwaway redis-server and the emulator: a signed-in person is sent on from them, "continue as a guest" in a stale
 * tab does not swap the session, a device signed out from another is told why, and phone + code work on one screen
 * with JavaScript on (no reload) and off (the screen comes back, Enter signs in). Every new page state is checked by
 * axe-core at phone and desktop width in both colour schemes, with no horizontal overflow at 375 px; screenshots only
 * with SCREENSHOTS=1.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, contextInLanguage, describeWithBrowser, launchBrowser, submitAndLoad } from '../support/browser.js';
import { buildGateway, projectRoot, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';
import { emulatorControl, type EmulatorControl } from '../support/gateway.js';
import { en, zhCN, type MessageKey } from '../../src/i18n/messages.js';

type Lang = 'en' | 'zh-CN';
const LANGS: readonly Lang[] = ['zh-CN', 'en'];
const SCREENSHOTS = join(projectRoot, 'test', 'e2e', 'screenshots', 'guest-pages');
const WRITE_SCREENSHOTS = process.env.SCREENSHOTS === '1';
const msg = (l: Lang, key: MessageKey) => (l === 'en' ? en : zhCN)[key];
const PASSWORD = 'Guest-Pages-Passw0rd';

describeWithBrowser('the guest pages in Chromium: sent on when signed in, told why when signed out elsewhere, one-screen codes', () => {
  let redis: RedisServer;
  let emulator: RunningEmulator;
  let emu: EmulatorControl;
  let server: ServerProcess;
  let browser: Browser;
  let phoneSeq = 7100;
  const newPhone = () => `135${String(phoneSeq++).padStart(8, '0')}`;
  const url = (path: string) => `${server.url}${path}`;

  beforeAll(async () => {
    buildGateway();
    if (WRITE_SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    redis = await startRedis();
    emulator = await startTestEmulator({ envId: 'gp-env', clientId: 'gp-client', clientSecret: 'gp-client-secret' });
    emu = emulatorControl(emulator.url);
    await emu.setConfig({ sms_cooldown_s: 0 });
    server = await startServerProcess({
      NODE_ENV: 'test',
      SESSION_SECRET: 'gp-session-secret-0123456789abcdef0123',
      REDIS_URL: redis.url,
      CLOUDBASE_ENV_ID: 'gp-env',
      CLOUDBASE_CLIENT_ID: 'gp-client',
      CLOUDBASE_CLIENT_SECRET: 'gp-client-secret',
      CLOUDBASE_API_ORIGIN: emulator.url,
      METRICS_PORT: '0',
      LIMIT_SMS_COOLDOWN_S: '3',
      LIMIT_LOGIN_FAILURE_MIN_MS: '0',
    });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await emulator?.close();
    await redis?.stop();
  }, 60_000);

  const newContext = (l: Lang, javaScriptEnabled = true) => contextInLanguage(browser, server.url, l, javaScriptEnabled);

  const submit = submitAndLoad;

  /** axe (no violations) at 375 px and desktop width in both schemes, and nothing wider than a 375 px screen. */
  async function check(page: Page, state: string): Promise<void> {
    const l = (await page.getAttribute('html', 'lang')) as Lang;
    for (const width of [375, 1100]) {
      await page.setViewportSize({ width, height: 800 });
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        const where = `${state} [${l}, ${colorScheme}, ${width}px]`;
        expect({ where, violations: await axeViolations(page) }).toEqual({ where, violations: [] });
        if (width === 375) {
          const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
          expect({ where, fits: scrollWidth <= 375 }).toEqual({ where, fits: true });
        }
        if (WRITE_SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${state.replace(/\W+/g, '-')}-${l}-${colorScheme}-${width}.png`), fullPage: true });
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1100, height: 800 });
  }

  async function newUser(): Promise<{ phone: string; sub: string }> {
    const phone = newPhone();
    const { sub } = await emu.createUser({ phone_number: `+86 ${phone}`, password: PASSWORD, name: `Guest Pages ${phone.slice(-4)}` });
    return { phone, sub };
  }

  async function signIn(page: Page, phone: string): Promise<void> {
    await page.goto(url('/login'));
    await page.locator('form[action="/login"] input[name=username]').fill(phone);
    await page.locator('form[action="/login"] input[name=password]').fill(PASSWORD);
    await submit(page, 'form[action="/login"] button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/');
  }

  const whoAmI = async (page: Page) => {
    const res = await page.request.get(url('/api/session'));
    return ((await res.json()) as { user?: { sub: string; anonymous: boolean } }).user;
  };

  describe.each(LANGS)('in %s', (l) => {
    it('a signed-in visit to /login goes on to returnTo, and the sign-up, SMS and reset pages go home', async () => {
      const context = await newContext(l);
      try {
        const page = await context.newPage();
        await signIn(page, (await newUser()).phone);
        await page.goto(url('/login?returnTo=%2Faccount'));
        expect(new URL(page.url()).pathname).toBe('/account');
        expect(await page.locator('.notice').innerText()).toBe(msg(l, 'guest.alreadySignedIn'));
        await check(page, 'signed-in visit to login');
        for (const path of ['/signup', '/login/sms', '/password/reset']) {
          await page.goto(url(path));
          expect(`${path} → ${new URL(page.url()).pathname}`).toBe(`${path} → /`);
          expect(await page.locator('.notice').innerText()).toBe(msg(l, 'guest.alreadySignedIn'));
        }
      } finally {
        await context.close();
      }
    }, 120_000);

    it('a device signed out from another lands on the sign-in page told why', async () => {
      const { phone } = await newUser();
      const here = await newContext(l);
      const there = await newContext(l);
      try {
        const mine = await here.newPage();
        const theirs = await there.newPage();
        await signIn(mine, phone);
        await signIn(theirs, phone);
        await mine.goto(url('/account/sessions'));
        await submit(mine, 'form[action="/account/sessions/revoke-others"] button[type=submit]');
        await theirs.goto(url('/account'));
        expect(new URL(theirs.url()).pathname).toBe('/login');
        expect(await theirs.locator('.notice').innerText()).toBe(msg(l, 'ended.others'));
        await check(theirs, 'signed out elsewhere');
        // Told once: the sign-in page opened again is an ordinary one.
        await theirs.goto(url('/login'));
        expect(await theirs.locator('.notice').count()).toBe(0);
      } finally {
        await here.close();
        await there.close();
      }
    }, 120_000);
  });

  it('"continue as a guest" in a tab opened before signing in does not swap the session', async () => {
    const { phone, sub } = await newUser();
    const context = await newContext('en');
    try {
      const stale = await context.newPage();
      await stale.goto(url('/login'));
      await signIn(await context.newPage(), phone);
      await submit(stale, 'form[action="/login/anonymous"] button[type=submit]');
      expect(new URL(stale.url()).pathname).toBe('/');
      expect(await stale.locator('.notice').innerText()).toBe(en['guest.alreadySignedIn']);
      expect(await whoAmI(stale)).toMatchObject({ sub, anonymous: false });
      await check(stale, 'continue as guest while signed in');
    } finally {
      await context.close();
    }
  }, 120_000);

  it('phone and code on one screen without JavaScript: the screen comes back ready for the code, and Enter signs up', async () => {
    const context = await newContext('zh-CN', false);
    try {
      const page = await context.newPage();
      const phone = newPhone();
      await page.goto(url('/signup'));
      await page.locator('#f-phone_number').fill(phone);
      await submit(page, 'button[data-send-code]');
      expect(new URL(page.url()).pathname).toBe('/signup');
      expect(await page.inputValue('#f-phone_number')).toBe(`+86 ${phone}`);
      expect(await page.evaluate('document.activeElement.id')).toBe('f-verification_code');
      expect(await page.locator('button[data-send-code]').isDisabled()).toBe(false);
      expect(await page.locator('button[data-send-code]').innerText()).toBe(zhCN['sms.resend']);
      expect(await page.locator('#resend-when').innerText()).toMatch(/\d\d:\d\d:\d\d( \S+)? 之后可以重新获取验证码。/);
      // (axe needs script in the page: the same screen is checked with JavaScript on below and in pages-look.test.ts.)
      await page.locator('#f-verification_code').fill(await emu.sms(`+86 ${phone}`));
      const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
      await page.locator('#f-verification_code').press('Enter');
      await navigated;
      await page.waitForLoadState('load');
      await page.locator('form[action="/signup"] input[name=name]').waitFor();
      expect(await page.locator('h2').first().innerText()).toBe(zhCN['signup.stepProfile']);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('phone and code on one screen with JavaScript: no reload, the code field ready, then signed in', async () => {
    const { phone, sub } = await newUser();
    const context = await newContext('en');
    try {
      const page = await context.newPage();
      await page.goto(url('/login/sms?returnTo=%2Faccount'));
      await check(page, 'one screen before the code');
      await page.locator('#f-phone_number').fill(phone);
      await page.evaluate('window.stayed = true');
      // Enter in the phone field asks for the code.
      await page.locator('#f-phone_number').press('Enter');
      await page.locator('[data-code-sent]').waitFor();
      expect(await page.evaluate('window.stayed === true')).toBe(true);
      expect(await page.evaluate('document.activeElement.id')).toBe('f-verification_code');
      expect(await page.locator('[data-cooldown-status]').innerText()).toContain(en['sms.sent'].replace('{phone}', `+86 ${phone.slice(0, 3)}****${phone.slice(7)}`));
      await check(page, 'one screen after the code was sent, with script');
      await page.locator('#f-verification_code').fill(await emu.sms(`+86 ${phone}`));
      await submit(page, 'form[data-phone-code] button[type=submit]:not([hidden]):not([data-send-code])');
      expect(new URL(page.url()).pathname).toBe('/account');
      expect(await whoAmI(page)).toMatchObject({ sub, anonymous: false });
    } finally {
      await context.close();
    }
  }, 120_000);
});
