/**
 * What the pages look like and how they behave, in real Chromium against the BUILT gateway (`node dist/main.js`) run
 * as `npm start` runs it without Redis (the development store), with the emulator in this process so the test reads
 * the SMS codes. Every page state is checked by axe-core in both languages, both colour schemes, at phone (375 px)
 * and desktop width, with no horizontal overflow at 375 px; the main pages are screenshotted in each combination.
 * Then the behaviours: password show/hide, one request per click while busy, the SMS countdown (server-given length,
 * announced at start and end only), and "send a new code" with JavaScript off once the cooldown is over.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Request, Route } from 'playwright-core';
import { axeViolations, contextInLanguage, describeWithBrowser, launchBrowser, submitAndLoad } from '../support/browser.js';
import { buildGateway, projectRoot, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';
import { emulatorControl, type EmulatorControl } from '../support/gateway.js';
import { en, zhCN, type MessageKey } from '../../src/i18n/messages.js';

type Lang = 'en' | 'zh-CN';
const LANGS: readonly Lang[] = ['zh-CN', 'en'];
const THEMES = ['light', 'dark'] as const;
const WIDTHS = [375, 1100] as const;
const COOLDOWN_S = 4;

const SCREENSHOTS = join(projectRoot, 'test', 'e2e', 'screenshots', 'look');

/** WCAG contrast ratio of two CSS rgb()/rgba() colours (opaque). */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const msg = (l: Lang, key: MessageKey) => (l === 'en' ? en : zhCN)[key];

