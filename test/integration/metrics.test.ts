import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { failedPost } from '../support/prg.js';
import { startRedis } from '../support/redis-server.js';
import { untilRefreshDue } from '../support/sessions.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logger.js';
import { startGateway } from '../../src/gateway.js';

let gw: TestGateway;
const PASSWORD = 'Metrics-test-pw-1';

beforeAll(async () => {
  gw = await startTestGateway();
  gw.secrets.add(PASSWORD);
  await gw.emu.createUser({ username: 'measured', password: PASSWORD });
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

/** The metrics as Prometheus scrapes them: from the metrics listener, never the public port. */
async function scrape(): Promise<string> {
  const res = await fetch(gw.metricsServer.url);
  expect(res.status).toBe(200);
  return res.text();
}

/** A request with the request line exactly as given. */
function raw(method: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The value of the sample `name{…}` whose labels include every one given, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The sum over every sample `name{…}` whose labels include every one given. */
function total(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('the metrics listener', () => {
  it('serves the Prometheus text format, uncached', async () => {
    const res = await fetch(gw.metricsServer.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds',
      'cloudbase_requests_total',
      'cloudbase_request_duration_seconds',
      'token_refreshes_total',
      'token_refresh_lock_waits_total',
      'rate_limit_rejections_total',
      'sms_sent_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('counts HTTP requests by route pattern and status, never by raw URL', async () => {
    const agent = gw.agent();
    expect((await failedPost(agent, '/login', '/login', { username: 'measured', password: 'wrong' })).errorStatus).toBe(401);
    expect((await submitForm(agent, '/login', '/login', { username: 'measured', password: PASSWORD })).headers.location).toBe('/');
    await agent.post('/account/sessions/some-raw-id-123/revoke').type('form').send({});
    await agent.get('/no/such/page/secret-looking-id');
    const text = await scrape();
    // A failed form post answers 303 too (back to the form): both posts are counted under it.
    expect(sample(text, 'http_requests_total', { method: 'POST', route: '/login', status: '401' })).toBeUndefined();
    expect(sample(text, 'http_requests_total', { method: 'POST', route: '/login', status: '303' })).toBe(2);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/login', status: '303' })).toBe(2);
    expect(sample(text, 'http_requests_total', { route: '/account/sessions/:id/revoke' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'http_requests_total', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('some-raw-id-123');
    expect(text).not.toContain('secret-looking-id');
  });

  it('counts CloudBase calls by endpoint and error string, with latencies', async () => {
    const text = await scrape();
    const failed = text.split('\n').find((l) => l.startsWith('cloudbase_requests_total{') && l.includes('endpoint="/signin"') && !l.includes('error=""'));
    expect(failed).toMatch(/error="(invalid_password|invalid_username_or_password|not_found|user_not_found|invalid_credentials)"/);
    expect(sample(text, 'cloudbase_requests_total', { method: 'POST', endpoint: '/signin', error: '' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'cloudbase_requests_total', { method: 'GET', endpoint: '/user/me', error: '' })).toBeGreaterThanOrEqual(1);
    expect(total(text, 'cloudbase_request_duration_seconds_count', { endpoint: '/signin' })).toBeGreaterThanOrEqual(2);
  });

  it('counts token refreshes by outcome', async () => {
    await gw.emu.setConfig({ access_token_ttl_s: 2 });
    try {
      const agent = gw.agent();
      expect((await submitForm(agent, '/login', '/login', { username: 'measured', password: PASSWORD })).headers.location).toBe('/');
      // Once the token is due (after half its life), the account page refreshes it first.
      await untilRefreshDue(Date.now(), 2);
      expect((await agent.get('/account')).status).toBe(200);
    } finally {
      await gw.emu.setConfig({ access_token_ttl_s: 3600 });
    }
    const text = await scrape();
    expect(sample(text, 'token_refreshes_total', { outcome: 'refreshed' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'cloudbase_requests_total', { endpoint: '/token', error: '' })).toBeGreaterThanOrEqual(1);
  });

  it('has the default process metrics in the gateway', async () => {
    const metrics = createMetrics();
    const text = await metrics.registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});

describe('when an outsider asks the public port for the metrics', () => {
  const PATHS = ['/metrics', '/metrics/', '/METRICS', '/metrics?format=text', '//metrics', '/static/../metrics', '/./metrics', '/%6detrics', '/api/../metrics'];

  it('learns nothing about accounts or numbers: every spelling of /metrics is a 404 page', async () => {
    // The probe the counters used to answer: a sign-in for an account that may not exist, then a look at the errors.
    expect((await failedPost(gw.agent(), '/login', '/login', { username: 'maybe-registered-0042', password: 'guess-guess-1' })).errorStatus).toBe(401);
    const port = (gw.server.address() as { port: number }).port;
    for (const path of PATHS) {
      for (const method of ['GET', 'HEAD']) {
        const res = await raw(method, port, path);
        expect([path, method, res.status]).toEqual([path, method, 404]);
        expect(res.body).not.toMatch(/cloudbase_requests_total|# TYPE|user_not_found|invalid_password/);
      }
    }
  });

  it('serves them on the metrics listener, bound to loopback, and nothing else there', async () => {
    const addr = gw.metricsServer.server.address() as { address: string; port: number };
    expect(addr.address).toBe('127.0.0.1');
    expect(addr.port).not.toBe((gw.server.address() as { port: number }).port);
    expect(await scrape()).toContain('cloudbase_requests_total');
    for (const path of ['/', '/metrics/', '/healthz', '/login', '/api/session']) expect((await raw('GET', addr.port, path)).status).toBe(404);
    expect((await raw('POST', addr.port, '/metrics')).status).toBe(405);
  });

  it('shrugs off requests it cannot parse and keeps serving', async () => {
    const port = (gw.metricsServer.server.address() as { port: number }).port;
    for (const junk of ['GARBAGE\r\n\r\n', `GET /metrics HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`, 'GET /\u0000 HTTP/1.1\r\n\r\n']) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(junk));
        socket.on('data', () => undefined);
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
      });
    }
    expect(await scrape()).toContain('http_requests_total');
  });
});

describe('when the gateway runs as it does in production', () => {
  it('listens for metrics on METRICS_HOST:METRICS_PORT (loopback by default) and not on the public port', async () => {
    const redis = await startRedis();
    const gateway = await startGateway(
      loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', METRICS_PORT: '0', REDIS_URL: redis.url, LOG_LEVEL: 'silent' }),
      createLogger('silent'),
      () => undefined,
    );
    try {
      const addr = gateway.metricsServer.server.address() as { address: string; port: number };
      expect(addr.address).toBe('127.0.0.1');
      expect(gateway.metricsServer.url).toBe(`http://127.0.0.1:${addr.port}/metrics`);
      expect((await fetch(gateway.metricsServer.url)).status).toBe(200);
      expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    } finally {
      await gateway.close(2000);
      await redis.stop();
    }
    expect(gateway.metricsServer.server.listening).toBe(false);
  });
});
