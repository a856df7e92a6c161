import type { EmulatorState } from '../../src/emulator/server.js';

/** The session id inside the signed session cookie (`s:<sid>.<signature>`, URL-encoded) of a Set-Cookie header. */
export function sessionIdFromCookie(setCookie: string | string[] | undefined, name = 'cbg.sid'): string {
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const value = cookies.find((c) => c.startsWith(`${name}=`))?.split(';')[0]?.slice(name.length + 1);
  const m = value ? /^s:(.+)\.[^.]+$/.exec(decodeURIComponent(value)) : null;
  if (!m) throw new Error(`no signed ${name} cookie in ${JSON.stringify(cookies)}`);
  return m[1]!;
}

/** `name=value` of the session cookie, ready for a Cookie header. */
export function cookiePair(setCookie: string | string[] | undefined, name = 'cbg.sid'): string {
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

/** Resolves once `check` holds, polling; fails after `timeoutMs` (a safety net, not a measurement). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
