import { accessSync, constants, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * The real browser for end-to-end tests: Debian's `chromium` (never a downloaded one), driven by playwright-core.
 * `CHROMIUM_PATH` overrides where it lives.
 */
export const chromiumPath = (): string => process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** The flags every test browser runs with: headless, no sandbox (containers), and nothing that phones home. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** True when an executable Chromium is at chromiumPath(). Synchronous, so it can decide at describe() time. */
export function chromiumAvailable(): boolean {
  try {
    accessSync(chromiumPath(), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Launches Chromium with a fresh, throwaway profile (launch() creates and removes its own user-data dir). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_ARGS],
    timeout: 30_000,
  });
}

/**
 * `describe` for tests that need the browser. Without Chromium it skips loudly on a developer's machine, but under
 * CI (`CI` set) a missing browser fails the suite: a green run there must mean the browser tests ran.
 */
export function describeWithBrowser(name: string, fn: () => void): void {
  if (chromiumAvailable()) {
    describe(name, fn);
    return;
  }
  const why = `Chromium not found at ${chromiumPath()} (set CHROMIUM_PATH, or install the Debian package "chromium")`;
  if (process.env.CI) {
    throw new Error(`${why}: browser tests cannot be skipped when CI is set.`);
  }
  console.warn(`\n*** SKIPPING browser tests "${name}": ${why}. ***\n`);
  describe.skip(name, fn);
}

/** The emulator credentials a browser test's gateway signs its CloudBase calls with. */
export const E2E_CLOUDBASE = { envId: 'e2e-env', clientId: 'e2e-client', clientSecret: 'e2e-client-secret' } as const;

/** The environment of a browser test's gateway (`node dist/main.js`) on its own Redis and emulator; `extra` adds to it. */
export function e2eGatewayEnv(redisUrl: string, emulatorUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    SESSION_SECRET: 'e2e-session-secret-0123456789abcdef0123',
    REDIS_URL: redisUrl,
    CLOUDBASE_ENV_ID: E2E_CLOUDBASE.envId,
    CLOUDBASE_CLIENT_ID: E2E_CLOUDBASE.clientId,
    CLOUDBASE_CLIENT_SECRET: E2E_CLOUDBASE.clientSecret,
    CLOUDBASE_API_ORIGIN: emulatorUrl,
    ...extra,
  };
}

/** Clicks the first element `selector` finds (a submit button) and waits for the page that answers, redirects followed. */
export async function submitAndLoad(page: Page, selector: string): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  await page.locator(selector).first().click();
  await navigated;
  await page.waitForLoadState('load');
}

/** A desktop-width context in `lang`, with the language cookie the switcher sets, as a person who chose it has. */
export async function contextInLanguage(browser: Browser, serverUrl: string, lang: string, javaScriptEnabled = true): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: lang, javaScriptEnabled, viewport: { width: 1100, height: 800 } });
  context.setDefaultTimeout(15_000);
  await context.addCookies([{ name: 'lang', value: lang, url: serverUrl }]);
  return context;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * axe-core's violations on the page as it stands, one readable line each (rule, impact, help, and the elements with
 * what fails there); empty when there are none. axe is put in the page once, by the devtools protocol, so the page's
 * own CSP (script-src 'self') stays on.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if ((await page.evaluate('typeof window.axe')) === 'undefined') await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<AxeViolation[]>("axe.run({ resultTypes: ['violations'] }).then((r) => r.violations)");
  return violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n    ')}`,
  );
}
