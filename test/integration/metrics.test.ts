import { startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { untilRefreshDue } from '../support/sessions.js';
import { createMetrics } from '../../src/metrics/metrics.js';

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

describe('GET /metrics', () => {
  it('serves the Prometheus text format, uncached', async () => {
    const res = await gw.agent().get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
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
      expect(res.text).toContain(`# TYPE ${name} `);
    }
  });

  it('counts HTTP requests by route pattern and status, never by raw URL', async () => {
    const agent = gw.agent();
    expect((await submitForm(agent, '/login', '/login', { username: 'measured', password: 'wrong' })).status).toBe(401);
    expect((await submitForm(agent, '/login', '/login', { username: 'measured', password: PASSWORD })).status).toBe(303);
    await agent.post('/account/sessions/some-raw-id-123/revoke').type('form').send({});
    await agent.get('/no/such/page/secret-looking-id');
    const text = (await agent.get('/metrics')).text;
    expect(sample(text, 'http_requests_total', { method: 'POST', route: '/login', status: '401' })).toBe(1);
    expect(sample(text, 'http_requests_total', { method: 'POST', route: '/login', status: '303' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/login', status: '303' })).toBe(1);
    expect(sample(text, 'http_requests_total', { route: '/account/sessions/:id/revoke' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'http_requests_total', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('some-raw-id-123');
    expect(text).not.toContain('secret-looking-id');
  });

  it('counts CloudBase calls by endpoint and error string, with latencies', async () => {
    const text = (await gw.agent().get('/metrics')).text;
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
      expect((await submitForm(agent, '/login', '/login', { username: 'measured', password: PASSWORD })).status).toBe(303);
      // Once the token is due (after half its life), the account page refreshes it first.
      await untilRefreshDue(Date.now(), 2);
      expect((await agent.get('/account')).status).toBe(200);
    } finally {
      await gw.emu.setConfig({ access_token_ttl_s: 3600 });
    }
    const text = (await gw.agent().get('/metrics')).text;
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
