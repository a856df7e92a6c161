import { EventEmitter, once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import supertest from 'supertest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { untilRefreshDue } from '../support/sessions.js';
import { expectApiError, finishApiSuite, mobile, RELAXED_LIMITS, spa, type SpaClient } from '../support/api.js';
import { SESSION_CHALLENGE } from '../../src/routes/api/challenge.js';

/** What the backend behind the proxy received. */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** the gateway's end of the backend connection (the same port again: a kept-alive connection reused) */
  port: number;
}

/** A backend that tries to speak for the gateway's origin: weaker protections, CORS grants, shared caching. */
const HOSTILE_ANSWER: Record<string, string | string[]> = {
  'content-type': 'application/json',
  'content-security-policy': "default-src * 'unsafe-inline' 'unsafe-eval'; frame-ancestors *",
  'x-frame-options': 'ALLOWALL',
  'x-content-type-options': 'none',
  'x-request-id': 'backend-chosen-id-77',
  'strict-transport-security': 'max-age=0',
  'permissions-policy': 'camera=*, geolocation=*',
  'referrer-policy': 'unsafe-url',
  'cross-origin-resource-policy': 'cross-origin',
  'cross-origin-opener-policy': 'unsafe-none',
  'access-control-allow-origin': 'https://evil.example',
  'access-control-allow-credentials': 'true',
  'access-control-allow-methods': 'GET, POST, DELETE',
  'access-control-allow-headers': 'X-CSRF, Authorization',
  'access-control-expose-headers': 'x-request-id',
  'access-control-max-age': '86400',
  'access-control-allow-private-network': 'true',
  'timing-allow-origin': '*',
  'clear-site-data': '"cookies", "storage"',
  'cache-control': 'public, max-age=600, s-maxage=3600',
  'cdn-cache-control': 'max-age=3600',
  'surrogate-control': 'max-age=3600',
  'x-backend-note': 'kept',
};
/** Backend Cache-Control → what the browser gets. */
const CACHE_CASES: [string, string][] = [
  ['public, max-age=600', 'private, max-age=600'],
  ['max-age=60, s-maxage=600', 'private, max-age=60'],
  ['s-maxage=600', 'no-store'],
  ['private, max-age=5', 'private, max-age=5'],
  ['no-store', 'no-store'],
  ['no-cache', 'private, no-cache'],
  ['PUBLIC,MAX-AGE=9,Proxy-Revalidate', 'private, MAX-AGE=9'],
];

/** A large answer streamed in chunks, each telling its place (more than the sockets' buffers hold: the proxy must wait for the client). */
const LARGE_CHUNKS = 200;
const largeChunk = (i: number) => Buffer.alloc(64 * 1024, String.fromCharCode(65 + (i % 26)));
/**
 * 'socket': the connection the backend's large answer goes out on; 'blocked': that answer had to wait for the gateway
 * to read on (the backpressure reached it).
 */
const largeAnswer = new EventEmitter();

let gw: TestGateway;
let backend: Server;
let other: Server;
const received: Received[] = [];
const otherHits: string[] = [];
const PASSWORD = 'Passw0rd!api-proxy';
const login = { username: 'api-proxy', password: PASSWORD };

/** A small backend: echoes what it got (never the headers: the Bearer token must not reach a response). */
function startBackend(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body, port: req.socket.remotePort! });
      const path = req.url!.split('?')[0]!;
      if (path.endsWith('/slow')) return; // never answers
      if (path.endsWith('/large')) {
        largeAnswer.emit('socket', req.socket);
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        let i = 0;
        const more = () => {
          while (i < LARGE_CHUNKS) {
            if (!res.write(largeChunk(i++))) {
              largeAnswer.emit('blocked');
              return void res.once('drain', more);
            }
          }
          res.end();
        };
        return more();
      }
      if (path.endsWith('/stall')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.write('the first part, then nothing'); // never ends
      }
      if (path.endsWith('/hostile')) {
        res.writeHead(200, HOSTILE_ANSWER);
        return res.end('{"ok":true}');
      }
      const cache = /\/cache\/(\d+)$/.exec(path);
      if (cache) {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': CACHE_CASES[Number(cache[1])]![0] });
        return res.end('cached?');
      }
      const status = /\/status\/(\d{3})$/.exec(path);
      if (status) {
        res.writeHead(Number(status[1]), {
          'content-type': 'text/plain',
          'x-upstream': 'yes',
          'set-cookie': 'backend=1; Path=/',
          connection: 'x-hop-secret',
          'x-hop-secret': '1',
          'cache-control': 'private, max-age=5',
        });
        return res.end(`status ${status[1]}`);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, length: body.length, sha: body.length ? body.toString('base64').slice(0, 16) : '' }));
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

