import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

export interface MetricsServer {
  server: Server;
  /** where Prometheus scrapes: `http://<host>:<port>/metrics` */
  url: string;
  close(): Promise<void>;
}

function send(res: import('node:http').ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(head ? undefined : body);
}

/**
 * `GET /metrics` on a listener of its own (METRICS_HOST:METRICS_PORT, loopback by default), never on the public port:
 * the per-error counters would tell an outsider whether an account or a phone number exists. A bare node:http server:
 * no sessions, no cookies, nothing else to reach.
 */
export async function startMetricsServer(metrics: Metrics, { host, port }: { host: string; port: number }): Promise<MetricsServer> {
  const server = createServer(function metricsListener(req, res) {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return send(res, 404, 'text/plain; charset=utf-8', 'Not found: metrics are at /metrics\n', req.method === 'HEAD');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'Only GET and HEAD\n', false);
    }
    metrics.registry.metrics().then(
      (text) => send(res, 200, metrics.registry.contentType, text, req.method === 'HEAD'),
      () => send(res, 500, 'text/plain; charset=utf-8', 'Collecting the metrics failed\n', false),
    );
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const bound = addr && typeof addr === 'object' ? addr.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `http://${shownHost}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
