import type { Express } from 'express';
import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { followFailure } from '../support/prg.js';
import { startTestGateway, csrfFrom, submitForm, type TestGateway } from '../support/gateway.js';

/**
 * Garbage against every route the app registers: each answer is a clear 4xx in its surface's shape (JSON for /api,
 * HTML for pages) or, where the input is only sanitised (returnTo, lang), a normal answer with nothing injected;
 * never a 5xx, never a hang (every request has its own timeout).
 */
let gw: TestGateway;
const PASSWORD = 'Hostile-input-pw-1';
const TIMEOUT = { response: 5000, deadline: 8000 };

type Surface = 'html' | 'api' | 'ops';
interface RouteSpec {
  surface: Surface;
  /** form or JSON fields the route reads (forms also read _csrf) */
  fields: string[];
  /** the person must be signed in to reach the body checks */
  signedIn?: boolean;
  /** concrete path for a pattern with parameters */
  path?: string;
  /** the body streams through unparsed (the proxy): any clear 4xx will do */
  streams?: boolean;
  /** JSON fields whose right type is boolean: for them a string is the wrong type */
  booleans?: string[];
}

const html = (fields: string[] = [], extra: Partial<RouteSpec> = {}): RouteSpec => ({ surface: 'html', fields, ...extra });
const api = (fields: string[] = [], extra: Partial<RouteSpec> = {}): RouteSpec => ({ surface: 'api', fields, ...extra });
const ops: RouteSpec = { surface: 'ops', fields: [] };

