import { IncomingMessage, request, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { appMessageClasses } from '../../src/http/message-classes.js';
import { drainAwareServer } from '../../src/http/drain-aware-server.js';
import { mapsProbe } from '../support/maps-probe.js';

describe('appMessageClasses', () => {
  it("makes the app's request and response prototypes those of node classes, keeping what they had", () => {
    const app = express();
    const before = { request: app.request, response: app.response };
    const classes = appMessageClasses(app);
    expect(app.request).not.toBe(before.request);
    expect(classes.IncomingMessage.prototype).toBe(app.request);
    expect(classes.ServerResponse.prototype).toBe(app.response);
    // what the old prototypes inherited (Express's methods, node's below them) and their own `app`
    expect(Object.getPrototypeOf(app.request)).toBe(Object.getPrototypeOf(before.request));
    expect(Object.getPrototypeOf(app.response)).toBe(Object.getPrototypeOf(before.response));
    expect(app.request.app).toBe(app);
    expect(app.response.app).toBe(app);
    expect(typeof app.request.get).toBe('function');
    expect(typeof app.response.json).toBe('function');
    expect(app.request).toBeInstanceOf(IncomingMessage);
    expect(app.response).toBeInstanceOf(ServerResponse);
  });

  it('is idempotent: a second call gives the same classes and leaves the prototypes as they are', () => {
    const app = express();
    const first = appMessageClasses(app);
    const { request: req, response: res } = app;
    const second = appMessageClasses(app);
    expect(second.IncomingMessage).toBe(first.IncomingMessage);
    expect(second.ServerResponse).toBe(first.ServerResponse);
    expect(app.request).toBe(req);
    expect(app.response).toBe(res);
  });

  it("refuses prototypes that do not inherit node's", () => {
    expect(() => appMessageClasses({ request: {}, response: express().response })).toThrow(/request prototype does not inherit node's IncomingMessage/);
    const app = express();
    expect(() => appMessageClasses({ request: app.request, response: Object.create(null) as object })).toThrow(/response prototype/);
  });

  it("serves requests born with the app's prototypes, which Express's own handle then leaves in place", async () => {
    const app = express();
    const seen: { before: boolean; inRoute: boolean; classes: boolean }[] = [];
    const target = app as unknown as { handle: (req: IncomingMessage, res: ServerResponse, next?: unknown) => void };
    const expressHandle = target.handle.bind(app);
    const protoAtEntry = new WeakMap<object, boolean>();
    target.handle = (req, res, next) => {
      protoAtEntry.set(req, Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
      expressHandle(req, res, next);
    };
    app.get('/who', (req, res) => {
      seen.push({
        before: protoAtEntry.get(req) === true,
        inRoute: Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response,
        classes: req instanceof Classes.IncomingMessage && res instanceof Classes.ServerResponse,
      });
      res.json({ ip: req.ip, accepts: req.get('accept') ?? null });
    });
    const server: Server = drainAwareServer(app, () => false);
    const Classes = appMessageClasses(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ port, host: '127.0.0.1', path: '/who', headers: { accept: 'application/json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject).end();
      });
      expect(JSON.parse(body)).toEqual({ ip: '127.0.0.1', accepts: 'application/json' });
      expect(seen).toEqual([{ before: true, inRoute: true, classes: true }]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  // The reason for the classes, checked in V8 itself (a child process with --allow-natives-syntax): requests that Express
  // gives its prototype with Object.setPrototypeOf each get a map of their own, requests born with it share one. If the
  // plain case ever shares maps too, V8 no longer copies maps on a prototype swap and this module could go.
  it('keeps every request and response on one V8 map, where a prototype swap per request gives each its own', async () => {
    const probe = (mode: 'born' | 'plain') => mapsProbe('message-maps-probe', mode);
    expect(await probe('born')).toEqual({ served: 30, requests: true, responses: true });
    expect(await probe('plain')).toEqual({ served: 30, requests: false, responses: false });
  });
});
