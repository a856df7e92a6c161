import autocannon from 'autocannon';
import { percentileSorted, type RoundSample } from './report.js';

export interface LoadOptions {
  url: string;
  connections: number;
  /** seconds; ignored when `amount` is set */
  durationS?: number;
  /** send exactly this many requests, then stop */
  amount?: number;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  /** per-request variations (autocannon's `requests`), e.g. a different user for every sign-in */
  requests?: autocannon.Request[];
  timeoutS?: number;
  /** requests per second over all connections at most (autocannon's `overallRate`); unset: as fast as answered */
  rate?: number;
}

/**
 * One autocannon run. Latencies are taken from every response (whatever its status) with sub-millisecond precision:
 * autocannon's own histogram counts whole milliseconds and only 2xx, which says little about a 0.4 ms 401.
 */
export async function runLoad(opts: LoadOptions): Promise<RoundSample> {
  let latencies = new Float64Array(1 << 16);
  let n = 0;
  const statuses: Record<string, number> = {};
  const started = process.hrtime.bigint();
  const options: autocannon.Options = {
    url: opts.url,
    connections: opts.connections,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.durationS ?? 5 }),
    method: opts.method ?? 'GET',
    ...(opts.headers ? { headers: opts.headers } : {}),
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    ...(opts.requests ? { requests: opts.requests } : {}),
    timeout: opts.timeoutS ?? 10,
    ...(opts.rate !== undefined ? { overallRate: opts.rate } : {}),
  };
  let instance!: autocannon.Instance;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(options, (err: unknown, result) =>
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- autocannon's errors are Errors; this only guards the odd string
      err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result),
    );
  });
  instance.on('response', (_client, statusCode: number, _bytes: number, responseTime: number) => {
    if (n === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[n++] = responseTime;
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  const result = await finished;
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = latencies.subarray(0, n).sort();
  const seconds = opts.amount !== undefined ? elapsedS : Math.max(result.duration, 0.001);
  return {
    rps: n / seconds,
    p50_ms: percentileSorted(sorted, 50),
    p99_ms: percentileSorted(sorted, 99),
    responses: n,
    statuses,
    errors: result.errors, // timeouts included
  };
}