/** Every route of the app (a route missing here fails the first test), plus the proxy (a prefix, not a route). */
const ROUTES: Record<string, RouteSpec> = {
  'GET /healthz': ops,
  'GET /readyz': ops,
  'GET /api/session': api(),
  'POST /api/session/login': api(['username', 'password', 'captcha_answer']),
  'POST /api/session/anonymous': api([]),
  'POST /api/session/provider/start': api(['provider_id', 'returnTo']),
  'POST /api/session/provider/code': api(['provider_id', 'code', 'code_type']),
  'POST /api/session/ticket': api(['ticket']),
  'DELETE /api/session': api([]),
  'POST /api/session/code/send': api(['phone_number', 'email', 'purpose', 'captcha_answer']),
  'POST /api/session/code/verify': api(['verification_code', 'captcha_answer']),
  'POST /api/session/sms/send': api(['phone_number', 'purpose', 'captcha_answer']),
  'POST /api/session/sms/verify': api(['verification_code', 'captcha_answer']),
  'POST /api/session/signup': api(['name', 'username', 'password', 'consent'], { booleans: ['consent'] }),
  'POST /api/session/password/reset': api(['new_password']),
  'GET /api/sessions': api(),
  'DELETE /api/sessions/:id': api([], { path: '/api/sessions/x' }),
  'POST /api/sessions/revoke-others': api([]),
  'GET /api/openapi.json': api(),
  'PATCH /api/session/user': api(['name', 'username', 'gender', 'picture'], { signedIn: true }),
  'GET /api/session/history': api(),
  'POST /api/sessions/revoke-all': api([]),
  'POST /api/session/contact/send': api(['phone_number', 'email', 'captcha_answer'], { signedIn: true }),
  'POST /api/session/contact/verify': api(['verification_code', 'password', 'captcha_answer'], { signedIn: true }),
  'POST /api/session/reauth/send': api(['captcha_answer'], { signedIn: true }),
  'POST /api/session/reauth/verify': api(['verification_code', 'captcha_answer'], { signedIn: true }),
  'POST /api/session/password': api(['old_password', 'new_password'], { signedIn: true }),
  'POST /api/session/delete': api(['password'], { signedIn: true }),
  'ALL /api/proxy': api([], { path: '/api/proxy/none/x', streams: true }),
  'GET /': html(),
  'GET /login': html(),
  'POST /login': html(['username', 'password', 'returnTo', 'captcha_answer']),
  'POST /login/anonymous': html(['returnTo']),
  'GET /login/sms': html(),
  'GET /login/provider/callback': html(),
  'POST /login/ticket': html(['ticket', 'returnTo']),
  'GET /login/provider/:id': html([], { path: '/login/provider/x' }),
  'POST /login/sms/code': html(['phone_number', 'email', 'returnTo', 'captcha_answer']),
  'POST /login/sms': html(['verification_code', 'captcha_answer']),
  'POST /login/sms/restart': html(),
  'GET /signup': html(),
  'POST /signup/code': html(['phone_number', 'email', 'captcha_answer']),
  'POST /signup/verify': html(['verification_code']),
  'POST /signup': html(['name', 'username', 'password', 'consent']),
  'POST /signup/restart': html(),
  'GET /password/reset': html(),
  'POST /password/reset/code': html(['phone_number', 'email']),
  'POST /password/reset': html(['new_password']),
  'POST /password/reset/restart': html(),
  'GET /account': html([], { signedIn: true }),
  'POST /account/password': html(['old_password', 'new_password'], { signedIn: true }),
  'POST /account/delete': html(['password'], { signedIn: true }),
  'GET /account/sessions': html([], { signedIn: true }),
  'POST /account/provider/:id/bind': html([], { signedIn: true, path: '/account/provider/x/bind' }),
  'POST /account/provider/:id/unbind': html([], { signedIn: true, path: '/account/provider/x/unbind' }),
  'POST /account/sessions/revoke-others': html([], { signedIn: true }),
  'POST /account/sessions/:id/revoke': html([], { signedIn: true, path: '/account/sessions/x/revoke' }),
  'GET /account/profile': html([], { signedIn: true }),
  'POST /account/profile': html(['name', 'username', 'gender', 'picture'], { signedIn: true }),
  'GET /account/history': html([], { signedIn: true }),
  'POST /account/sessions/revoke-all': html([], { signedIn: true }),
  'GET /account/contact': html([], { signedIn: true }),
  'POST /account/contact/code': html(['phone_number', 'email'], { signedIn: true }),
  'POST /account/contact': html(['verification_code', 'password'], { signedIn: true }),
  'POST /account/contact/restart': html([], { signedIn: true }),
  'POST /account/reauth/code': html([], { signedIn: true }),
  'POST /account/reauth': html(['verification_code'], { signedIn: true }),
  'POST /account/contact/reauth/code': html([], { signedIn: true }),
  'POST /account/contact/reauth': html(['verification_code'], { signedIn: true }),
  'GET /logout': html([], { signedIn: true }),
  'POST /logout': html([], { signedIn: true }),
  'GET /captcha/:id': html([], { path: '/captcha/x' }),
  'GET /captcha/:id/new': html([], { path: '/captcha/x/new' }),
};

