import { COOKIES } from '../../src/config/index.js';
import type { EmulatorState } from '../../src/emulator/server.js';
import { REFRESH_WINDOW_SHARE } from '../../src/session/tokens.js';

/** The session id inside the signed session cookie (`s:<sid>.<signature>`, URL-encoded) of a Set-Cookie header. */
export function sessionIdFromCookie(setCookie: string | string[] | undefined, name: string = COOKIES.session): string {
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const value = cookies.find((c) => c.startsWith(`${name}=`))?.split(';')[0]?.slice(name.length + 1);
  const m = value ? /^s:(.+)\.[^.]+$/.exec(decodeURIComponent(value)) : null;
  if (!m) throw new Error(`no signed ${name} cookie in ${JSON.stringify(cookies)}`);
  return m[1]!;
}

/** `name=value` of the session cookie, ready for a Cookie header. */
export function cookiePair(setCookie: string | string[] | undefined, name: string = COOKIES.session): string {
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const pair = cookies.find((c) => c.startsWith(`${name}=`))?.split(';')[0];
  if (!pair) throw new Error(`no ${name} cookie in ${JSON.stringify(cookies)}`);
  return pair;
}

/** What CloudBase (the emulator) issued to one user: every access token and refresh token of their sessions. */
export function issuedTokens(state: EmulatorState, sub: string): { access: number; refresh: number; liveRefresh: Set<string> } {
  const mine = new Set([...state.sessions.values()].filter((s) => s.sub === sub).map((s) => s.id));
  const refresh = [...state.refreshTokens].filter(([, r]) => mine.has(r.sessionId));
  return {
    access: [...state.accessTokens.values()].filter((a) => mine.has(a.sessionId)).length,
    refresh: refresh.length,
    liveRefresh: new Set(refresh.filter(([, r]) => !r.used).map(([t]) => t)),
  };
}

/**
 * Resolves once an access token of `ttlS` seconds, issued before `issuedBy` (epoch ms, e.g. taken right after the
 * sign-in), is due for refresh: the gateway refreshes REFRESH_SKEW_S (`skewS`) before expiry, but never earlier than
 * a share of the token's lifetime, so a short-lived token is not due at once.
 */
export async function untilRefreshDue(issuedBy: number, ttlS: number, skewS = 60): Promise<void> {
  const due = issuedBy + ttlS * 1000 - Math.min(skewS * 1000, ttlS * 1000 * REFRESH_WINDOW_SHARE);
  await waitFor('the access token to be due for refresh', () => Date.now() >= due);
}

/** Resolves once `check` holds, polling; fails after `timeoutMs` (a safety net, not a measurement). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