describeWithBrowser('what the pages look like: axe, both languages and themes, phone and desktop', () => {
  let emulator: RunningEmulator;
  let emu: EmulatorControl;
  let server: ServerProcess;
  let browser: Browser;
  let phoneSeq = 5000;
  const newPhone = () => `137${String(phoneSeq++).padStart(8, '0')}`;
  const url = (path: string) => `${server.url}${path}`;
  const USER = { username: 'look_user', password: 'Look-Passw0rd-1', name: 'Li Look 李', phone_number: '+86 13700009999' };

  beforeAll(async () => {
    buildGateway();
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const f of readdirSync(SCREENSHOTS)) if (f.endsWith('.png')) rmSync(join(SCREENSHOTS, f));
    emulator = await startTestEmulator({ envId: 'look-env', clientId: 'look-client', clientSecret: 'look-client-secret' });
    emu = emulatorControl(emulator.url);
    await emu.setConfig({ sms_cooldown_s: 0 });
    await emu.createUser(USER);
    // No REDIS_URL: the development store, as `npm start` runs on a laptop.
    server = await startServerProcess({
      NODE_ENV: 'test',
      SESSION_SECRET: 'look-session-secret-0123456789abcdef0123',
      CLOUDBASE_ENV_ID: 'look-env',
      CLOUDBASE_CLIENT_ID: 'look-client',
      CLOUDBASE_CLIENT_SECRET: 'look-client-secret',
      CLOUDBASE_API_ORIGIN: emulator.url,
      APP_NAME: 'Lantern 灯笼',
      TERMS_URL: 'https://example.com/terms',
      PRIVACY_URL: 'https://example.com/privacy',
      LIMIT_SMS_COOLDOWN_S: String(COOLDOWN_S),
      LIMIT_LOGIN_FAILURE_MIN_MS: '0',
    });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await emulator?.close();
  }, 60_000);

  const newContext = (l: Lang, javaScriptEnabled = true) => contextInLanguage(browser, server.url, l, javaScriptEnabled);

  /** Bounded polling of a page expression (string expressions go by the devtools protocol, past the page's CSP). */
  async function until(page: Page, expression: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await page.evaluate(expression))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const submit = submitAndLoad;

  /**
   * axe at both widths and in both schemes (no reload: the media queries answer live), no horizontal overflow at
   * 375 px; `shot` names a screenshot for each combination.
   */
  async function check(page: Page, state: string, shot?: string): Promise<void> {
    const l = (await page.getAttribute('html', 'lang')) as Lang;
    expect(LANGS).toContain(l);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      for (const colorScheme of THEMES) {
        await page.emulateMedia({ colorScheme });
        const where = `${state} [${l}, ${colorScheme}, ${width}px]`;
        expect({ where, violations: await axeViolations(page) }).toEqual({ where, violations: [] });
        if (width === 375) {
          const scrollWidth = await page.evaluate('document.documentElement.scrollWidth');
          expect({ where, scrollWidth: Number(scrollWidth) <= 375 }).toEqual({ where, scrollWidth: true });
          // Touch targets: every button, text field and stand-alone link at least 44 px tall and wide.
          const small = await page.evaluate(`[...document.querySelectorAll(
            'button, input:not([type=hidden]):not([type=checkbox]), .top nav a, main > p > a, .actions a, .captcha a'
          )].filter((el) => el.offsetParent !== null)
            .map((el) => [el, el.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44)
            .map(([el, r]) => el.outerHTML.slice(0, 80) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))`);
          expect({ where, small }).toEqual({ where, small: [] });
        }
        if (width !== 375) {
          // The focus ring, reached by keyboard: ≥ 3:1 against what it sits on, in this scheme.
          await page.evaluate('document.activeElement && document.activeElement.blur()');
          await page.keyboard.press('Tab');
          const ring = await page.evaluate<{ tag: string; style: string; width: number; color: string; bg: string }>(`(() => {
            const el = document.activeElement;
            const s = getComputedStyle(el);
            return { tag: el.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
              bg: (() => {
                // What the ring is drawn on: the nearest ancestor with a background of its own.
                for (let p = el.parentElement; p; p = p.parentElement) {
                  const c = getComputedStyle(p).backgroundColor;
                  if (c !== 'transparent' && !c.endsWith(', 0)')) return c;
                }
                return 'rgb(255, 255, 255)';
              })() };
          })()`);
          expect({ where, focused: ring.tag !== 'BODY', style: ring.style }).toEqual({ where, focused: true, style: 'solid' });
          expect(ring.width).toBeGreaterThanOrEqual(2);
          expect({ where, ring, ratio: contrast(ring.color, ring.bg) >= 3 }).toEqual({ where, ring, ratio: true });
          await page.evaluate('document.activeElement.blur()');
        }
        if (shot) await page.screenshot({ path: join(SCREENSHOTS, `${shot}-${l}-${colorScheme}-${width}.png`), fullPage: true });
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1100, height: 800 });
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto(url('/login'));
    await page.locator('input[name=username]').fill(USER.username);
    await page.locator('input[name=password]').fill(USER.password);
    await submit(page, 'form[action="/login"] button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/');
  }

  /** Signs up by SMS up to the profile step. */
  async function toProfileStep(page: Page): Promise<void> {
    const phone = newPhone();
    await page.goto(url('/signup'));
    await page.locator('input[name=phone_number]').fill(phone);
    await page.locator('button[data-send-code]').click();
    await page.locator('[data-code-sent]').waitFor();
    await page.locator('input[name=verification_code]').fill(await emu.sms(`+86 ${phone}`));
    await submit(page, 'form[action="/signup/verify"] button[type=submit]:not([hidden]):not([formaction])');
    await page.locator('form[action="/signup"] input[name=name]').waitFor();
  }

  describe.each(LANGS)('in %s', (l) => {
    let context: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      context = await newContext(l);
      page = await context.newPage();
    });
    afterAll(async () => {
      await context?.close();
    });

    it('signed-out pages pass axe everywhere', async () => {
      for (const [path, shot] of [
        ['/', 'home'],
        ['/login', 'login'],
        ['/login/sms', undefined],
        ['/signup', undefined],
        ['/password/reset', undefined],
        ['/no-such-page', undefined],
      ] as const) {
        await page.goto(url(path));
        await check(page, path, shot);
      }
    }, 180_000);

    it('a failed sign-in: the field marked, focused, named in the summary, "Error:" in the title', async () => {
      await page.goto(url('/login'));
      await page.locator('input[name=username]').fill('someone');
      await submit(page, 'form[action="/login"] button[type=submit]');
      expect(await page.title()).toMatch(new RegExp(`^${msg(l, 'form.errorTitle')}`));
      expect(await page.evaluate('document.activeElement.id')).toBe('f-password');
      expect(await page.getAttribute('#f-password', 'aria-invalid')).toBe('true');
      expect(await page.locator('.error-summary a[href="#f-password"]').count()).toBe(1);
      await check(page, 'login with a field error', 'login-error');
    }, 120_000);

    it('the code step with its countdown, and the sign-up profile with consent (and its refusal)', async () => {
      await page.goto(url('/login/sms'));
      await page.locator('input[name=phone_number]').fill(newPhone());
      await page.locator('button[data-send-code]').click();
      await page.locator('[data-code-sent]').waitFor();
      await check(page, 'SMS code step', 'sms-code');

      await toProfileStep(page);
      await check(page, 'sign-up profile', 'signup-profile');
      await page.locator('input[name=name]').fill('Consent Test');
      await submit(page, 'form[action="/signup"] button[type=submit]');
      expect(await page.getAttribute('#f-consent', 'aria-invalid')).toBe('true');
      expect(await page.evaluate('document.activeElement.id')).toBe('f-consent');
      await check(page, 'sign-up refused without consent');
      await page.locator('#f-consent').check();
      await submit(page, 'form[action="/signup"] button[type=submit]');
      expect(new URL(page.url()).pathname).toBe('/');
      await context.clearCookies();
      await context.addCookies([{ name: 'lang', value: l, url: server.url }]);
    }, 180_000);

    it('the email alternative: a refused address, then the email and code screen for the mailed code', async () => {
      await page.goto(url('/password/reset'));
      await page.locator('input[name=email]').fill('not-an-email');
      await submit(page, 'form[action="/password/reset/code"]:has(input[name=email]) button[type=submit]');
      expect(await page.getAttribute('#f-email', 'aria-invalid')).toBe('true');
      expect(await page.evaluate('document.activeElement.id')).toBe('f-email');
      await check(page, 'email refused');
      // The refused address is back in the one-screen form's email field (never the phone field): "get code" beside it.
      expect(await page.locator('form[data-phone-code] input[name=phone_number]').count()).toBe(0);
      await page.locator('form[data-phone-code] input[name=email]').fill(`look.${l}@example.com`);
      await page.locator('form[data-phone-code] button[data-send-code]').click();
      await page.locator('[data-code-sent]').waitFor();
      expect(await page.locator('main').innerText()).toContain('lo***@example.com');
      expect(await page.inputValue('form[data-phone-code] input[name=email]')).toBe(`look.${l}@example.com`.toLowerCase());
      expect(await page.evaluate('document.activeElement.id')).toBe('f-verification_code');
      await check(page, 'mailed code step');
      await context.clearCookies();
      await context.addCookies([{ name: 'lang', value: l, url: server.url }]);
    }, 180_000);

    it('a captcha: the picture at its natural size and a "new picture" link', async () => {
      await emu.setConfig({ fail: { 'POST /auth/v1/signin': 'captcha_required' } });
      try {
        await page.goto(url('/login'));
        await page.locator('input[name=username]').fill(USER.username);
        await page.locator('input[name=password]').fill(USER.password);
        await submit(page, 'form[action="/login"] button[type=submit]');
        const img = page.locator('img[data-captcha]');
        await img.waitFor();
        await until(page, "document.querySelector('img[data-captcha]').complete");
        const size = await page.evaluate<{ w: number; h: number; nw: number; nh: number }>(
          "(() => { const el = document.querySelector('img[data-captcha]'); return { w: el.width, h: el.height, nw: el.naturalWidth, nh: el.naturalHeight }; })()",
        );
        expect(size.nw).toBeGreaterThan(0);
        expect({ w: size.w, h: size.h }).toEqual({ w: size.nw, h: size.nh });
        const before = await img.getAttribute('src');
        await page.locator('a[data-new-picture]').click();
        await until(page, `document.querySelector('img[data-captcha]').getAttribute('src') !== ${JSON.stringify(before)}`);
        await until(page, "document.querySelector('img[data-captcha]').complete");
        expect(new URL(page.url()).pathname).toBe('/login');
        await check(page, 'captcha', 'captcha');
      } finally {
        await emu.setConfig({ fail: {} });
      }
    }, 120_000);

    it('signed-in pages: account, sessions as cards with the process-only note, sign-out confirm', async () => {
      await signIn(page);
      await check(page, 'home signed in');
      await page.goto(url('/account'));
      await check(page, 'account', 'account');
      await page.goto(url('/account/sessions'));
      expect(await page.locator('body').innerText()).toContain(msg(l, 'sessions.processOnly'));
      expect(await page.locator('table').count()).toBe(0);
      const label = await page.locator('li.current button[type=submit]').getAttribute('aria-label');
      expect(label).toContain(msg(l, 'sessions.revoke'));
      expect(label).toContain(msg(l, 'sessions.current'));
      await check(page, 'sessions', 'sessions');
      await page.goto(url('/logout'));
      await check(page, 'sign-out confirm');
      await submit(page, 'form[action="/logout"] button[type=submit]');
    }, 180_000);

    it('a guest who signs up keeps the same account: the sub is unchanged', async () => {
      const sub = async () => JSON.parse(await page.locator('body').innerText()) as { user: { sub: string; anonymous: boolean } };
      await page.goto(url('/login'));
      await submit(page, 'form[action="/login/anonymous"] button[type=submit]');
      await page.goto(url('/api/session'));
      const guest = (await sub()).user;
      expect(guest.anonymous).toBe(true);
      await toProfileStep(page);
      await page.locator('input[name=name]').fill('Guest no more');
      await page.locator('#f-consent').check();
      await submit(page, 'form[action="/signup"] button[type=submit]');
      await page.goto(url('/api/session'));
      expect((await sub()).user).toMatchObject({ sub: guest.sub, anonymous: false });
      await context.clearCookies();
      await context.addCookies([{ name: 'lang', value: l, url: server.url }]);
    }, 120_000);

    it('account self-service: profile edit (saved, and a taken username refused on its field), sign-in history, phone change', async () => {
      const taken = `look_taken_${l.replace('-', '')}`;
      await emu.createUser({ username: taken, password: `${USER.password}-t` });
      await signIn(page);
      await page.goto(url('/account/profile'));
      expect(await page.inputValue('#f-name')).toBe(USER.name);
      await check(page, 'profile', 'profile');
      await page.locator('#f-username').fill(taken);
      await submit(page, 'form[action="/account/profile"] button[type=submit]');
      expect(await page.getAttribute('#f-username', 'aria-invalid')).toBe('true');
      expect(await page.locator('.error-summary a[href="#f-username"]').count()).toBe(1);
      expect(await page.locator('body').innerText()).toContain(msg(l, 'err.username_taken'));
      await check(page, 'profile with a taken username', 'profile-error');
      await page.locator('#f-username').fill(USER.username);
      await page.locator('#f-name').fill(`${USER.name} ✓`);
      await page.locator('#f-gender').selectOption('FEMALE');
      await submit(page, 'form[action="/account/profile"] button[type=submit]');
      expect(new URL(page.url()).pathname).toBe('/account');
      const account = await page.locator('body').innerText();
      expect(account).toContain(msg(l, 'profile.saved'));
      expect(account).toContain(`${USER.name} ✓`);
      await check(page, 'account after a profile edit');
      await page.goto(url('/account/history'));
      expect(await page.locator('li[data-entry]').count()).toBeGreaterThan(0);
      expect(await page.locator('body').innerText()).toContain(msg(l, 'history.current'));
      await check(page, 'sign-in history', 'history');
      // Change of phone: the new number, then its code and the password (Chromium, the person's way).
      const phone = newPhone();
      await page.goto(url('/account/contact'));
      await check(page, 'contact, new phone or email', 'contact');
      await page.locator('#f-phone_number').fill(phone);
      await submit(page, 'form[action="/account/contact/code"] button[type=submit]');
      await page.locator('input[name=verification_code]').waitFor();
      await check(page, 'contact, code and password', 'contact-code');
      await page.locator('input[name=verification_code]').fill(await emu.sms(`+86 ${phone}`));
      await page.locator('input[name=password]').fill(USER.password);
      await submit(page, 'form[action="/account/contact"] button[type=submit]');
      expect(new URL(page.url()).pathname).toBe('/account');
      expect(await page.locator('body').innerText()).toContain(msg(l, 'contact.changed'));
      // Put the shared user back as it was for the other tests.
      await page.goto(url('/account/profile'));
      await page.locator('#f-name').fill(USER.name);
      await submit(page, 'form[action="/account/profile"] button[type=submit]');
      await page.goto(url('/logout'));
      await submit(page, 'form[action="/logout"] button[type=submit]');
    }, 180_000);
  });

  describe('behaviour with JavaScript on', () => {
    let context: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      context = await newContext('en');
      page = await context.newPage();
    });
    afterAll(async () => {
      await context?.close();
    });

    it('the password toggle shows and hides the password, and the field is a password field again on submit', async () => {
      await page.goto(url('/login'));
      const input = page.locator('#f-password');
      const toggle = page.locator('button.reveal[aria-controls="f-password"]');
      expect(await toggle.getAttribute('aria-pressed')).toBe('false');
      await input.fill('typed-secret');
      await toggle.click();
      expect(await input.getAttribute('type')).toBe('text');
      expect(await toggle.getAttribute('aria-pressed')).toBe('true');
      await toggle.click();
      expect(await input.getAttribute('type')).toBe('password');
      const box = await toggle.boundingBox();
      expect(box!.height).toBeGreaterThanOrEqual(44);
    }, 60_000);

    it('while a form is sent, its button is busy and disabled and a second click sends nothing', async () => {
      await page.goto(url('/login'));
      await page.locator('#f-username').fill(USER.username);
      await page.locator('#f-password').fill(USER.password);
      const posts: Request[] = [];
      let held: Route | undefined;
      await page.route(url('/login'), async (route) => {
        if (route.request().method() !== 'POST') return route.continue();
        posts.push(route.request());
        held = route;
      });
      // While the request is held the page cannot be evaluated, so the page reports through its console.
      const said: string[] = [];
      page.on('console', (m) => said.push(m.text()));
      await page.evaluate(`(() => {
        const form = document.querySelector('form[action="/login"]');
        const button = form.querySelector('button[type=submit]');
        button.click();
        console.log('busy:' + button.getAttribute('aria-busy'));
        // Second presses once the first is on its way: the button again, and the form sent as Enter sends it.
        setTimeout(() => {
          console.log('disabled:' + button.disabled);
          button.click();
          form.requestSubmit();
          console.log('pressed again');
        }, 50);
      })()`);
      for (const deadline = Date.now() + 15_000; !said.includes('pressed again') && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
      expect(said).toEqual(['busy:true', 'disabled:true', 'pressed again']);
      expect(posts).toHaveLength(1);
      const navigated = page.waitForURL((u) => u.pathname === '/');
      await held!.continue();
      await navigated;
      expect(posts).toHaveLength(1);
      await page.unroute(url('/login'));
      await page.goto(url('/logout'));
      await submit(page, 'form[action="/logout"] button[type=submit]');
    }, 60_000);

    it('"get code" sends without a reload; the countdown takes its length from the server and speaks only at its start and end', async () => {
      const phone = newPhone();
      await page.goto(url('/login/sms'));
      await page.locator('#f-phone_number').fill(phone);
      // Every text the live region ever holds is recorded (the region comes with the screen the server answers), to
      // prove it does not tick every second; a reload would lose the marker.
      await page.evaluate(`(() => {
        window.stayed = true;
        const seen = [];
        window.seen = seen;
        new MutationObserver(() => {
          const status = document.querySelector('[data-cooldown-status]');
          const text = status ? status.textContent : '';
          if (text !== seen[seen.length - 1]) seen.push(text);
        }).observe(document.querySelector('main'), { childList: true, characterData: true, subtree: true });
      })()`);
      await page.locator('button[data-send-code]').click();
      await page.locator('[data-code-sent]').waitFor();
      expect(await page.evaluate('window.stayed === true')).toBe(true);
      expect(new URL(page.url()).pathname).toBe('/login/sms');
      expect(await page.inputValue('#f-phone_number')).toBe(`+86 ${phone}`);
      expect(await page.evaluate('document.activeElement.id')).toBe('f-verification_code');
      const resend = page.locator('button[data-cooldown]');
      const seconds = Number(await resend.getAttribute('data-cooldown'));
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThanOrEqual(COOLDOWN_S);
      expect(await resend.isDisabled()).toBe(true);
      expect(await page.locator('.cooldown').getAttribute('aria-live')).toBeNull();
      await until(page, "!document.querySelector('button[data-cooldown]').disabled", (COOLDOWN_S + 20) * 1000);
      const seen = (await page.evaluate<string[]>('window.seen')).filter((s) => s !== '');
      const sent = en['sms.sent'].replace('{phone}', `+86 ${phone.slice(0, 3)}****${phone.slice(7)}`);
      expect(seen).toEqual([`${sent} ${en['sms.resendIn'].replace('{seconds}', String(seconds))}`, en['sms.resendReady']]);
      // The sign-in button sends the code from the same screen (a new number goes on to sign-up).
      await page.locator('#f-verification_code').fill(await emu.sms(`+86 ${phone}`));
      await submit(page, 'form[data-phone-code] button[type=submit]:not([hidden]):not([formaction]):not([data-send-code])');
      expect(new URL(page.url()).pathname).toBe('/signup');
      await context.clearCookies();
      await context.addCookies([{ name: 'lang', value: 'en', url: server.url }]);
    }, 60_000);
  });

  describe('with JavaScript off', () => {
    it('"send a new code" is enabled, says from when, refuses an early click, and sends once the time has come', async () => {
      const context = await newContext('en', false);
      try {
        const page = await context.newPage();
        const phone = newPhone();
        await page.goto(url('/login/sms'));
        await page.locator('#f-phone_number').fill(phone);
        await submit(page, 'button[data-send-code]');
        const resend = page.locator('button[data-send-code]');
        expect(await resend.isDisabled()).toBe(false);
        const when = await page.locator('#resend-when').innerText();
        expect(when).toMatch(/^You can ask for a new code after \d\d:\d\d:\d\d/);
        const sentBefore = (await emu.stats())['POST /auth/v1/verification'] ?? 0;

        // Too early: the server refuses with the cooldown message and sends nothing.
        await submit(page, 'button[data-send-code]');
        expect(await page.locator('.error-summary').innerText()).toContain(en['err.resend_too_soon']);
        expect((await emu.stats())['POST /auth/v1/verification'] ?? 0).toBe(sentBefore);

        // Once the cooldown is over (polling the page the person would reload), the same button sends a new code.
        const deadline = Date.now() + (COOLDOWN_S + 20) * 1000;
        for (;;) {
          await page.goto(url('/login/sms'));
          if (Number(await page.locator('button[data-cooldown]').getAttribute('data-cooldown')) === 0) break;
          if (Date.now() > deadline) throw new Error('the cooldown never ended');
          await new Promise((r) => setTimeout(r, 250));
        }
        expect(await page.locator('#resend-when').innerText()).toBe('');
        await submit(page, 'button[data-send-code]');
        expect(new URL(page.url()).pathname).toBe('/login/sms');
        expect(await page.locator('.error-summary').count()).toBe(0);
        expect((await emu.stats())['POST /auth/v1/verification'] ?? 0).toBe(sentBefore + 1);
      } finally {
        await context.close();
      }
    }, 120_000);
  });
});
