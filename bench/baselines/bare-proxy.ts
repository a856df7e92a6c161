import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';

/**
 * Baseline `bare-proxy`: the least a Node reverse proxy does — node:http, a keep-alive agent to the upstream
 * (`UPSTREAM_URL`), `/<anything>` forwarded as it came with hop-by-hop headers dropped, the answer streamed back. No
 * auth, no session, no logging: the floor for the BFF's `/api/proxy/…`.
 */
const upstream = new URL(process.env.UPSTREAM_URL ?? 'http://127.0.0.1:1');
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host'];

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out = { ...headers };
  for (const h of HOP_BY_HOP) delete out[h];
  return out;
}

const server = createServer((req, res) => {
  const upstreamReq = request(
    { agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: forwardable(req.headers) },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, forwardable(upstreamRes.headers));
      upstreamRes.pipe(res);
    },
  );
  upstreamReq.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstreamReq);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
