import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
