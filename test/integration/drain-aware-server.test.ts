import { Agent, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { drainAwareServer } from '../../src/http/drain-aware-server.js';

interface Answer {
  status: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  body: string;
  reusedSocket: boolean;
}

type Handle = (req: IncomingMessage, res: ServerResponse, next?: unknown) => void;

let server: Server;
let port: number;
let draining = false;
const waiting: (() => void)[] = [];
const held = () => new Promise<void>((resolve) => waiting.push(resolve));
const releaseAll = () => waiting.splice(0).forEach((release) => release());

beforeAll(async () => {
  const app = express();
  app.get('/now', (_req, res) => void res.send('now'));
  app.get('/held', async (_req, res) => {
    await held();
    res.json({ ok: true });
  });
  // as express-session's on-headers does: the response's own writeHead wraps the one it found, taken before the drain
  app.get('/held-wrapped', async (_req, res) => {
    const found = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      this.setHeader('x-wrapped', '1');
      return (found as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as typeof res.writeHead;
    await held();
    res.status(201).end('wrapped');
  });
  // answered ahead of Express (no prototype swap), as the gateway's lean paths are
  const target = app as unknown as { handle: Handle };
  const expressHandle = target.handle.bind(app);
  target.handle = (req, res, next) => {
    if (req.url === '/lean') return void res.writeHead(200, ['content-type', 'text/plain', 'x-lean', '1']).end('lean');
    if (req.url === '/lean-reason') return void res.writeHead(202, 'Taken Soon', { 'x-lean': '2' }).end();
    if (req.url === '/lean-implicit') {
      res.statusCode = 204;
      return void res.end();
    }
    expressHandle(req, res, next);
  };
  server = drainAwareServer(app, () => draining);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  releaseAll();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  draining = false;
  releaseAll();
});

function get(path: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode!, statusMessage: res.statusMessage!, headers: res.headers, body, reusedSocket: req.reusedSocket }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

describe('drainAwareServer', () => {
  it('keeps connections alive while the gateway is not draining, through Express and ahead of it', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get('/now', agent);
      const second = await get('/lean', agent);
      const third = await get('/lean-implicit', agent);
      expect(first).toMatchObject({ status: 200, body: 'now', headers: { connection: 'keep-alive' } });
      expect(second).toMatchObject({ status: 200, body: 'lean', reusedSocket: true, headers: { connection: 'keep-alive', 'x-lean': '1' } });
      expect(third).toMatchObject({ status: 204, reusedSocket: true, headers: { connection: 'keep-alive' } });
    } finally {
      agent.destroy();
    }
  });

  it('closes the connection of responses in flight when the drain begins, their answers intact', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    try {
      const inFlight = [
        ...Array.from({ length: 7 }, () => get('/held', agent)),
        ...Array.from({ length: 6 }, () => get('/held-wrapped', agent)),
      ];
      await until(() => waiting.length === 13);
      draining = true;
      releaseAll();
      const answers = await Promise.all(inFlight);
      for (const answer of answers.slice(0, 7)) {
        expect(answer).toMatchObject({ status: 200, body: '{"ok":true}', headers: { connection: 'close' } });
      }
      for (const answer of answers.slice(7)) {
        expect(answer).toMatchObject({ status: 201, body: 'wrapped', headers: { connection: 'close', 'x-wrapped': '1' } });
      }
      // every connection was closed after its answer: the next request opens a new one
      expect(await get('/now', agent)).toMatchObject({ reusedSocket: false, headers: { connection: 'close' } });
    } finally {
      agent.destroy();
    }
  });

  it('answers requests arriving during the drain with Connection: close, whatever way the head is written', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await get('/now', agent)).toMatchObject({ headers: { connection: 'keep-alive' } });
      draining = true;
      const lean = await get('/lean', agent);
      expect(lean).toMatchObject({ status: 200, body: 'lean', reusedSocket: true, headers: { connection: 'close', 'x-lean': '1' } });
      const reason = await get('/lean-reason', agent);
      expect(reason).toMatchObject({ status: 202, statusMessage: 'Taken Soon', reusedSocket: false, headers: { connection: 'close', 'x-lean': '2' } });
      expect(await get('/lean-implicit', agent)).toMatchObject({ status: 204, reusedSocket: false, headers: { connection: 'close' } });
      expect(await get('/now', agent)).toMatchObject({ status: 200, body: 'now', reusedSocket: false, headers: { connection: 'close' } });
      draining = false;
      const after = await get('/now', agent);
      expect(after).toMatchObject({ headers: { connection: 'keep-alive' } });
      expect((await get('/lean', agent)).reusedSocket).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it("leaves Express's shared response prototype alone: only this app's responses are drain-aware", () => {
    expect(Object.prototype.hasOwnProperty.call(express.response, 'writeHead')).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(express().response, 'writeHead')).toBe(false);
  });
});
