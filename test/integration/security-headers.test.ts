import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { RELAXED_LIMITS, spa } from '../support/api.js';

/**
 * Every answer says which powerful browser features this origin may use (none), whichever part of the gateway wrote
 * it: pages, the API and its fast read, static files, errors, health checks and proxied answers (even when the
 * backend sends a policy of its own).
 */
let gw: TestGateway;
let backend: Server;
const PASSWORD = 'Passw0rd!headers-1';

beforeAll(async () => {
  backend = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'permissions-policy': 'camera=*, geolocation=*, payment=*', 'feature-policy': "camera '*'" });
    res.end('<p>backend</p>');
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  gw = await startTestGateway({
    env: { ...RELAXED_LIMITS, PROXY_ROUTES: JSON.stringify({ app: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` }) },
  });
  gw.secrets.add(PASSWORD);
  await gw.emu.createUser({ username: 'headers', password: PASSWORD });
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
  backend.closeAllConnections();
  await new Promise((r) => backend.close(r));
});

function policyOf(header: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of String((header as string | undefined) ?? '').split(',')) {
    const [name, allow] = part.trim().split('=');
    if (name) out.set(name, allow ?? '');
  }
  return out;
}

function expectEverythingOff(header: unknown): void {
  const policy = policyOf(header);
  for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'display-capture', 'publickey-credentials-get']) {
    expect([feature, policy.get(feature)]).toEqual([feature, '()']);
  }
  expect([...policy.values()].filter((v) => v !== '()')).toEqual([]);
}

describe('Permissions-Policy', () => {
  it.each(['/', '/login', '/signup', '/password/reset', '/login/sms', '/static/style.css', '/healthz', '/readyz', '/no/such/page', '/api/session', '/api/openapi.json', '/api/nope'])(
    'is on GET %s',
    async (path) => {
      const res = await supertest(gw.server).get(path);
      expect(res.status).toBeLessThan(500);
      expectEverythingOff(res.headers['permissions-policy']);
    },
  );

  it('is on the signed-in fast read, on API errors and on refused form posts', async () => {
    const app = spa(gw);
    expect((await app.post('/api/session/login', { username: 'headers', password: PASSWORD })).status).toBe(200);
    expectEverythingOff((await app.get('/api/session')).headers['permissions-policy']);
    expectEverythingOff((await app.post('/api/session/login', { username: 1 })).headers['permissions-policy']);
    expectEverythingOff((await supertest(gw.server).post('/login').type('form').send({ username: 'x' })).headers['permissions-policy']);
  });

  it.each([
    ['headers too large (431)', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['a malformed request (400)', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', 400],
  ])('is on the answer Node itself gives to %s', async (_what, request, status) => {
    const port = (gw.server.address() as AddressInfo).port;
    const text = await new Promise<string>((resolve, reject) => {
      let got = '';
      const socket = connect(port, '127.0.0.1', () => socket.write(request));
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => (got += c));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
    });
    expect(text.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expectEverythingOff(/^permissions-policy: (.*)$/im.exec(text)?.[1]);
  });

  it("stays the gateway's on a proxied answer whose backend grants features", async () => {
    const app = spa(gw);
    expect((await app.post('/api/session/login', { username: 'headers', password: PASSWORD })).status).toBe(200);
    const res = await app.get('/api/proxy/app/page');
    expect(res.status).toBe(200);
    expectEverythingOff(res.headers['permissions-policy']);
    expect(res.headers['feature-policy']).toBeUndefined();
  });
});