/** The app's registered routes as "METHOD /path" (Express route patterns, mounted routers included). */
function registeredRoutes(app: Express): string[] {
  const out: string[] = [];
  interface LayerLike {
    route?: { path: string | string[]; methods: Record<string, boolean> };
    handle?: { stack?: LayerLike[] };
    rawPath?: unknown;
  }
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const m of Object.keys(layer.route.methods)) for (const p of paths) out.push(`${m.toUpperCase()} ${prefix}${p}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, prefix + (typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''));
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return out;
}

const entries = Object.entries(ROUTES).map(([key, spec]) => {
  const [method, pattern] = key.split(' ') as [string, string];
  return { key, method: method === 'ALL' ? 'POST' : method, path: spec.path ?? pattern, spec };
});
const writes = entries.filter((e) => e.method !== 'GET');
const forms = writes.filter((e) => e.spec.surface === 'html');
const apiWrites = writes.filter((e) => e.spec.surface === 'api');
const withFields = <T extends { spec: RouteSpec }>(list: T[]) => list.flatMap((e) => e.spec.fields.map((field) => ({ ...e, field })));

beforeAll(async () => {
  gw = await startTestGateway();
  gw.secrets.add(PASSWORD);
  await gw.emu.createUser({ username: 'hostile', password: PASSWORD, name: 'H' });
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

function expect4xx(res: Response, surface: Surface): void {
  if (res.status < 400 || res.status >= 500) throw new Error(`expected a 4xx, got ${res.status}: ${res.text.slice(0, 300)}`);
  expectShape(res, surface);
}

function expectNo5xx(res: Response, surface: Surface): void {
  if (res.status >= 500) throw new Error(`got ${res.status}: ${res.text.slice(0, 300)}`);
  if (res.status >= 400) expectShape(res, surface);
  for (const [name, value] of Object.entries(res.headers)) {
    expect(String(value)).not.toMatch(/[\r\n]/);
    expect(name).not.toMatch(/injected/i);
  }
}

function expectShape(res: Response, surface: Surface): void {
  if (surface === 'api') {
    expect(res.type).toBe('application/json');
    // GET /api/session answers a signed-out caller with its own documented body.
    if (res.status === 401 && (res.body as { authenticated?: unknown }).authenticated === false) return;
    expect(typeof (res.body as { error?: { code?: unknown } }).error?.code).toBe('string');
  } else if (surface === 'html') {
    expect(res.type).toBe('text/html');
  }
}

/** A client with a session and a valid CSRF token (signed in when asked): what an attacker with a browser has. */
async function client(signedIn = false): Promise<{ agent: TestAgent; csrf: string }> {
  const agent = gw.agent();
  if (signedIn) expect((await submitForm(agent, '/login', '/login', { username: 'hostile', password: PASSWORD })).headers.location).toBe('/');
  // A signed-in browser is sent on from /login: its token comes from a page of its own.
  return { agent, csrf: await csrfFrom(agent, signedIn ? '/account' : '/login') };
}

function send(agent: TestAgent, method: string, path: string) {
  const m = method.toLowerCase() as 'get' | 'post' | 'delete';
  return agent[m](path).timeout(TIMEOUT);
}

/**
 * A urlencoded body, written by hand so repeated keys, brackets and odd characters go out exactly as given; a lone
 * surrogate goes out as its (invalid) three UTF-8-style bytes, the way a broken client would send it.
 */
const pct = (s: string) =>
  s.replace(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g, (ch) => {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0xd800 && c <= 0xdfff) {
      return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }
    return encodeURIComponent(ch);
  });
const encode = (pairs: [string, string][]) => pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');

/** The client each form post went out from, to follow its redirect. */
const postedBy = new WeakMap<Response, TestAgent>();

async function postForm(path: string, pairs: (csrf: string) => [string, string][], signedIn = false): Promise<Response> {
  const { agent, csrf } = await client(signedIn);
  const res = await agent.post(path).timeout(TIMEOUT).type('form').send(encode(pairs(csrf)));
  postedBy.set(res, agent);
  return res;
}

/**
 * A refused form post: a 4xx page when the body is refused before the form is read, else the form's own failure
 * (post/redirect/get): a 303 back to its page, which then shows a 4xx error.
 */
async function expectRefused(res: Response): Promise<void> {
  if (res.status !== 303) return expect4xx(res, 'html');
  const shown = await followFailure(postedBy.get(res)!, res);
  expect(shown.errorStatus).toBeGreaterThanOrEqual(400);
  expect(shown.errorStatus).toBeLessThan(500);
  expectShape(shown.page, 'html');
}

/** A JSON call; for a route of signed-in callers, from a signed-in client (so the body checks are what answers). */
async function sendJson(method: string, path: string, body: string, headers: Record<string, string> = {}, signedIn = false): Promise<Response> {
  return send(signedIn ? (await client(true)).agent : gw.agent(), method, path).set({ 'content-type': 'application/json', 'x-csrf': '1', ...headers }).send(body);
}

it('covers every route the app registers', () => {
  const missing = registeredRoutes(gw.app).filter((r) => !Object.hasOwn(ROUTES, r));
  expect(missing).toEqual([]);
});

describe('bodies over the limit', () => {
  it.each(forms)('$key: 413 page', async ({ path, spec }) => {
    const res = await postForm(path, (csrf) => [['_csrf', csrf], ['x', 'a'.repeat(40_000)]], spec.signedIn);
    expect(res.status).toBe(413);
    expectShape(res, 'html');
  });

  it.each(forms)('$key: too many fields, 413 page', async ({ path, spec }) => {
    const many = Array.from({ length: 200 }, (_, i) => [`f${i}`, 'x'] as [string, string]);
    const res = await postForm(path, (csrf) => [['_csrf', csrf], ...many], spec.signedIn);
    expect(res.status).toBe(413);
    expectShape(res, 'html');
  });

  it.each(apiWrites)('$key: 413 JSON', async ({ method, path, spec }) => {
    const res = await sendJson(method, path, JSON.stringify({ x: 'a'.repeat(40_000) }));
    if (spec.streams) return expect4xx(res, 'api');
    expect(res.status).toBe(413);
    expectShape(res, 'api');
  });
});

describe('malformed and mistyped bodies', () => {
  it.each(apiWrites)('$key: malformed JSON is 400', async ({ method, path, spec }) => {
    const res = await sendJson(method, path, '{"username": "a", ');
    if (spec.streams) return expect4xx(res, 'api');
    expect(res.status).toBe(400);
    expectShape(res, 'api');
  });

  it.each(apiWrites)('$key: a JSON scalar or array body is a 4xx (ignored by a route that reads no body)', async ({ method, path, spec }) => {
    for (const body of ['"text"', '[1,2]', 'null', '42']) {
      const res = await sendJson(method, path, body);
      if (spec.fields.length > 0 || spec.streams) expect4xx(res, 'api');
      else expectNo5xx(res, 'api');
    }
  });

  it.each(apiWrites)('$key: text/plain, a form or XML is 415', async ({ method, path, spec }) => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await send(gw.agent(), method, path).set({ 'content-type': type, 'x-csrf': '1' }).send('a=1');
      if (spec.streams) {
        expect4xx(res, 'api');
        continue;
      }
      expect(res.status).toBe(415);
      expectShape(res, 'api');
    }
  });

  it.each(forms)('$key: JSON or text instead of a form is a 4xx page', async ({ path, spec }) => {
    const { agent, csrf } = await client(spec.signedIn);
    for (const [type, body] of [
      ['application/json', JSON.stringify({ _csrf: csrf })],
      ['text/plain', `_csrf=${csrf}`],
      ['application/x-www-form-urlencoded; charset=utf-7', `_csrf=${csrf}`],
    ] as const) {
      expect4xx(await agent.post(path).timeout(TIMEOUT).set('content-type', type).send(body), 'html');
    }
  });
});

describe('fields of the wrong type', () => {
  it.each(withFields(forms).concat(forms.map((e) => ({ ...e, field: '_csrf' }))))(
    '$key: $field repeated or bracketed is a 4xx page',
    async ({ path, field, spec }) => {
      const variants = [
        (csrf: string): [string, string][] => [['_csrf', csrf], [field, 'a'], [field, 'b']],
        (csrf: string): [string, string][] => [['_csrf', csrf], [`${field}[x]`, 'a']],
        (csrf: string): [string, string][] => [['_csrf', csrf], [`${field}[]`, 'a']],
      ];
      // `_csrf[x]` beside a good `_csrf` is just an unknown field; a repeated `_csrf` is no token at all.
      for (const pairs of field === '_csrf' ? variants.slice(0, 1) : variants) {
        const res = await postForm(path, pairs, spec.signedIn);
        // A returnTo that is not one string is only ever replaced by "/".
        if (field === 'returnTo') {
          expectNo5xx(res, 'html');
          // Home on success; on failure the form's page, with no returnTo.
          if (res.status === 303 && res.headers.location !== '/') {
            expect(res.headers.location).not.toContain('returnTo');
            await expectRefused(res);
          }
        } else {
          await expectRefused(res);
        }
      }
    },
  );

  it.each(withFields(apiWrites))('$key: $field as an array, object, number, boolean or null is 400', async ({ method, path, field, spec }) => {
    const wrongScalar = spec.booleans?.includes(field) ? 'true' : true;
    for (const value of [['a'], { a: 'b' }, 12345678901, wrongScalar, null]) {
      const res = await sendJson(method, path, JSON.stringify({ [field]: value }), {}, spec.signedIn);
      expect(res.status).toBe(400);
      expectShape(res, 'api');
    }
  });
});

describe('over-long fields', () => {
  it.each(withFields(forms).filter((e) => e.field !== 'returnTo'))('$key: $field of 10 000 characters is a 4xx page', async ({ path, field, spec }) => {
    await expectRefused(await postForm(path, (csrf) => [['_csrf', csrf], [field, '9'.repeat(10_000)]], spec.signedIn));
  });

  it.each(withFields(apiWrites))('$key: $field of 10 000 characters is 400', async ({ method, path, field, spec }) => {
    const res = await sendJson(method, path, JSON.stringify({ [field]: '9'.repeat(10_000) }), {}, spec.signedIn);
    expect(res.status).toBe(400);
    expectShape(res, 'api');
  });
});

describe('prototype keys', () => {
  it.each(forms)('$key: __proto__, constructor and prototype fields are a 400 page', async ({ path, spec }) => {
    for (const key of ['__proto__', 'constructor', 'prototype', '__proto__[admin]']) {
      const res = await postForm(path, (csrf) => [['_csrf', csrf], [key, 'x']], spec.signedIn);
      expect(res.status).toBe(400);
      expectShape(res, 'html');
    }
  });

  it.each(apiWrites)('$key: __proto__ and constructor keys are 400, nested too', async ({ method, path, spec }) => {
    for (const body of ['{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {"admin": true}}}', '{"a": {"__proto__": {"x": 1}}}']) {
      const res = await sendJson(method, path, body);
      if (spec.streams) {
        expect4xx(res, 'api');
        continue;
      }
      expect(res.status).toBe(400);
      expectShape(res, 'api');
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('control characters and lone surrogates', () => {
  const nasty = ['a\u0000b', 'a\r\nSet-Cookie: injected=1', 'a\u001b[31m', 'a\u007f', '\ud800', 'a\udfffb'];

  it.each(withFields(forms).filter((e) => e.field !== 'returnTo'))('$key: $field with control characters is a 4xx page', async ({ path, field, spec }) => {
    for (const value of nasty) await expectRefused(await postForm(path, (csrf) => [['_csrf', csrf], [field, value]], spec.signedIn));
  });

  it.each(withFields(apiWrites))('$key: $field with control characters or a lone surrogate is 400', async ({ method, path, field }) => {
    for (const value of ['a\\u0000b', 'a\\r\\nx', 'a\\u001b', '\\ud800', 'a\\udfffb']) {
      const res = await sendJson(method, path, `{"${field}": "${value}"}`);
      expect(res.status).toBe(400);
      expectShape(res, 'api');
    }
  });
});

describe('look-alike digits in phone numbers and codes', () => {
  // Arabic-Indic, Devanagari and Thai digits stay themselves under NFKC (unlike full-width digits and superscripts,
  // which fold to the same ASCII digits and so to the same number); letters that look like digits are letters.
  const phones = ['١٣٨٠٠٠٠٠٠٠٠', '१३८००००००००', '๑๓๘๐๐๐๐๐๐๐๐', '138O0OOOOOO', '13８0013800Ｏ'];
  const codes = ['١٢٣٤٥٦', '१२३४५६', '12345６x', '๑๒๓๔๕๖', '12345l'];

  it.each(withFields(forms).filter((e) => e.field === 'phone_number' || e.field === 'verification_code'))(
    '$key: $field in look-alike digits is a 4xx page',
    async ({ path, field, spec }) => {
      for (const value of field === 'phone_number' ? phones : codes) {
        await expectRefused(await postForm(path, (csrf) => [['_csrf', csrf], [field, value]], spec.signedIn));
      }
    },
  );

  it.each(withFields(apiWrites).filter((e) => e.field === 'phone_number' || e.field === 'verification_code'))(
    '$key: $field in look-alike digits is a 4xx',
    async ({ method, path, field, spec }) => {
      for (const value of field === 'phone_number' ? phones : codes) {
        expect4xx(await sendJson(method, path, JSON.stringify({ [field]: value, purpose: 'login' }), {}, spec.signedIn), 'api');
      }
    },
  );

  it('full-width digits are the same number (one key, CloudBase form)', async () => {
    const res = await postForm('/login/sms/code', (csrf) => [['_csrf', csrf], ['phone_number', '１３８００１３８０００']]);
    expect(res.status).toBe(303);
    expect(await gw.emu.sms('+86 13800138000')).toMatch(/^\d{6}$/);
  });
});

describe('forged and oversized cookies and session tokens', () => {
  const sid = () => gw.config.session.cookieName;
  const forgedCookies = () => [
    `${sid()}=s%3Aforged-session-id.bad-signature`,
    `${sid()}=${'A'.repeat(8 * 1024)}`,
    `${sid()}=s%3A${'x'.repeat(4000)}.${'y'.repeat(4000)}`,
    `${sid()}=%E0%A4%A; lang=%0d%0aX-Injected: 1`,
    `${sid()}=a; ${sid()}=b; lang=en`,
    `lang=${'z'.repeat(8000)}`,
  ];

  it.each(entries)('$key: a forged or oversized cookie is ignored or refused, never a 5xx', async ({ method, path, spec }) => {
    for (const cookie of forgedCookies()) {
      const req = send(gw.agent(), method, path).set('cookie', cookie);
      const res = method === 'GET' ? await req : await req.set({ 'x-csrf': '1', 'content-type': 'application/json' }).send('{}');
      expectNo5xx(res, spec.surface);
      // A form post with no valid session is refused, or sent to sign in first; it never does anything.
      if (method !== 'GET' && spec.surface === 'html') expect([303, 400, 403, 415]).toContain(res.status);
    }
  });

  it.each(entries.filter((e) => e.spec.surface === 'api'))('$key: a forged or oversized Authorization: Session is 4xx or signed-out', async ({ method, path }) => {
    for (const authorization of [
      'Session forged',
      `Session ${'a'.repeat(32)}.${'b'.repeat(43)}`,
      `Session ${'a'.repeat(8000)}`,
      'Session \u00ff\u00fe',
      'Session a.b.c',
      'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.',
    ]) {
      const req = send(gw.agent(), method, path).set('authorization', authorization);
      const res = method === 'GET' ? await req : await req.set('content-type', 'application/json').send('{}');
      expectNo5xx(res, 'api');
      if (path === '/api/session' && method === 'GET') expect(res.status).toBe(401);
      if (path === '/api/sessions') expect(res.status).toBe(401);
    }
  });

  it('a forged or oversized device cookie or X-Device-Token counts as none: the sign-in is judged as usual', async () => {
    const login = () => gw.agent().post('/api/session/login').timeout(TIMEOUT).set('x-csrf', '1');
    const body = { username: 'no-such-device-owner', password: 'wrong-device-pw' };
    const expectApi401 = (res: Response) => {
      expectNo5xx(res, 'api');
      expect([res.status, res.body.error.code]).toEqual([401, 'login_failed']);
    };
    for (const value of ['forged', `${'a'.repeat(22)}.${'b'.repeat(22)}.${'c'.repeat(43)}`, 'x'.repeat(9000), '~~.~~', '\u00ff\u00fe']) {
      expectApi401(await login().set('cookie', `cbg.device=${value}`).send(body));
      expectApi401(await login().set({ 'x-session-mode': 'token', 'x-device-token': value }).send(body));
    }
  });

  it('a signed-in page is not reachable with a forged cookie', async () => {
    for (const cookie of forgedCookies()) {
      const res = await gw.agent().get('/account').timeout(TIMEOUT).set('cookie', cookie);
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(/^\/login/);
    }
  });
});

describe('CR/LF where a header could be built from input', () => {
  const evil = ['/%0d%0aX-Injected:%201', '/%0aSet-Cookie:%20injected=1', '%0d%0a', '/ok%E5%98%8A%E5%98%8DX-Injected:1', '//evil.example/%0d%0a'];

  it.each(entries.filter((e) => e.method === 'GET' && e.spec.surface !== 'ops'))('$key: returnTo and lang with CR/LF', async ({ path, spec }) => {
    for (const v of evil) {
      expectNo5xx(await send(gw.agent(), 'GET', `${path}?returnTo=${v}&lang=${v}`), spec.surface);
      expectNo5xx(await send(gw.agent(), 'GET', `${path}?lang=en${v}`), spec.surface);
    }
  });

  it.each(forms.filter((e) => e.spec.fields.includes('returnTo')))('$key: a posted returnTo with CR/LF never reaches Location', async ({ path }) => {
    for (const v of ['/\r\nX-Injected: 1', '/ok\nSet-Cookie: injected=1', '\r\n', '/\u2028x', '/\ud800']) {
      const res = await postForm(path, (csrf) => [['_csrf', csrf], ['returnTo', v]]);
      expectNo5xx(res, 'html');
      if (res.headers.location) expect(res.headers.location).toMatch(/^\/[^\r\n]*$/);
    }
  });

  it('an incoming x-request-id that is not a plain token is replaced', async () => {
    for (const id of ['abc X-Injected: 1', 'x'.repeat(5000), 'ok-id-123456\u00ff']) {
      const res = await gw.agent().get('/healthz').timeout(TIMEOUT).set('x-request-id', id);
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
    }
  });
});

describe('the device list cursor', () => {
  const hostile = ['x', '-1', '1e3', '0x10', '1'.repeat(5000), '%00', '__proto__', '%E5%98%8A', '1%0d%0aX-Injected:%201', '1&cursor=2', ''];

  it('is a 400 naming `cursor` on both surfaces, never a 5xx; a cursor past the end is an empty last page', async () => {
    const agent = gw.agent();
    expect((await submitForm(agent, '/login', '/login', { username: 'hostile', password: PASSWORD })).headers.location).toBe('/');
    for (const v of hostile) {
      const json = await agent.get(`/api/sessions?cursor=${v}`).timeout(TIMEOUT).set('accept', 'application/json');
      expect4xx(json, 'api');
      expect(json.body.error).toMatchObject({ code: 'invalid_input', field: 'cursor' });
      expect4xx(await agent.get(`/account/sessions?cursor=${v}`).timeout(TIMEOUT), 'html');
    }
    const past = await agent.get('/api/sessions?cursor=1').timeout(TIMEOUT);
    expect(past.status).toBe(200);
    expect(past.body).toEqual({ sessions: [], next_cursor: null });
  });
});

describe('the sign-in history cursor', () => {
  const hostile = ['1'.repeat(5000), '%00', '%E5%98%8A', '1%0d%0aX-Injected:%201', '1&cursor=2', '', 'x', '-1', '__proto__', '1%20or%201'];

  it('is a 4xx on both surfaces, never a 5xx, whether the gateway or CloudBase refuses it', async () => {
    const agent = gw.agent();
    expect((await submitForm(agent, '/login', '/login', { username: 'hostile', password: PASSWORD })).headers.location).toBe('/');
    for (const v of hostile) {
      const json = await agent.get(`/api/session/history?cursor=${v}`).timeout(TIMEOUT).set('accept', 'application/json');
      expect4xx(json, 'api');
      expect(json.body.error.code).toBe('invalid_input');
      expect4xx(await agent.get(`/account/history?cursor=${v}`).timeout(TIMEOUT), 'html');
    }
  });
});
