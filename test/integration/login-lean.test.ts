import supertest, { type Response } from 'supertest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startRedis } from '../support/redis-server.js';
import { waitFor } from '../support/sessions.js';
import { COOKIES } from '../../src/config/cookies.js';
import { mobile, RELAXED_LIMITS, sessionCookieOf, spa } from '../support/api.js';
import { assertMatchesOpenApi } from '../support/openapi-check.js';

/**
 * `POST /api/session/login` without a session is answered ahead of Express's routing (src/routes/api/login-lean.ts).
 * Two gateways, each with its own Redis and emulator holding the same account: one with the lean sign-in, one with
 * every sign-in through Express (`leanLogin: false`). The same requests go to both and their answers, the sessions
 * they store and the keys they write are compared; the session the lean path makes then works everywhere.
 */
const PASSWORD = 'Lean-sign-in-Pw-7731';
const USER = { username: 'lean-lou', phone_number: '+86 13900007731', email: 'lou@example.com', password: PASSWORD, name: 'Lou' };
const login = { username: 'lean-lou', password: PASSWORD };
const UA = 'lean-login-test/1.0';

let lean: TestGateway;
let full: TestGateway;
/** sign-ins that reached Express's router, per gateway */
const routed = new Map<TestGateway, number>();

function countRouted(gw: TestGateway): void {
  const router = (gw.app as unknown as { router: { handle: (req: { url: string }, ...rest: unknown[]) => unknown } }).router;
  const handle = router.handle.bind(router);
  routed.set(gw, 0);
  router.handle = (req, ...rest) => {
    if (req.url.startsWith('/api/session/login')) routed.set(gw, routed.get(gw)! + 1);
    return handle(req, ...rest);
  };
}

beforeAll(async () => {
  [lean, full] = await Promise.all([
    startTestGateway({ env: RELAXED_LIMITS }),
    startTestGateway({ env: RELAXED_LIMITS, app: { leanLogin: false } }),
  ]);
  for (const gw of [lean, full]) {
    await gw.emu.createUser(USER);
    gw.secrets.add(PASSWORD);
    countRouted(gw);
  }
});

afterAll(async () => {
  try {
    for (const gw of [lean, full]) {
      gw.assertNoLeaks();
      assertMatchesOpenApi(gw.transcript);
    }
  } finally {
    await Promise.all([lean.close(), full.close()]);
  }
});

type Send = (gw: TestGateway) => Promise<Response>;

const post = (headers: Record<string, string>, body?: string | object): Send => (gw) => {
  let req = supertest(gw.server).post('/api/session/login').set('User-Agent', UA);
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  return body === undefined ? req : req.send(body);
};
const json = (body: string | object, extra: Record<string, string> = {}) => post({ 'Content-Type': 'application/json', 'X-CSRF': '1', ...extra }, body);

/** Runs one request on both gateways and says which of them went through Express's router. */
async function both(send: Send): Promise<{ l: Response; f: Response; leanRouted: boolean }> {
  const before = routed.get(lean)!;
  const beforeFull = routed.get(full)!;
  const [l, f] = await Promise.all([send(lean), send(full)]);
  expect(routed.get(full)).toBe(beforeFull + 1);
  return { l, f, leanRouted: routed.get(lean) !== before };
}

const VOLATILE = new Set(['date', 'x-request-id', 'set-cookie', 'content-length', 'connection', 'keep-alive']);

/** Everything of an answer that must be equal: status, header names and values (not ids, dates, cookie values), body. */
function view(res: Response) {
  const headers = Object.fromEntries(
    Object.entries(res.headers)
      .filter(([k]) => !VOLATILE.has(k))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
  const cookies = ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).map((c) => {
    const [pair, ...attrs] = c.split('; ');
    return { name: pair!.split('=')[0], attrs };
  });
  return { status: res.status, headers, cookies, body: normalised(res.text) };
}

/** The body with what differs between two sign-ins by nature (the user's id, the session's end, new tokens) named. */
function normalised(text: string): unknown {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return text;
  }
  const out: Record<string, unknown> = { ...body };
  if (out.user) out.user = { ...out.user, sub: typeof (out.user as { sub?: unknown }).sub };
  if (typeof out.expires_at === 'string') out.expires_at = Number.isNaN(Date.parse(out.expires_at)) ? 'bad date' : 'a date';
  if (typeof out.session_token === 'string') out.session_token = /^[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{43}$/.test(out.session_token) ? 'a token' : out.session_token;
  if (typeof out.device_token === 'string') out.device_token = out.device_token.length > 20 ? 'a device token' : out.device_token;
  return out;
}