const portOf = (s: Server) => (s.address() as AddressInfo).port;

beforeAll(async () => {
  backend = await startBackend();
  other = createServer((req, res) => {
    otherHits.push(req.url!);
    res.end('other');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  gw = await startTestGateway({
    env: {
      ...RELAXED_LIMITS,
      PROXY_ROUTES: JSON.stringify({ echo: `http://127.0.0.1:${portOf(backend)}/base`, root: `http://127.0.0.1:${portOf(backend)}`, dead: 'http://127.0.0.1:1' }),
      PROXY_TIMEOUT_MS: '300',
    },
  });
  await gw.emu.createUser({ username: 'api-proxy', password: PASSWORD, name: 'Pia' });
  gw.secrets.add(PASSWORD);
});

beforeEach(() => {
  received.length = 0;
});

afterAll(async () => {
  try {
    expect(otherHits).toEqual([]);
  } finally {
    await finishApiSuite(gw);
    backend.closeAllConnections();
    await new Promise((r) => backend.close(r));
    await new Promise((r) => other.close(r));
  }
});

/** An access token this short-lived is due for refresh after a second (half its lifetime), and unusable soon after. */
const SHORT_TTL_S = 2;

async function signedIn(): Promise<SpaClient> {
  const app = spa(gw);
  expect((await app.post('/api/session/login', login)).status).toBe(200);
  return app;
}

/** Sends the path exactly as written (HTTP clients built on URL would resolve `..` before sending). */
function rawRequest(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: portOf(gw.server), method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function introspect(accessToken: string): Promise<{ sub?: string }> {
  const res = await fetch(`${gw.emulator.url}/auth/v1/token/introspect`, { headers: { authorization: `Bearer ${accessToken}` } });
  return (await res.json()) as { sub?: string };
}

describe('forwarding', () => {
  it('streams a large answer back whole and in order', async () => {
    const app = await signedIn();
    const cookie = await cookieOf(app);
    // This client does not read until the backend itself has had to wait: the gateway stopped reading its answer
    // because this client stopped reading the gateway's. Resumed at once then, rather than after a fixed pause, which
    // a loaded machine could stretch past PROXY_TIMEOUT_MS (a client that stops reading that long ends the answer: its
    // own test below).
    const { status, body } = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: portOf(gw.server), path: '/api/proxy/echo/large', headers: { cookie } }, (res) => {
        const chunks: Buffer[] = [];
        res.pause();
        once(largeAnswer, 'blocked', { signal: AbortSignal.timeout(10_000) }).then(() => res.resume(), (e: unknown) => reject(new Error('the backend never had to wait for the gateway', { cause: e })));
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(body.length).toBe(LARGE_CHUNKS * 64 * 1024);
    for (let i = 0; i < LARGE_CHUNKS; i++) expect(body.subarray(i * 64 * 1024, (i + 1) * 64 * 1024).equals(largeChunk(i))).toBe(true);
  });

  it('passes path, query and method under the route base, and the answer back', async () => {
    const app = await signedIn();
    const res = await app.get('/api/proxy/echo/items/42?x=1&y=a%20b&x=2');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ method: 'GET', url: '/base/items/42?x=1&y=a%20b&x=2', length: 0, sha: '' });
    expect(received).toHaveLength(1);
  });

  it('forwards to a route without a base path', async () => {
    const app = await signedIn();
    expect((await app.get('/api/proxy/root/v1/things')).body.url).toBe('/v1/things');
  });

  it.each(['post', 'put', 'patch', 'delete'] as const)('streams a %s body through untouched (any type, past the API body limit)', async (method) => {
    const app = await signedIn();
    const big = Buffer.alloc(64 * 1024, 7);
    const res = await app.call(method, '/api/proxy/echo/upload', big, { 'Content-Type': 'application/octet-stream' });
    expect(res.status).toBe(200);
    expect(res.body.method).toBe(method.toUpperCase());
    expect(received[0]!.body.equals(big)).toBe(true);
    expect(received[0]!.headers['content-type']).toBe('application/octet-stream');
  });

  it('passes a JSON body as bytes, not re-serialised', async () => {
    const app = await signedIn();
    const text = '{ "a" :1,  "b": [1,2] }';
    await app.call('post', '/api/proxy/echo/json', text, { 'Content-Type': 'application/json' });
    expect(received[0]!.body.toString()).toBe(text);
  });

  it('sends a valid CloudBase Bearer token and the request id, never the cookie', async () => {
    const app = await signedIn();
    const res = await app.call('get', '/api/proxy/echo/whoami', undefined, { 'X-Custom': 'kept', Connection: 'x-client-hop', 'X-Client-Hop': '1' });
    const headers = received[0]!.headers;
    expect(headers.cookie).toBeUndefined();
    expect(headers.authorization).toMatch(/^Bearer eyJ/);
    expect(headers['x-request-id']).toBe(res.headers['x-request-id']);
    expect(headers['x-custom']).toBe('kept');
    expect(headers['x-client-hop']).toBeUndefined();
    expect(headers['x-csrf']).toBeUndefined();
    expect(headers.host).toBe(`127.0.0.1:${portOf(backend)}`);
    const me = (await app.get('/api/session')).body.user.sub;
    expect((await introspect(headers.authorization!.slice('Bearer '.length))).sub).toBe(me);
  });

  it('replaces Authorization: Session with the Bearer token for a token session', async () => {
    const phone = mobile(gw);
    await phone.post('/api/session/login', login);
    const res = await phone.get('/api/proxy/echo/mobile');
    expect(res.status).toBe(200);
    expect(received[0]!.headers.authorization).toMatch(/^Bearer eyJ/);
    expect(received[0]!.headers['x-session-mode']).toBeUndefined();
  });

  it("passes the backend's status and headers, minus Set-Cookie and hop-by-hop ones", async () => {
    const app = await signedIn();
    for (const status of [201, 404, 418, 500, 503]) {
      const res = await app.get(`/api/proxy/echo/status/${status}`);
      expect(res.status).toBe(status);
      expect(res.text).toBe(`status ${status}`);
      expect(res.headers['x-upstream']).toBe('yes');
      expect(res.headers['x-hop-secret']).toBeUndefined();
      expect(res.headers['cache-control']).toBe('private, max-age=5');
      expect(JSON.stringify(res.headers['set-cookie'] ?? [])).not.toContain('backend=');
    }
  });

  it('refreshes a nearly expired access token once before forwarding', async () => {
    await gw.emu.setConfig({ access_token_ttl_s: SHORT_TTL_S });
    try {
      const app = await signedIn();
      await untilRefreshDue(Date.now(), SHORT_TTL_S);
      const before = (await gw.emu.stats())['POST /auth/v1/token'] ?? 0;
      const res = await app.get('/api/proxy/echo/fresh');
      expect(res.status).toBe(200);
      expect((await gw.emu.stats())['POST /auth/v1/token']).toBe(before + 1);
      expect((await introspect(received[0]!.headers.authorization!.slice('Bearer '.length))).sub).toEqual(expect.any(String));
    } finally {
      await gw.emu.setConfig({ access_token_ttl_s: 7200 });
    }
  });
});

/** Headers a client could send to pose as a proxy in front of the backend, or to rewrite its route or method. */
const SPOOFABLE = [
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-forwarded',
  'forwarded',
  'x-real-ip',
  'x-client-ip',
  'client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-cluster-client-ip',
  'x-original-url',
  'x-original-uri',
  'x-original-host',
  'x-rewrite-url',
  'x-host',
  'x-http-method-override',
  'x-method-override',
  'x-request-id',
  'x-real-port',
  'x-url-scheme',
  'x-forwarded-ssl',
  'front-end-https',
  'proxy-client-ip',
  'wl-proxy-client-ip',
  'x-custom-ip-authorization',
  'x-originating-ip',
  'x-remote-addr',
  'cf-connecting-ipv6',
  'x-envoy-external-address',
];

describe('when a client sends headers that pose as a proxy', () => {
  it('passes none of them on, and says who the caller is itself (many callers at once)', async () => {
    const app = await signedIn();
    const callers = Array.from({ length: 12 }, (_v, i) => i);
    const answers = await Promise.all(
      callers.map((i) =>
        app.call('get', `/api/proxy/echo/spoof/${i}`, undefined, Object.fromEntries(SPOOFABLE.map((h) => [h, `spoofed-${i}-by-client.evil.example`]))),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(callers.map(() => 200));
    expect(received).toHaveLength(callers.length);
    const port = portOf(gw.server);
    for (const got of received) {
      const i = Number(/\/spoof\/(\d+)$/.exec(got.url)![1]);
      expect(JSON.stringify(got.headers)).not.toContain('spoofed-');
      expect(got.headers['x-forwarded-for']).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      expect(got.headers['x-forwarded-proto']).toBe('http');
      expect(got.headers['x-forwarded-host']).toBe(`127.0.0.1:${port}`);
      expect(got.headers.forwarded).toBeUndefined();
      expect(got.headers['x-real-ip']).toBeUndefined();
      expect(got.headers['x-request-id']).toBe(answers[i]!.headers['x-request-id']);
      expect(got.url).toBe(`/base/spoof/${i}`);
      expect(got.method).toBe('GET');
    }
  });
});

describe('when the gateway trusts one proxy in front of it (TRUST_PROXY=1, https PUBLIC_ORIGIN)', () => {
  let trusting: TestGateway;

  beforeAll(async () => {
    trusting = await startTestGateway({
      redisServer: gw.redisServer,
      env: {
        ...RELAXED_LIMITS,
        TRUST_PROXY: '1',
        PUBLIC_ORIGIN: 'https://app.example.test',
        REDIS_KEY_PREFIX: 'trusting:',
        PROXY_ROUTES: JSON.stringify({ echo: `http://127.0.0.1:${portOf(backend)}/base` }),
      },
    });
    await trusting.emu.createUser({ username: 'api-proxy', password: PASSWORD });
    trusting.secrets.add(PASSWORD);
  });

  afterAll(async () => {
    trusting.assertNoLeaks();
    await trusting.close();
  });

  it("sends the address the trusted hop saw, never the client's own claims, and the trusted hop's request id", async () => {
    const app = mobile(trusting);
    expect((await app.post('/api/session/login', login)).status).toBe(200);
    received.length = 0;
    const res = await app.call('get', '/api/proxy/echo/via-edge', undefined, {
      'X-Forwarded-For': '198.51.100.7, 203.0.113.9',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'evil.example',
      'X-Real-IP': '198.51.100.7',
      'X-Request-Id': 'edge-request-0001',
    });
    expect(res.status).toBe(200);
    const got = received[0]!.headers;
    expect(got['x-forwarded-for']).toBe('203.0.113.9');
    expect(got['x-forwarded-proto']).toBe('https');
    expect(got['x-forwarded-host']).toBe('app.example.test');
    expect(got['x-real-ip']).toBeUndefined();
    expect(got['x-request-id']).toBe('edge-request-0001');
    expect(res.headers['x-request-id']).toBe('edge-request-0001');
  });
});

describe('when the backend answers with headers meant for the gateway origin', () => {
  it("keeps the gateway's protective headers and drops CORS grants and origin-wide headers", async () => {
    const app = await signedIn();
    const own = await app.get('/api/session');
    for (const method of ['get', 'post', 'delete'] as const) {
      const res = await app.call(method, '/api/proxy/echo/hostile', method === 'get' ? undefined : { a: 1 });
      expect(res.status).toBe(200);
      for (const name of ['content-security-policy', 'x-frame-options', 'x-content-type-options', 'strict-transport-security', 'referrer-policy', 'cross-origin-resource-policy', 'cross-origin-opener-policy', 'permissions-policy']) {
        expect([name, res.headers[name]]).toEqual([name, own.headers[name]]);
      }
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-request-id']).not.toBe('backend-chosen-id-77');
      expect(res.headers['x-request-id']).toBe(received.at(-1)!.headers['x-request-id']);
      expect(Object.keys(res.headers).filter((h) => /^access-control-|^timing-allow-origin$/.test(h))).toEqual([]);
      for (const h of ['clear-site-data', 'cdn-cache-control', 'surrogate-control']) expect(res.headers[h]).toBeUndefined();
      expect(res.headers['cache-control']).toBe('private, max-age=600');
      expect(res.headers['x-backend-note']).toBe('kept');
    }
  });

  it('grants no cross-origin read to a preflight or a credentialed request from another site', async () => {
    const app = await signedIn();
    const pre = await app.call('get', '/api/proxy/echo/hostile', undefined, { Origin: 'https://evil.example' });
    expect(Object.keys(pre.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const preflight = await rawRequest('OPTIONS', '/api/proxy/echo/hostile', {
      cookie: await cookieOf(app),
      origin: 'https://evil.example',
      'access-control-request-method': 'DELETE',
      'access-control-request-headers': 'x-csrf',
    });
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it.each(CACHE_CASES.map(([from, to], i) => [from, to, i] as const))('turns Cache-Control %j into %j', async (_from, to, i) => {
    const app = await signedIn();
    expect((await app.get(`/api/proxy/echo/cache/${i}`)).headers['cache-control']).toBe(to);
  });
});

describe('when the refresh before forwarding fails', () => {
  afterEach(async () => {
    await gw.emu.setConfig({ access_token_ttl_s: 7200, fail: {} });
  });

  it('answers 401 and ends the session when CloudBase says the refresh token is spent', async () => {
    await gw.emu.setConfig({ access_token_ttl_s: SHORT_TTL_S });
    const app = await signedIn();
    await untilRefreshDue(Date.now(), SHORT_TTL_S);
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/token': 'invalid_grant' } });
    expectApiError(await app.get('/api/proxy/echo/x'), 401, 'session_expired');
    expect(received).toEqual([]);
    await gw.emu.setConfig({ fail: {} });
    expect((await app.get('/api/session')).status).toBe(401);
  });

  it('answers 503 with Retry-After and keeps the session when CloudBase is unavailable', async () => {
    // Too close to its expiry to be used in place of the failed refresh.
    await gw.emu.setConfig({ access_token_ttl_s: SHORT_TTL_S });
    const app = await signedIn();
    await untilRefreshDue(Date.now(), SHORT_TTL_S);
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/token': 'unavailable' } });
    const res = await app.get('/api/proxy/echo/x');
    expectApiError(res, 503, 'upstream_unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(received).toEqual([]);
    await gw.emu.setConfig({ fail: {} });
    expect((await app.get('/api/session')).status).toBe(200);
  });
});

describe('failures', () => {
  it('answers 504 JSON when the backend is too slow', async () => {
    const app = await signedIn();
    const res = await app.get('/api/proxy/echo/slow');
    expectApiError(res, 504, 'upstream_timeout');
  });

  it('times out a call on a kept-alive backend connection as on a new one', async () => {
    const app = await signedIn();
    for (let i = 0; i < 3; i++) expect((await app.get('/api/proxy/echo/warm')).status).toBe(200);
    expectApiError(await app.get('/api/proxy/echo/slow'), 504, 'upstream_timeout');
    const ports = received.map((r) => r.port);
    expect(ports.slice(0, 3)).toContain(ports[3]);
    expect((await app.get('/api/proxy/echo/after')).status).toBe(200);
  });

  it('cuts the answer when the backend stalls mid-body', async () => {
    const app = await signedIn();
    const cookie = await cookieOf(app);
    const outcome = await new Promise<{ status: number; body: string; cut: boolean }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: portOf(gw.server), path: '/api/proxy/echo/stall', headers: { cookie } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode!, body, cut: false }));
        res.on('error', () => resolve({ status: res.statusCode!, body, cut: true }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(outcome).toEqual({ status: 200, body: 'the first part, then nothing', cut: true });
  });

  it('ends the answer when its client stops reading for longer than the timeout, and closes the backend connection', async () => {
    const app = await signedIn();
    const cookie = await cookieOf(app);
    const backendSocket = once(largeAnswer, 'socket') as Promise<[Socket]>;
    const started = Date.now();
    const outcome = await new Promise<{ status: number; cut: boolean; bytes: number; closedAfterMs: number }>((resolve, reject) => {
      let cutOrEnded: ((cut: boolean) => void) | undefined;
      const req = request({ host: '127.0.0.1', port: portOf(gw.server), path: '/api/proxy/echo/large', headers: { cookie } }, (res) => {
        let bytes = 0;
        res.pause(); // a paused client does not see its connection end either: it reads on once the backend's is closed
        void (async () => {
          const [socket] = await backendSocket;
          // 'close' whether or not a reset came first (once() would reject on the socket's 'error')
          if (!socket.destroyed) await new Promise((closed) => socket.once('close', closed));
          const closedAfterMs = Date.now() - started;
          const answered = (cut: boolean) => resolve({ status: res.statusCode!, cut, bytes, closedAfterMs });
          cutOrEnded = answered;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('end', () => answered(false));
          res.on('error', () => answered(true));
          res.resume();
        })().catch(reject);
      });
      // the cut connection's reset may reach the request rather than the answer
      req.on('error', (e) => (cutOrEnded ? cutOrEnded(true) : reject(e)));
      req.end();
    });
    expect(outcome).toMatchObject({ status: 200, cut: true });
    expect(outcome.bytes).toBeLessThan(LARGE_CHUNKS * 64 * 1024);
    expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(300); // PROXY_TIMEOUT_MS here
  });

  it('closes backend connections idle past the timeout, and the next call still answers', async () => {
    const app = await signedIn();
    expect((await app.get('/api/proxy/echo/warm')).status).toBe(200);
    // PROXY_TIMEOUT_MS is 300 here; the backend's own keep-alive timeout (5 s) would close them much later
    const open = () => new Promise<number>((r, j) => backend.getConnections((err, n) => (err ? j(err) : r(n))));
    const deadline = Date.now() + 3000;
    while ((await open()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await open()).toBe(0);
    expect((await app.get('/api/proxy/echo/after')).status).toBe(200);
  });

  it('answers 502 JSON when the backend cannot be reached', async () => {
    const app = await signedIn();
    expectApiError(await app.get('/api/proxy/dead/x'), 502, 'upstream_unreachable');
  });

  it.each(['/api/proxy/nope/x', '/api/proxy/nope', '/api/proxy', '/api/proxy/', '/api/proxy/__proto__/x', '/api/proxy/echo@127.0.0.1/x', '/api/proxy/http:%2F%2Fevil.example/x'])(
    'answers 404 for an unknown route name: %s',
    async (path) => {
      const app = await signedIn();
      const res = await rawRequest('GET', path, { cookie: await cookieOf(app) });
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body).error.code).toBe('not_found');
    },
  );

  it.each([
    '/api/proxy/echo/../x',
    '/api/proxy/echo/a/../../x',
    '/api/proxy/echo/./x',
    '/api/proxy/echo/%2e%2e/x',
    '/api/proxy/echo/.%2E/x',
    '/api/proxy/echo/a%2f..%2f..%2fx',
    '/api/proxy/echo/a%2Fb',
    '/api/proxy/echo/a%5cb',
    '/api/proxy/echo/a\\b',
    '/api/proxy/echo/%252e%252e/x',
    '/api/proxy/echo/a%00b',
    '/api/proxy/echo/%zz',
  ])('refuses a path that could leave the base: %s', async (path) => {
    const app = await signedIn();
    const res = await rawRequest('GET', path, { cookie: await cookieOf(app) });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('invalid_proxy_path');
    expect(received).toEqual([]);
  });

  it('answers 401 to a signed-out caller without calling the backend', async () => {
    const signedOut = await spa(gw).get('/api/proxy/echo/x');
    expectApiError(signedOut, 401, 'not_signed_in');
    const forged = await supertest(gw.server).get('/api/proxy/echo/x').set('Authorization', 'Session forged.token');
    expectApiError(forged, 401, 'not_signed_in');
    expect([signedOut.headers['www-authenticate'], forged.headers['www-authenticate']]).toEqual([SESSION_CHALLENGE, SESSION_CHALLENGE]);
    expect(received).toEqual([]);
  });

  it('applies the API CSRF rule to writes', async () => {
    const app = await signedIn();
    expectApiError(await app.agent.post('/api/proxy/echo/x').send({ a: 1 }), 403, 'csrf_failed');
    expectApiError(await app.call('post', '/api/proxy/echo/x', { a: 1 }, { Origin: 'https://evil.example' }), 403, 'csrf_failed');
    expectApiError(await app.call('delete', '/api/proxy/echo/x', undefined, { 'Sec-Fetch-Site': 'cross-site' }), 403, 'csrf_failed');
    expect(received).toEqual([]);
    expect((await app.agent.get('/api/proxy/echo/x')).status).toBe(200);
  });
});

/** The agent's session cookie as a Cookie header, for raw requests. */
async function cookieOf(app: SpaClient): Promise<string> {
  const jar = (app.agent as unknown as { jar: { getCookies(o: object): { toValueString(): string } } }).jar;
  const cookie = jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();
  expect(cookie).toMatch(/(^|; )cbg\.sid=s%3A/); // the signed session cookie is in the jar (beside the device cookie)
  return cookie;
}
