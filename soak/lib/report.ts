/** What the soak measures, how it sums it up, and how it prints it. */
import { readFileSync } from 'node:fs';

export type FaultKind = 'master-kill' | 'redis-pause' | 'cloudbase-errors' | 'instance-restart';

export interface FaultRecord {
  kind: FaultKind;
  at_s: number;
  duration_ms: number;
  /**
   * The longest stretch in which every request that ended failed (503 or no answer): from the start of the first
   * failed request of the stretch to the end of its last, with no success ending in between.
   */
  unavailable_ms: number;
  /**
   * from the fault's start to the end of the last failed request among those started from the fault's start to 10 s
   * after its end (or 3 s before the next fault, if sooner)
   */
  last_failure_after_ms: number;
  failed_requests: number;
  /** the failed requests by kind and status */
  failed: Record<string, number>;
}

export interface InstanceMemory {
  name: string;
  start_mb: number;
  end_mb: number;
  peak_mb: number;
  growth_mb: number;
  /** one sample every 10 s, to see a trend */
  every_10s_mb: number[];
}

export interface SoakResult {
  schema: 1;
  started_at: string;
  settings: { seconds: number; workers: number; fault_every_s: number; memory_bound_mb: number; redis_wait_replicas: number };
  requests: { total: number; by_outcome: Record<string, number> };
  /** 5xx answers other than 503 (must be 0) */
  server_errors_not_503: number;
  /** requests with no HTTP answer: hang past the bound, connection reset (by kind of request) */
  no_answer: Record<string, number>;
  sessions: { acknowledged: number; signed_out: number; checked: number; lost: number; lost_ids: string[] };
  refreshes: { upstream_calls: number; injected_failures: number; rotations: number; extra_calls: number; per_wave: number };
  faults: FaultRecord[];
  longest_unavailable_ms: Partial<Record<FaultKind, number>>;
  memory: InstanceMemory[];
  pass: boolean;
  failures: string[];
}

export interface Outcome {
  t0: number;
  t1: number;
  ok: boolean;
  what: string;
}

/** A fault as injected: from its start until it was over (the replica promoted, the pause ended, …). */
export interface FaultWindow {
  kind: FaultKind;
  start: number;
  end: number;
}

/** after a fault ends, failures this long afterwards still count towards it */
const TAIL_MS = 10_000;
const NEXT_FAULT_MARGIN_MS = 3000;
export const SAMPLES_PER_S = 2;

/** RSS of a process in MB, from /proc (Linux); undefined elsewhere or once it has exited. */
export function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Each fault's record, from every request's outcome. */
export function summarizeFaults(faults: FaultWindow[], outcomes: Outcome[], t0: number): FaultRecord[] {
  return faults.map((f, i) => {
    // Not so close to the next fault that a request it slowed down (up to the 1.5 s command bound, plus a retry)
    // is counted here.
    const until = Math.min(f.end + TAIL_MS, (faults[i + 1]?.start ?? Infinity) - NEXT_FAULT_MARGIN_MS);
    const mine = outcomes.filter((x) => x.t0 >= f.start && x.t0 <= until).sort((a, b) => a.t1 - b.t1);
    const failed = mine.filter((x) => !x.ok);
    let longest = 0;
    let runStart: number | undefined;
    for (const x of mine) {
      if (x.ok) runStart = undefined;
      else {
        runStart = Math.min(runStart ?? x.t0, x.t0);
        longest = Math.max(longest, x.t1 - runStart);
      }
    }
    const byWhat: Record<string, number> = {};
    for (const x of failed) byWhat[x.what] = (byWhat[x.what] ?? 0) + 1;
    return {
      kind: f.kind,
      at_s: Math.round((f.start - t0) / 100) / 10,
      duration_ms: f.end - f.start,
      unavailable_ms: longest,
      last_failure_after_ms: failed.length > 0 ? Math.max(...failed.map((x) => x.t1)) - f.start : 0,
      failed_requests: failed.length,
      failed: byWhat,
    };
  });
}

/**
 * Resident memory swings by tens of MB with V8's collections, so single samples are compared through medians: of the
 * samples from 10 s to 30 s into the instance's traffic (loading, JIT and first connections are not growth) and of
 * its last 20 s.
 */
export function summarizeMemory(instances: Array<{ name: string; samples: number[] }>): InstanceMemory[] {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  return instances
    .filter((m) => m.samples.length > 0)
    .map((m) => {
      const early = m.samples.slice(SAMPLES_PER_S * 10, SAMPLES_PER_S * 30);
      const start = median(early.length > 0 ? early : m.samples);
      const end = median(m.samples.slice(-SAMPLES_PER_S * 20));
      return {
        name: m.name,
        start_mb: start,
        end_mb: end,
        peak_mb: Math.max(...m.samples),
        growth_mb: Math.round((end - start) * 10) / 10,
        every_10s_mb: m.samples.filter((_, i) => i % (SAMPLES_PER_S * 10) === 0),
      };
    });
}

/** The result as a plain-text table, for the terminal and the README. */
export function formatSoakTable(r: SoakResult): string {
  const rows: Array<[string, string]> = [
    ['duration', `${r.settings.seconds} s, ${r.settings.workers} loops, a fault every ${r.settings.fault_every_s} s`],
    ['requests', String(r.requests.total)],
    ...Object.entries(r.requests.by_outcome).map(([k, v]): [string, string] => [`  ${k}`, String(v)]),
    ...Object.entries(r.no_answer).map(([k, v]): [string, string] => [`  ${k}`, String(v)]),
    ['5xx other than 503', String(r.server_errors_not_503)],
    ['sessions acknowledged / signed out / checked', `${r.sessions.acknowledged} / ${r.sessions.signed_out} / ${r.sessions.checked}`],
    ['sessions lost', String(r.sessions.lost)],
    ['refresh rotations (waves)', String(r.refreshes.rotations)],
    ['upstream refresh calls (injected failures)', `${r.refreshes.upstream_calls} (${r.refreshes.injected_failures})`],
    ['refresh calls per wave (calls beyond one per wave)', `${r.refreshes.per_wave} (${r.refreshes.extra_calls})`],
    ...Object.entries(r.longest_unavailable_ms).map(([k, v]): [string, string] => [
      `longest unavailability: ${k}`,
      `${v} ms (last failure ${Math.max(...r.faults.filter((f) => f.kind === k).map((f) => f.last_failure_after_ms))} ms after the start; ` +
        `${r.faults.filter((f) => f.kind === k).length} fault(s))`,
    ]),
    ...r.memory.map((m): [string, string] => [`memory ${m.name} (median RSS)`, `${m.start_mb} MB -> ${m.end_mb} MB (peak ${m.peak_mb} MB)`]),
    ['result', r.pass ? 'PASS' : `FAIL: ${r.failures.join('; ')}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