const sidOf = (res: Response) => decodeURIComponent(sessionCookieOf(res)!.split(';')[0]!.split('=')[1]!).slice(2).split('.')[0]!;

/** The session's record and its user's index entry, in shapes that two sign-ins of the same account share. */
async function stored(gw: TestGateway, sid: string, sub: string) {
  const key = gw.store.keys.session(sid);
  const fields = await gw.redis.hgetallBuffer(key);
  const d = JSON.parse(fields.d!.toString('utf8')) as Record<string, unknown>;
  const [format, created, seen, flags, user] = fields.u!.toString('utf8').split('|');
  const entry = await gw.redis.hgetBuffer(gw.store.keys.user(sub), sid);
  return {
    fields: Object.keys(fields).sort(),
    v: fields.v!.toString(),
    d: Object.fromEntries(Object.entries(d).map(([k, val]) => [k, k === 'ua' || k === 'ip' ? val : typeof val])),
    u: { format, created: created === seen, flags, user: { ...(JSON.parse(user!) as object), sub: 'sub' } },
    sealedBytes: fields.k?.length,
    ttlMs: await gw.redis.pttl(key),
    indexEntryBytes: entry?.length,
    indexTtl: (await gw.redis.pttl(gw.store.keys.user(sub))) > 0,
  };
}

/** The keys a request added to Redis, with the session id and the user's id named. */
async function addedKeys(gw: TestGateway, run: () => Promise<Response>): Promise<{ res: Response; keys: string[] }> {
  const before = new Set(await gw.redis.keys('*'));
  const res = await run();
  const sub = (res.body as { user?: { sub?: string } }).user?.sub;
  const sid = sessionCookieOf(res) ? sidOf(res) : undefined;
  const keys = (await gw.redis.keys('*'))
    .filter((k) => !before.has(k))
    .map((k) => (sid ? k.replaceAll(sid, '<sid>') : k))
    .map((k) => (sub ? k.replaceAll(sub, '<sub>') : k))
    .sort();
  return { res, keys };
}

describe('a browser signing in without a session', () => {
  it('gets the same answer, cookie, Redis record, TTL and index entry from the lean path as from Express', async () => {
    const before = routed.get(lean)!;
    const [l, f] = await Promise.all([
      addedKeys(lean, () => json(login, { 'Accept-Language': 'zh-CN' })(lean)),
      addedKeys(full, () => json(login, { 'Accept-Language': 'zh-CN' })(full)),
    ]);
    expect(routed.get(lean)).toBe(before);
    expect(l.res.status).toBe(200);
    expect(view(l.res)).toEqual(view(f.res));
    expect(l.keys).toEqual(f.keys);
    expect(l.keys).toContain(`${lean.config.redis.keyPrefix}s:{<sid>}`);
    const subOf = (r: Response) => (r.body as { user: { sub: string } }).user.sub;
    const [ls, fs] = await Promise.all([stored(lean, sidOf(l.res), subOf(l.res)), stored(full, sidOf(f.res), subOf(f.res))]);
    expect(Math.abs(ls.ttlMs - fs.ttlMs)).toBeLessThan(60_000);
    expect(ls.ttlMs).toBeLessThanOrEqual(lean.config.session.idleTimeoutS * 1000);
    // the sealed secrets are deflated: random tokens compress to a few bytes more or less
    expect(Math.abs(ls.sealedBytes! - fs.sealedBytes!)).toBeLessThan(32);
    expect({ ...ls, ttlMs: 0, sealedBytes: 0 }).toEqual({ ...fs, ttlMs: 0, sealedBytes: 0 });
    expect(ls.v).toBe('1');
    // the cookie as express-session writes it: it signs the id with the first secret
    expect(sessionCookieOf(l.res)).toMatch(new RegExp(`^${COOKIES.session.replace('.', '\\.')}=s%3A[A-Za-z0-9_-]{32}\\.[A-Za-z0-9%]+; Path=/; HttpOnly; SameSite=Lax$`));
  });

  it('makes a session that works everywhere: read, device list, another device signing it out, sign-out', async () => {
    const first = spa(lean);
    const before = routed.get(lean)!;
    expect((await first.post('/api/session/login', login)).status).toBe(200);
    const second = spa(lean);
    expect((await second.post('/api/session/login', login)).status).toBe(200);
    expect(routed.get(lean)).toBe(before);
    const read = await first.get('/api/session');
    expect(read.status).toBe(200);
    expect(read.body.user.username).toBe('lean-lou');
    const list = await first.get('/api/sessions');
    expect(list.status).toBe(200);
    expect(list.body.sessions.find((s: { current: boolean }) => s.current)).toBeDefined();
    expect((await second.post('/api/sessions/revoke-others', {})).status).toBe(200);
    expect((await first.get('/api/session')).status).toBe(401);
    expect((await second.del('/api/session')).status).toBe(204);
    expect((await second.get('/api/session')).status).toBe(401);
  });

  it('signs in over an existing session through Express (the old session is revoked there)', async () => {
    const app = spa(lean);
    const firstRes = await app.post('/api/session/login', login);
    const before = routed.get(lean)!;
    const again = await app.post('/api/session/login', login);
    expect(again.status).toBe(200);
    expect(routed.get(lean)).toBe(before + 1);
    expect(await lean.redis.exists(lean.store.keys.session(sidOf(firstRes)))).toBe(0);
  });
});

