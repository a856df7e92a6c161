import type { EmulatorState } from './state.js';

/**
 * The keys a call is known by in `fail`, `fail_rate` and `latency`, most specific first: method and path called,
 * method and the route's documented path, the bare paths, then `*` (every call).
 */
export function callKeys(method: string, calledPath: string, documentedPath: string): string[] {
  const keys = [`${method} ${calledPath}`, `${method} ${documentedPath}`, calledPath, documentedPath, '*'];
  return [...new Set(keys)];
}

function first<T>(map: Record<string, T> | undefined, keys: string[]): T | undefined {
  if (!map) return undefined;
  for (const key of keys) if (Object.hasOwn(map, key)) return map[key];
  return undefined;
}

/** The `fail` entry for this call, if any. */
export function forcedFailure(state: EmulatorState, keys: string[]): string | undefined {
  return first(state.config.fail, keys);
}

/** An error drawn by `fail_rate` for this call, if it falls in the failing share. */
export function drawnFailure(state: EmulatorState, keys: string[]): string | undefined {
  const rule = first(state.config.fail_rate, keys);
  if (rule === undefined) return undefined;
  const { rate, error = 'unavailable' } = typeof rule === 'number' ? { rate: rule } : rule;
  return rate > 0 && state.random() < rate ? error : undefined;
}

/** Milliseconds `latency` adds to this call (0 when no rule applies or the call is outside the slow share). */
export function drawnLatency(state: EmulatorState, keys: string[]): number {
  const rule = first(state.config.latency, keys);
  if (!rule) return 0;
  if (rule.rate !== undefined && state.random() >= rule.rate) return 0;
  return rule.ms + (rule.jitter_ms ? Math.floor(state.random() * (rule.jitter_ms + 1)) : 0);
}
