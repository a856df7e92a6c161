import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { callerOf } from '../../src/proxy/caller.js';
import type { TrustFn } from '../../src/http/request-id.js';

/**
 * The proxy's lean path judges the caller without Express (src/proxy/caller.ts); it must judge exactly as Express's
 * req.ip / req.protocol / req.host do under every TRUST_PROXY setting, or backends would be told another address.
 */
const TRUST_SETTINGS: unknown[] = [false, true, 1, 2, 'loopback', '10.0.0.0/8', 'loopback, 203.0.113.9'];
const HEADER_SETS: Record<string, string>[] = [
  {},
  { 'x-forwarded-for': '198.51.100.7' },
  { 'x-forwarded-for': '198.51.100.7, 203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'edge.example' },
  { 'x-forwarded-for': ' 198.51.100.7 ,, 10.1.2.3 ,203.0.113.9 ', 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'a.example, b.example' },
  { 'x-forwarded-for': '10.1.2.3, 10.4.5.6', 'x-forwarded-proto': ' HTTPS ' },
];

async function judged(trust: unknown, headers: Record<string, string>): Promise<{ express: unknown; lean: unknown }> {
  const app = express();
  app.set('trust proxy', trust);
  app.get('/', (req, res) => {
    const lean = callerOf(req, app.get('trust proxy fn') as TrustFn, undefined);
    res.json({ express: { for: req.ip, proto: req.protocol, host: req.host }, lean });
  });
  const server: Server = await new Promise((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  try {
    return await new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/', headers: { host: 'gateway.test:8080', ...headers } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(JSON.parse(body) as { express: unknown; lean: unknown }));
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe('when the lean proxy judges the caller without Express', () => {
  it.each(TRUST_SETTINGS.flatMap((trust) => HEADER_SETS.map((headers) => [JSON.stringify(trust), headers, trust] as const)))(
    'agrees with Express under trust proxy %s and headers %j',
    async (_name, headers, trust) => {
      const { express: expected, lean } = await judged(trust, headers);
      expect(lean).toEqual(expected);
    },
  );

  it("names PUBLIC_ORIGIN's host whatever the Host header says", async () => {
    const app = express();
    app.set('trust proxy', true);
    const req = { socket: { remoteAddress: '127.0.0.1' }, headers: { host: 'evil.example', 'x-forwarded-host': 'evil2.example' } };
    expect(callerOf(req as never, app.get('trust proxy fn') as TrustFn, 'app.example').host).toBe('app.example');
  });
});