describe('a native app signing in (token mode)', () => {
  it('gets the same answer from both paths, and a token that works', async () => {
    const { l, f, leanRouted } = await both(post({ 'Content-Type': 'application/json', 'X-Session-Mode': 'token' }, login));
    expect(leanRouted).toBe(false);
    expect(l.status).toBe(200);
    expect(view(l)).toEqual(view(f));
    expect(sessionCookieOf(l)).toBeUndefined();
    const phone = mobile(lean);
    phone.token = l.body.session_token as string;
    expect((await phone.get('/api/session')).body.user.username).toBe('lean-lou');
    expect((await phone.get('/api/sessions')).status).toBe(200);
    expect((await phone.del('/api/session')).status).toBe(204);
    expect((await phone.get('/api/session')).status).toBe(401);
  });
});

describe('bad input answered by the lean path', () => {
  const big = JSON.stringify({ username: 'lean-lou', password: 'x'.repeat(17 * 1024) });
  it.each([
    ['malformed JSON', json('{"username": "lean-lou", ')],
    ['a body that is not an object', json('["lean-lou"]')],
    ['a string for a body', json('"lean-lou"')],
    ['a body over 16 kB', json(big)],
    ['a number for the password', json({ username: 'lean-lou', password: 12345678 })],
    ['a missing password', json({ username: 'lean-lou' })],
    ['an empty username', json({ username: '', password: PASSWORD })],
    ['an unknown field', json({ ...login, remember: 'yes' })],
    ['a __proto__ key', json('{"username":"lean-lou","password":"x","__proto__":{"a":1}}')],
    ['a control character', json({ username: 'lean\u0001lou', password: PASSWORD })],
    ['the wrong password', json({ username: 'lean-lou', password: 'not-the-password' })],
    ['an unknown account', json({ username: 'nobody-here', password: 'not-the-password' })],
    ['no X-CSRF header', post({ 'Content-Type': 'application/json' }, login)],
    ['a foreign Origin', json(login, { Origin: 'https://evil.example' })],
    ['Sec-Fetch-Site: cross-site', json(login, { 'Sec-Fetch-Site': 'cross-site' })],
    ['a wrong password in token mode', post({ 'Content-Type': 'application/json', 'X-Session-Mode': 'token' }, { username: 'lean-lou', password: 'nope-nope' })],
    ['a charset in the content type', post({ 'Content-Type': 'application/json; charset=utf-8', 'X-CSRF': '1' }, JSON.stringify(login))],
  ])('%s: the same status, headers, cookies and body', async (_what, send) => {
    const { l, f, leanRouted } = await both(send);
    expect(leanRouted).toBe(false);
    expect(view(l)).toEqual(view(f));
  });
});

