import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { COOKIES } from '../../src/config/cookies.js';

// What Node's HTTP parser refuses never reaches express; it still gets the uniform JSON error body.
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

/** Sends raw bytes and returns the whole answer (the server closes the connection after it). */
function raw(request: string): Promise<string> {
  const { port } = gw.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.end(request));
    let out = '';
    sock.setTimeout(5000, () => sock.destroy(new Error('no answer')));
    sock.on('data', (d) => (out += d.toString()));
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
  });
}

function parse(answer: string): { status: number; headers: string; body: unknown } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head, body: JSON.parse(body) };
}

it('answers headers over the size limit with 431 and the JSON error body', async () => {
  const res = parse(await raw(`GET /api/session HTTP/1.1\r\nHost: x\r\nCookie: ${COOKIES.session}=${'a'.repeat(20_000)}\r\n\r\n`));
  expect(res.status).toBe(431);
  expect(res.headers).toMatch(/Content-Type: application\/json/);
  expect(res.body).toEqual({ error: { code: 'headers_too_large', message: expect.stringContaining('too large') } });
});

it('answers a malformed request line with 400 and the JSON error body', async () => {
  const res = parse(await raw('GARBAGE\r\n\r\n'));
  expect(res.status).toBe(400);
  expect(res.body).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });
});

it('keeps serving after both', async () => {
  const res = parse(await raw('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  expect(res.status).toBe(200);
});
