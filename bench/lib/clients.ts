import { BENCH_ENV } from './env.js';

async function json(res: Response, what: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // not JSON: reported below with the status
  }
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text.slice(0, 300)}`);
  return body;
}

/** The emulator's control routes (`/__emulator/*`). */
export function emulatorControl(url: string) {
  const call = async (method: string, path: string, body?: unknown) =>
    json(
      await fetch(`${url}/__emulator${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
      `emulator ${method} ${path}`,
    );
  return {
    createUser: (user: Record<string, string>) => call('POST', '/users', user) as Promise<{ sub: string }>,
    setConfig: (patch: Record<string, unknown>) => call('PUT', '/config', patch),
    /** calls counted per "METHOD /path" */
    stats: async () => ((await call('GET', '/stats')).calls ?? {}) as Record<string, number>,
  };
}
export type EmulatorControl = ReturnType<typeof emulatorControl>;

/** A signed-in browser session on the BFF: the cookie header to send, and the session id inside it. */
export interface SignedInCookie {
  cookie: string;
  sid: string;
}

/** `name=value` of our session cookie from Set-Cookie headers, and the session id from its `s:<sid>.<signature>` value. */
export function sessionCookieFrom(setCookies: string[], name = BENCH_ENV.cookieName): SignedInCookie | undefined {
  for (const header of setCookies) {
    const pair = header.split(';', 1)[0]!;
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq).trim() !== name) continue;
    const value = decodeURIComponent(pair.slice(eq + 1));
    if (!value.startsWith('s:')) continue;
    const dot = value.lastIndexOf('.');
    return { cookie: pair, sid: value.slice(2, dot) };
  }
  return undefined;
}

/**
 * The same session id with a signature that does not verify (last characters of the signature changed): what an
 * attacker who guessed or stole an id without the secret would send.
 */
export function forgeCookie(signed: SignedInCookie, name = BENCH_ENV.cookieName): string {
  const value = decodeURIComponent(signed.cookie.slice(signed.cookie.indexOf('=') + 1));
  const dot = value.lastIndexOf('.');
  const sig = value.slice(dot + 1);
  const flipped = sig.slice(0, -4) + (sig.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  return `${name}=${encodeURIComponent(`${value.slice(0, dot)}.${flipped}`)}`;
}

/**
 * Password sign-in through the JSON API, as an SPA does it (`X-CSRF: 1`), through the TLS proxy the bench plays
 * (`X-Forwarded-Proto: https`, trusted from loopback): the BFF sets its Secure cookie only on an https request.
 */
export async function bffLogin(bffUrl: string, username: string, password: string): Promise<SignedInCookie> {
  const res = await fetch(`${bffUrl}/api/session/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf': '1', 'x-forwarded-proto': 'https' },
    body: JSON.stringify({ username, password }),
  });
  await json(res, `BFF POST /api/session/login as ${username}`);
  const signed = sessionCookieFrom(res.headers.getSetCookie());
  if (!signed) throw new Error(`BFF POST /api/session/login answered ${res.status} without a ${BENCH_ENV.cookieName} cookie`);
  return signed;
}

/** GET /api/session with the cookie; throws unless it answers 200. */
export async function bffSession(bffUrl: string, cookie: string): Promise<{ user: { sub: string } } & Record<string, unknown>> {
  const body = await json(await fetch(`${bffUrl}/api/session`, { headers: { cookie } }), 'BFF GET /api/session');
  return body as { user: { sub: string } } & Record<string, unknown>;
}

/** Signs in on the stock-session baseline (it stores a BFF-sized session). */
export async function stockLogin(stockUrl: string): Promise<SignedInCookie> {
  const res = await fetch(`${stockUrl}/login`, { method: 'POST' });
  await json(res, 'stock-session POST /login');
  const signed = sessionCookieFrom(res.headers.getSetCookie(), 'stock.sid');
  if (!signed) throw new Error('stock-session POST /login set no stock.sid cookie');
  return signed;
}