describe('requests the lean path leaves to Express', () => {
  it.each([
    ['another content type', post({ 'Content-Type': 'text/plain', 'X-CSRF': '1' }, JSON.stringify(login))],
    ['no content type', post({ 'X-CSRF': '1' })],
    ['a form body', post({ 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF': '1' }, 'username=lean-lou')],
    ['a JSON subtype', post({ 'Content-Type': 'application/merge-patch+json', 'X-CSRF': '1' }, JSON.stringify(login))],
    ['a session token presented', post({ 'Content-Type': 'application/json', Authorization: 'Session abc.def' }, login)],
    ['a session cookie', json(login, { Cookie: `${COOKIES.session}=s%3Anot-a-real-one.sig` })],
  ])('%s: goes to Express untouched and is answered as ever', async (_what, send) => {
    const { l, f, leanRouted } = await both(send);
    expect(leanRouted).toBe(true);
    expect(view(l)).toEqual(view(f));
  });

  it('a query string or another method: Express', async () => {
    for (const [method, path] of [['post', '/api/session/login?lang=zh'], ['put', '/api/session/login']] as const) {
      const before = routed.get(lean)!;
      const res = await supertest(lean.server)[method](path).set('Content-Type', 'application/json').set('X-CSRF', '1').send(login);
      expect(res.status).toBe(method === 'post' ? 200 : 404);
      expect(routed.get(lean)).toBe(before + 1);
    }
  });
});

describe('limits under a concurrent burst through the lean path', () => {
  it('a burst of 40 wrong passwords reaches CloudBase LIMIT_LOGIN_FAILURES=4 times, the rest are 429', async () => {
    const gw = await startTestGateway({ env: { LIMIT_LOGIN_FAILURES: '4', LIMIT_LOGIN_ACCOUNT_IP_FAILURES: '1000', LIMIT_LOGIN_BLOCK_S: '120' } });
    try {
      gw.secrets.add(PASSWORD);
      await gw.emu.createUser({ ...USER });
      countRouted(gw);
      const before = (await gw.emu.stats())['POST /auth/v1/signin'] ?? 0;
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => json({ username: 'lean-lou', password: `guess-${i}-x` })(gw)));
      expect(routed.get(gw)).toBe(0);
      const reached = ((await gw.emu.stats())['POST /auth/v1/signin'] ?? 0) - before;
      expect(reached).toBe(4);
      // those that reached CloudBase were told "wrong" (the last of them also when to retry: a 429); the rest, 429
      expect(answers.filter((a) => a.status === 401)).toHaveLength(3);
      const limited = answers.filter((a) => a.status === 429);
      expect(limited).toHaveLength(37);
      for (const a of limited) expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
      // and the right password is refused too while the account is blocked
      expect((await json(login)(gw)).status).toBe(429);
      gw.assertNoLeaks();
      assertMatchesOpenApi(gw.transcript);
    } finally {
      await gw.close();
    }
  });
});

describe('metrics and logs', () => {
  it('counts and logs a lean sign-in and a bad body under the labels Express gives them', async () => {
    const metric = async (gw: TestGateway) => {
      const text = await gw.metrics.registry.metrics();
      const count = (route: string, status: string) =>
        Number(new RegExp(`http_requests_total\\{[^}]*route="${route.replaceAll('/', '\\/')}"[^}]*status="${status}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { ok: count('/api/session/login', '200'), bad: count('unmatched', '400'), badInRoute: count('/api/session/login', '400') };
    };
    const lines = (gw: TestGateway) => gw.logs.filter((l) => l.includes('request completed') && l.includes('/api/session/login')).length;
    const [l0, f0] = await Promise.all([metric(lean), metric(full)]);
    const [ll0, fl0] = [lines(lean), lines(full)];
    await both(json(login));
    await both(json('{oops'));
    await both(json({ username: 'lean-lou' }));
    const [l1, f1] = await Promise.all([metric(lean), metric(full)]);
    const delta = (a: typeof l0, b: typeof l0) => ({ ok: b.ok - a.ok, bad: b.bad - a.bad, badInRoute: b.badInRoute - a.badInRoute });
    expect(delta(l0, l1)).toEqual(delta(f0, f1));
    expect(delta(l0, l1)).toEqual({ ok: 1, bad: 1, badInRoute: 1 });
    expect(lines(lean) - ll0).toBe(3);
    expect(lines(full) - fl0).toBe(3);
  });
});

describe('Redis not ready', () => {
  it('leaves the sign-in to Express, which answers the store\'s 503 without asking CloudBase; lean again once Redis is back', async () => {
    let redisServer = await startRedis();
    const gw = await startTestGateway({ redisServer, env: RELAXED_LIMITS });
    try {
      gw.secrets.add(PASSWORD);
      await gw.emu.createUser({ ...USER });
      countRouted(gw);
      const port = redisServer.port;
      await redisServer.stop();
      await waitFor('the client to see Redis gone', () => gw.redis.status !== 'ready');
      const before = (await gw.emu.stats())['POST /auth/v1/signin'] ?? 0;
      const down = await json(login)(gw);
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('store_unavailable');
      expect(routed.get(gw)).toBe(1);
      expect((await gw.emu.stats())['POST /auth/v1/signin'] ?? 0).toBe(before);

      redisServer = await startRedis([], port);
      await waitFor('the client to reconnect', () => gw.redis.status === 'ready');
      const up = await json(login)(gw);
      expect(up.status).toBe(200);
      expect(routed.get(gw)).toBe(1);
      gw.assertNoLeaks();
    } finally {
      await gw.close();
      await redisServer.stop();
    }
  });
});
