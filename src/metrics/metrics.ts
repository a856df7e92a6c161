import type { RequestHandler } from 'express';
import { routeLabelOf } from '../http/route-label.js';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallInfo } from '../cloudbase/client.js';
import { KNOWN_UPSTREAM_ERRORS } from '../errors/upstream.js';
import type { LimitKind } from '../limits/limits.js';
import type { SmsPurpose } from '../session/types.js';
import { HttpTallies } from './tally.js';

/** Refresh outcomes as the token keeper reports them; `lock_wait` is counted on its own. */
export type RefreshEvent = 'refreshed' | 'adopted' | 'invalid_grant' | 'unavailable' | 'lock_wait' | 'backoff';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Error labels are bounded: CloudBase's known strings and the client's own reasons; anything else is "other". */
const KNOWN_ERRORS = new Set([...KNOWN_UPSTREAM_ERRORS, 'timeout', 'network', 'bad_response']);

/**
 * The gateway's Prometheus metrics, in a registry of its own (one per app, so tests and several apps in one process
 * never share counters), with the default process metrics. The hooks are plain functions: the CloudBase client's
 * `onCall`, the token keeper's `onRefresh`, the limits' `onReject`, the auth service's `onSmsSent`.
 */
export function createMetrics(opts: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const registers = [registry];
  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
    collect: foldHttp,
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
    collect: foldHttp,
  });
  const upstreamCalls = new Counter({
    name: 'cloudbase_requests_total',
    help: 'Calls to CloudBase Auth, by endpoint and CloudBase error string ("" when it succeeded)',
    labelNames: ['method', 'endpoint', 'error'] as const,
    registers,
  });
  const upstreamDuration = new Histogram({
    name: 'cloudbase_request_duration_seconds',
    help: 'Latency of calls to CloudBase Auth, by endpoint and error string',
    labelNames: ['method', 'endpoint', 'error'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const upstreamChildren = new Map<string, { count: ReturnType<typeof upstreamCalls.labels>; duration: ReturnType<typeof upstreamDuration.labels> }>();
  const refreshes = new Counter({
    name: 'token_refreshes_total',
    help: 'Access-token refreshes by outcome: refreshed, adopted (another request had refreshed), invalid_grant, unavailable, backoff (not asked: the session backs off after a failure)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const lockWaits = new Counter({
    name: 'token_refresh_lock_waits_total',
    help: 'Requests that waited for another request (any instance) holding the refresh lock of their session',
    registers,
  });
  const rateLimited = new Counter({
    name: 'rate_limit_rejections_total',
    help: 'Attempts refused by the abuse limits, by which limit refused them',
    labelNames: ['kind'] as const,
    registers,
  });
  const smsSent = new Counter({
    name: 'sms_sent_total',
    help: 'SMS verification codes CloudBase accepted to send, by purpose',
    labelNames: ['purpose'] as const,
    registers,
  });

  // Every answer is tallied with a few number increments (tally.ts), and the tallies are folded into the two
  // prom-client metrics when they are read: prom-client's own inc/observe validate and hash the labels on every call,
  // a share of the lean paths' cost per request. /metrics shows the same series either way.
  const tallies = new HttpTallies(LATENCY_BUCKETS, (labels) => httpRequests.labels(labels));
  function foldHttp(): void {
    tallies.fold(httpDuration);
  }
  function countHttp(method: string, route: string, status: number, startedMs: number): void {
    tallies.add(method, route, status, (performance.now() - startedMs) / 1000);
  }

  return {
    registry,

    /** Counts and times every response by its Express route pattern (never the raw URL: ids and tokens stay out). */
    http(): RequestHandler {
      return function httpMetricsMiddleware(req, res, next) {
        const started = performance.now();
        res.once('finish', () => {
          const route = (req.route as { path?: unknown } | undefined)?.path;
          const pattern =
            typeof route === 'string'
              ? `${req.baseUrl}${route}`
              : (routeLabelOf(res) ?? (req.originalUrl.startsWith('/static/') ? '/static' : 'unmatched'));
          countHttp(req.method, pattern, res.statusCode, started);
        });
        next();
      };
    },

    /** Counts and times one answer of a handler that runs before Express (the lean session read, the proxy's lean path). */
    countHttp,

    upstreamCall(info: CallInfo): void {
      const error = info.error ? (KNOWN_ERRORS.has(info.error) ? info.error : 'other') : '';
      // Label children cached per (method, endpoint, error), as for the HTTP metrics: no label hashing per call.
      const key = `${info.method} ${info.endpoint} ${error}`;
      let c = upstreamChildren.get(key);
      if (!c) {
        const labels = { method: info.method, endpoint: info.endpoint, error };
        c = { count: upstreamCalls.labels(labels), duration: upstreamDuration.labels(labels) };
        upstreamChildren.set(key, c);
      }
      c.count.inc();
      c.duration.observe(info.durationMs / 1000);
    },

    refresh(event: RefreshEvent): void {
      if (event === 'lock_wait') lockWaits.inc();
      else refreshes.inc({ outcome: event });
    },

    rateLimited(kind: LimitKind): void {
      rateLimited.inc({ kind });
    },

    smsSent(purpose: SmsPurpose): void {
      smsSent.inc({ purpose });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
