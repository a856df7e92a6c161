/**
 * A deploy: two gateway processes behind a small round-robin balancer written here, under keep-alive load; one gets
 * SIGTERM. Requests it had accepted must finish, new connections must go to the other instance, readiness must turn
 * 503 as soon as the drain starts, and the process must exit on its own within its grace period.
 */
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { singleRedis, startFleet, type Fleet, type SignedIn } from '../support/multi-instance.js';
import { findLeaks } from '../support/leak-guard.js';
import { waitFor } from '../support/sessions.js';
import type { Exchange } from '../support/gateway.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

interface Balancer {
  url: string;
  /** responses relayed, per instance */
  served: number[];
  /** new connections an instance refused, each sent on to the other instance (the request never reached it) */
  refused: number;
  close(): Promise<void>;
}

/**
 * Round robin over the ready ones of `targets`, with keep-alive connections to each (least recently used first), and
 * a health check of `/readyz` every 100 ms, as load balancers do. A connection an instance refuses is retried on the
 * next instance: that request was never accepted. Any other failure is relayed to the client as a 502: an accepted
 * request that did not finish.
 */
async function startBalancer(targets: string[]): Promise<Balancer> {
  const agents = targets.map(() => new Agent({ keepAlive: true, scheduling: 'fifo' }));
  const served = targets.map(() => 0);
  const ready = targets.map(() => true);
  const state = { refused: 0, next: 0 };
  const check = setInterval(() => {
    targets.forEach((t, i) => {
      fetch(`${t}/readyz`, { signal: AbortSignal.timeout(500) }).then(
        (r) => (ready[i] = r.status === 200),
        () => (ready[i] = false),
      );
    });
  }, 100);
  const pick = () => {
    for (let k = 0; k < targets.length; k++) {
      const i = state.next++ % targets.length;
      if (ready[i]) return i;
    }
    return state.next++ % targets.length;
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const forward = (i: number, tries: number) => {
      const headers: IncomingHttpHeaders = { ...req.headers };
      delete headers.connection;
      const up = request(`${targets[i]}${req.url}`, { method: req.method, headers, agent: agents[i] }, (answer) => {
        served[i]! += 1;
        const relayed = Object.fromEntries(Object.entries(answer.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
        res.writeHead(answer.statusCode ?? 502, relayed as Record<string, string | string[]>);
        answer.pipe(res);
      });
      up.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED' && tries < targets.length) {
          state.refused += 1;
          return forward((i + 1) % targets.length, tries + 1);
        }
        if (res.headersSent) return res.destroy();
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`balancer: ${err.code ?? err.message}`);
      });
      up.end(body);
    };
    forward(pick(), 0);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    get refused() {
      return state.refused;
    },
    async close() {
      clearInterval(check);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      for (const a of agents) a.destroy();
    },
  };
}

describe('SIGTERM on one of two instances under keep-alive load', () => {
  let fleet: Fleet;
  let balancer: Balancer | undefined;
  const transcript: Exchange[] = [];

  beforeAll(async () => {
    // A drain delay, so readiness can be seen turning 503 before the listener closes.
    fleet = await startFleet(singleRedis, { instances: 2, env: { SHUTDOWN_DELAY_MS: '1000', SHUTDOWN_GRACE_MS: '10000' } });
  }, 180_000);

  afterAll(async () => {
    await balancer?.close();
    if (!fleet) return;
    try {
      fleet.assertNoLeaks();
      const leaks = findLeaks({ transcript, logs: [], emulator: fleet.emulator.state, secrets: [] });
      if (leaks.length > 0) throw new Error(`Secrets leaked:\n${leaks.join('\n')}`);
    } finally {
      await fleet.close();
    }
  });

  it('fails no accepted request, moves new connections to the other instance, and exits 0 within its grace', async () => {
    const signed: SignedIn = await fleet.signIn(0);
    const cookie = signed.client.cookie!;
    // Every account page waits on CloudBase a while, so requests are in flight when the signal lands.
    await fleet.emu.setConfig({ latency: { 'GET /auth/v1/user/me': { ms: 150, jitter_ms: 150 } } });
    balancer = await startBalancer(fleet.urls);
    const lb = balancer;

    const clientAgent = new Agent({ keepAlive: true });
    const failures: string[] = [];
    let ok = 0;
    let running = true;
    const worker = async () => {
      while (running) {
        try {
          const res = await fetchVia(clientAgent, `${lb.url}/account?lang=en`, cookie);
          transcript.push({ method: 'GET', url: '/account', status: res.status, headers: res.headers, body: res.body });
          if (res.status === 200 && res.body.includes(signed.username)) ok += 1;
          else failures.push(`${res.status} ${res.body.slice(0, 120)}`);
        } catch (e) {
          failures.push(`client error: ${(e as Error).message}`);
        }
      }
    };
    const workers = Array.from({ length: 12 }, () => worker());
    try {
      await waitFor('load on both instances', () => lb.served[0]! >= 10 && lb.served[1]! >= 10, 30_000);

      const a = fleet.processes[0]!;
      const exited = new Promise<number | null>((resolve) => a.process.once('exit', (code) => resolve(code)));
      const servedByABefore = lb.served[0]!;
      a.process.kill('SIGTERM');
      // Readiness says 503 while the listener is still open (the drain delay).
      await waitFor('/readyz on the draining instance to answer 503', async () => (await fetch(`${a.url}/readyz`)).status === 503, 5000);

      expect(await exited).toBe(0);
      const servedByAAfterSignal = lb.served[0]! - servedByABefore;
      const servedByBAtExit = lb.served[1]!;
      // After the exit every request lands on B, new connections to A being refused.
      await waitFor('more load on the remaining instance', () => lb.served[1]! >= servedByBAtExit + 20, 30_000);
      running = false;
      await Promise.all(workers);

      expect(failures).toEqual([]);
      expect(ok).toBeGreaterThan(40);
      // A finished what it had accepted when the signal came (and what reached it before the balancer saw it unready).
      expect(servedByAAfterSignal).toBeGreaterThan(0);
      // It exited on its own: the drain finished before the grace period, with no connection cut.
      expect(a.lines.some((l) => l.includes('"msg":"drained"'))).toBe(true);
      expect(a.lines.some((l) => l.includes('connections cut'))).toBe(false);
      expect((await fetch(`${fleet.urls[1]}/readyz`)).status).toBe(200);
    } finally {
      running = false;
      await Promise.all(workers);
      clientAgent.destroy();
    }
  }, 120_000);
});

/** GET over a keep-alive agent (fetch's pool cannot be observed or shared per test). */
function fetchVia(agent: Agent, url: string, cookie: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { cookie } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('client timeout')));
    req.end();
  });
}
