import type { ServerResponse } from 'node:http';

/**
 * The route pattern a response is counted under when no Express route matched it (a `use` mount such as the proxy's,
 * whose paths are the backends'): metrics label it with this instead of "unmatched", never with the raw URL.
 */
const labels = new WeakMap<ServerResponse, string>();

export function labelRoute(res: ServerResponse, pattern: string): void {
  labels.set(res, pattern);
}

export function routeLabelOf(res: ServerResponse): string | undefined {
  return labels.get(res);
}
