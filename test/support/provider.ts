import type TestAgent from 'supertest/lib/agent.js';

/** The emulator's authorize page answering for a person: approve (with an identity) or deny. Returns the callback URL. */
export async function consent(
  authorizeUrl: string,
  decision: 'approve' | 'deny',
  identity: { sub?: string; name?: string; email?: string } = {},
): Promise<URL> {
  const url = new URL(authorizeUrl);
  // What the page pre-fills (its stable fake identity), as a browser would submit it, with the test's changes.
  const page = await (await fetch(url)).text();
  const prefilled = Object.fromEntries([...page.matchAll(/<input name="(sub|name|email|picture)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
  const form = new URLSearchParams({
    ...prefilled,
    ...identity,
    redirect_uri: url.searchParams.get('redirect_uri') ?? '',
    state: url.searchParams.get('state') ?? '',
    decision,
  });
  const res = await fetch(`${url.origin}${url.pathname}`, { method: 'POST', body: form, redirect: 'manual' });
  if (res.status !== 303) throw new Error(`authorize page answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

/** Starts a provider sign-in with one browser: the authorize URL the gateway sent it to. */
export async function startAt(agent: TestAgent, path: string): Promise<string> {
  const res = await agent.get(path);
  if (res.status !== 303) throw new Error(`start answered ${res.status}: ${res.text}`);
  return String(res.headers.location);
}

/** The callback URL as the gateway's path and query (the agent talks to the gateway). */
export function callbackPath(callback: URL): string {
  return `${callback.pathname}${callback.search}`;
}

/** The emulator's providers (`PUT /__emulator/providers`): `auto_sign_up: false` makes CloudBase refuse to sign up. */
export async function setEmulatorProviders(emulatorUrl: string, providers: { id: string; auto_sign_up?: boolean }[]): Promise<void> {
  const res = await fetch(`${emulatorUrl}/__emulator/providers`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ providers }),
  });
  if (!res.ok) throw new Error(`PUT /__emulator/providers: ${res.status} ${await res.text()}`);
}

/** Waits (polling, at most `limitMs`) until `done()` holds; fails the test if it never does. */
export async function waitUntil(done: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
