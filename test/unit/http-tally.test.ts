import { Counter, Histogram, Registry } from 'prom-client';
import { HttpTallies } from '../../src/metrics/tally.js';

/**
 * The HTTP metrics are tallied with plain increments and folded into prom-client when read (metrics/tally.ts): the
 * exposition must be exactly what observing each answer through prom-client gives.
 */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function pair(tallied: boolean) {
  const registry = new Registry();
  const registers = [registry];
  let fold = () => undefined as void;
  const count = new Counter({ name: 'http_requests_total', help: 'h', labelNames: ['method', 'route', 'status'] as const, registers, collect: () => fold() });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'h',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: BUCKETS,
    registers,
    collect: () => fold(),
  });
  const tallies = new HttpTallies(BUCKETS, (labels) => count.labels(labels));
  fold = () => tallies.fold(duration);
  const add = (method: string, route: string, status: number, seconds: number) => {
    if (tallied) return tallies.add(method, route, status, seconds);
    const labels = { method, route, status: String(status) };
    count.inc(labels);
    duration.observe(labels, seconds);
  };
  return { registry, add };
}

/** Durations on and around every bucket bound, zero and above the last bound, over a few label sets. */
function answers(seed: number): [string, string, number, number][] {
  const out: [string, string, number, number][] = [];
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (const b of [0, ...BUCKETS, 45]) for (const d of [-1e-9, 0, 1e-9]) out.push(['GET', '/api/proxy', 200, Math.max(0, b + d)]);
  for (let i = 0; i < 500; i++) out.push([next() < 0.8 ? 'GET' : 'POST', next() < 0.5 ? '/api/proxy' : '/api/session', next() < 0.9 ? 200 : 502, next() * 3]);
  return out;
}

describe('HTTP metrics tallied and folded when read', () => {
  it('expose the same series and numbers as prom-client observing each answer, read after read and after a reset', async () => {
    const direct = pair(false);
    const tallied = pair(true);
    for (const seed of [1, 2, 3]) {
      for (const a of answers(seed)) {
        direct.add(...a);
        tallied.add(...a);
      }
      expect(await tallied.registry.metrics()).toBe(await direct.registry.metrics());
    }
    direct.registry.resetMetrics();
    tallied.registry.resetMetrics();
    for (const a of answers(4)) {
      direct.add(...a);
      tallied.add(...a);
    }
    // after a reset the series may come in another order (the tallies keep theirs), with the same lines
    const lines = async (r: Registry) => (await r.metrics()).split('\n').sort();
    expect(await lines(tallied.registry)).toEqual(await lines(direct.registry));
    expect(await tallied.registry.metrics()).toContain('http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/proxy",status="200"}');
  });
});
