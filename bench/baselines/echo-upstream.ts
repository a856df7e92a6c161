import { createServer } from 'node:http';

/**
 * The local upstream of the `proxy` and `refresh-fanin` scenarios: answers every request with a small JSON echo of
 * what arrived (method, path, whether a bearer token came along), on plain node:http so its cost stays small.
 */
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      bearer: /^Bearer \S+$/.test(req.headers.authorization ?? ''),
      cookie: req.headers.cookie !== undefined,
      request_id: req.headers['x-request-id'] ?? null,
      bytes: Buffer.concat(chunks).length,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
