import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import createClient, { type Client } from 'openapi-fetch';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { finishApiSuite, RELAXED_LIMITS } from '../support/api.js';
import type { paths } from '../../src/routes/api/openapi-types.js';
import { COOKIES } from '../../src/config/cookies.js';

// The README's advice for an SPA on its own dev server: the dev server proxies /api to the gateway (as Vite's
// `server.proxy` does without `changeOrigin`), the gateway's PUBLIC_ORIGIN is the dev server's origin, and the SPA's
// cookie-mode client (typed, X-CSRF: 1 on writes) works same-origin with no CORS at all. A page of another origin
// still cannot write.

let gw: TestGateway;
let devServer: Server;
let devOrigin: string;
const PASSWORD = 'Dev-Proxy-Pw!4408';

/** A dev server's proxy: the request as the browser sent it (Host included), streamed to the gateway and back. */
function startDevProxy(): Promise<Server> {
  const server = http.createServer((req, res) => {
    const { port } = gw.server.address() as AddressInfo;
    const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** What a page at `pageOrigin` gets from fetch: a cookie jar, its Origin on writes, Sec-Fetch-Site, X-CSRF on writes. */
function browserPage(pageOrigin: string): Client<paths> {
  let cookie: string | undefined;
  const api = createClient<paths>({ baseUrl: devOrigin });
  api.use({
    onRequest({ request }) {
      if (cookie) request.headers.set('Cookie', cookie);
      request.headers.set('Sec-Fetch-Site', pageOrigin === devOrigin ? 'same-origin' : 'same-site');
      if (request.method !== 'GET') {
        request.headers.set('Origin', pageOrigin);
        request.headers.set('X-CSRF', '1');
      }
      return request;
    },
    onResponse({ response }) {
      const session = response.headers.getSetCookie().find((c) => c.startsWith(`${COOKIES.session}=`));
      if (session) cookie = session.split(';')[0];
      return response;
    },
  });
  return api;
}

beforeAll(async () => {
  devServer = await startDevProxy();
  devOrigin = `http://127.0.0.1:${(devServer.address() as AddressInfo).port}`;
  gw = await startTestGateway({ env: { ...RELAXED_LIMITS, PUBLIC_ORIGIN: devOrigin } });
  await gw.emu.createUser({ username: 'dev-dana', password: PASSWORD, name: 'Dana' });
  gw.secrets.add(PASSWORD);
});

afterAll(async () => {
  await new Promise((r) => devServer.close(r));
  await finishApiSuite(gw);
});

describe('an SPA on its own dev server, through the dev server proxy', () => {
  it('signs in with the cookie, reads the session, lists the sessions and signs out, same-origin', async () => {
    const spa = browserPage(devOrigin);
    const signIn = await spa.POST('/api/session/login', { body: { username: 'dev-dana', password: PASSWORD } });
    expect(signIn.response.status).toBe(200);
    expect(signIn.data?.session_token).toBeUndefined();
    expect(signIn.response.headers.get('access-control-allow-origin')).toBeNull();

    const me = await spa.GET('/api/session');
    expect(me.data).toMatchObject({ authenticated: true, user: { username: 'dev-dana' } });
    const list = await spa.GET('/api/sessions');
    expect(list.data?.sessions.map((s) => ({ current: s.current, kind: s.kind }))).toEqual([{ current: true, kind: 'browser' }]);

    expect((await spa.DELETE('/api/session')).response.status).toBe(204);
    const after = await spa.GET('/api/session');
    expect(after.response.status).toBe(401);
    expect(after.error).toEqual({ authenticated: false });
  });

  it('still refuses a write from a page of another origin (what opening CORS would have to allow)', async () => {
    const elsewhere = browserPage('http://127.0.0.1:1');
    const res = await elsewhere.POST('/api/session/login', { body: { username: 'dev-dana', password: PASSWORD } });
    expect(res.response.status).toBe(403);
    expect(res.error).toMatchObject({ error: { code: 'csrf_failed' } });
  });
});
