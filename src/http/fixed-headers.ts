import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * The headers some middleware (helmet, the permissions policy) sets on every response, found once by running it
 * against a recording response: name, value pairs with lowercase names, for a handler that answers without Express
 * and must send the same headers. Only for middleware whose headers do not depend on the request.
 */
export function headersSetBy(middleware: readonly RequestHandler[]): string[] {
  const set = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: unknown) {
      set.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
      return recorder;
    },
    removeHeader(name: string) {
      set.delete(name.toLowerCase());
    },
    getHeader(name: string) {
      return set.get(name.toLowerCase());
    },
    hasHeader(name: string) {
      return set.has(name.toLowerCase());
    },
  };
  const request = { method: 'GET', url: '/', headers: {} } as IncomingMessage;
  for (const handler of middleware) {
    let passed = false;
    handler(request as never, recorder as unknown as ServerResponse as never, (err?: unknown) => {
      if (err) throw err instanceof Error ? err : new Error('headersSetBy: a middleware passed an error');
      passed = true;
    });
    if (!passed) throw new Error('headersSetBy: a middleware did not call next() at once');
  }
  return [...set].flat();
}
