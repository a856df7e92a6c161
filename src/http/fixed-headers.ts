import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * The headers some middleware (helmet, the Permissions-Policy) sets on every answer, taken once at start-up by
 * running it against a recording response, as a flat [name, value, …] list with lowercase names that a handler
 * answering before Express (the lean session read, the proxy's lean path) passes to `writeHead` in one go. Only for
 * middleware whose headers never depend on the request: it must call next() at once, and may only set and remove
 * headers.
 */
export function fixedHeaders(...middleware: RequestHandler[]): string[] {
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
    void handler(request as never, recorder as unknown as ServerResponse as never, (err?: unknown) => {
      passed = err === undefined;
    });
    if (!passed) throw new Error(`${handler.name || 'middleware'} did not pass a request on at once: its headers are not fixed`);
  }
  return [...set].flat();
}
