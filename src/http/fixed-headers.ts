import type { Request, RequestHandler, Response } from 'express';

/**
 * The headers some middleware (helmet, the Permissions-Policy) sets on every answer, taken once at start-up by
 * running it against a recording response, as a flat [name, value, …] list a handler can pass to `writeHead` in one
 * go. Only for middleware whose headers never depend on the request: it must call next() at once, and may only set
 * and remove headers.
 */
export function fixedHeaders(...middleware: RequestHandler[]): string[] {
  const headers = new Map<string, [string, string]>();
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.set(name.toLowerCase(), [name, String(value)]);
      return recorder;
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
    getHeader(name: string) {
      return headers.get(name.toLowerCase())?.[1];
    },
  };
  for (const handler of middleware) {
    let passed = false;
    void handler({ headers: {}, method: 'GET', url: '/' } as Request, recorder as unknown as Response, (err?: unknown) => {
      passed = err === undefined;
    });
    if (!passed) throw new Error(`${handler.name || 'middleware'} did not pass a request on at once: its headers are not fixed`);
  }
  return [...headers.values()].flat();
}
