import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Service } from '../../bench/lib/procs.js';
import type { Outcome } from './report.js';

/** The soak's HTTP side: a round-robin "load balancer" over the live gateways that records every outcome. */

const COOKIE = 'cbg.sid';
/** a request not answered within this is a hang (far beyond the gateway's own Redis and CloudBase timeouts) */
export const HANG_MS = 20_000;

export interface Exchange {
  method: string;
  url: string;
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

export interface Session {
  cookie: string;
  sid: string;
}

export interface Answer {
  status: number;
  body: string;
  /** the session cookie the answer set, if any */
  session: Session | undefined;
}

/**
 * Sends each request to a random instance among those taking traffic, and counts its outcome ("read 200",
 * "sign-in 503", "proxy no-answer", …); drain() takes an instance out as a load balancer does before a restart.
 */
export class Balancer {
  /** instances taking traffic */
  readonly live = new Set<Service>();
  readonly byOutcome: Record<string, number> = {};
  readonly noAnswers: Record<string, number> = {};
  readonly outcomes: Outcome[] = [];
  total = 0;
  /** 5xx answers other than 503 */
  serverErrors = 0;
  private readonly inflight = new Map<Service, number>();

  constructor(private readonly transcript?: Exchange[]) {}

  count(key: string): void {
    this.byOutcome[key] = (this.byOutcome[key] ?? 0) + 1;
  }

  noAnswer(key: string): void {
    this.noAnswers[key] = (this.noAnswers[key] ?? 0) + 1;
  }

  /** No new requests to `s`; resolves once its in-flight ones are done (or after 5 s). */
  async drain(s: Service): Promise<void> {
    this.live.delete(s);
    for (let i = 0; i < 200 && (this.inflight.get(s) ?? 0) > 0; i++) await new Promise((r) => setTimeout(r, 25));
  }

  async send(kind: string, path: string, init: { method?: string; cookie?: string; json?: unknown } = {}): Promise<Answer> {
    const pool = [...this.live];
    const target = pool[Math.floor(Math.random() * pool.length)]!;
    this.inflight.set(target, (this.inflight.get(target) ?? 0) + 1);
    const t0 = Date.now();
    const method = init.method ?? 'GET';
    try {
      const res = await fetch(`${target.url}${path}`, {
        method,
        redirect: 'manual',
        headers: {
          ...(init.cookie ? { cookie: init.cookie } : {}),
          ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(method !== 'GET' ? { 'x-csrf': '1' } : {}),
        },
        ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
        signal: AbortSignal.timeout(HANG_MS),
      });
      const body = await res.text();
      this.total += 1;
      const key = `${kind} ${res.status}`;
      this.count(key);
      if (res.status >= 500 && res.status !== 503) this.serverErrors += 1;
      this.outcomes.push({ t0, t1: Date.now(), ok: res.status < 500, what: key });
      this.transcript?.push({ method, url: path, status: res.status, headers: { ...Object.fromEntries(res.headers), 'set-cookie': res.headers.getSetCookie() }, body });
      return { status: res.status, body, session: cookieOf(res) };
    } catch (e) {
      this.total += 1;
      const key = `${kind} ${(e as Error).name === 'TimeoutError' ? 'hang' : 'no-answer'}`;
      this.noAnswer(key);
      this.outcomes.push({ t0, t1: Date.now(), ok: false, what: key });
      return { status: 0, body: '', session: undefined };
    } finally {
      this.inflight.set(target, (this.inflight.get(target) ?? 1) - 1);
    }
  }
}

/** The proxied backend: a small JSON answer to anything. */
export function startEcho(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({ ok: true, bearer: /^Bearer \S+$/.test(req.headers.authorization ?? '') });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })),
  );
}

function cookieOf(res: Response): Session | undefined {
  for (const header of res.headers.getSetCookie()) {
    const pair = header.split(';', 1)[0]!;
    if (!pair.startsWith(`${COOKIE}=`)) continue;
    const value = decodeURIComponent(pair.slice(COOKIE.length + 1));
    if (!value.startsWith('s:')) return undefined;
    return { cookie: pair, sid: value.slice(2, value.lastIndexOf('.')) };
  }
  return undefined;
}

