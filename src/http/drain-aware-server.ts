import { createServer, ServerResponse, type RequestListener, type Server } from 'node:http';
import { appMessageClasses, type AppPrototypes } from './message-classes.js';

/** node's own, taken once: the drain-aware one calls it */
const nodeWriteHead = Object.getOwnPropertyDescriptor(ServerResponse.prototype, 'writeHead')!.value as (
  this: ServerResponse,
  ...args: unknown[]
) => ServerResponse;

/**
 * The gateway's HTTP server: a response whose head is written while the gateway drains says `Connection: close` and
 * closes its connection after it, so no keep-alive connection is left idle to be closed under a request already on its
 * way. That covers requests arriving during the drain and those in flight when it began, without tracking requests or
 * connections: node writes every head through `writeHead` (`end()` and `write()` call it for an implicit head).
 *
 * Why no per-request or per-connection bookkeeping (a Set of responses, a 'close' listener on each socket): with it, a
 * process that had served some traffic kept each later proxied call alive past two scavenges and promoted all of it,
 * doubling a proxied call's CPU (bench/README.md, "Round 2, fifth pass").
 *
 * The server's requests and responses are born with the app's prototypes (`appMessageClasses`), so the app's response
 * prototype carries this `writeHead` (per app: Express's shared prototype is left alone).
 */
export function drainAwareServer(app: RequestListener & AppPrototypes, isDraining: () => boolean): Server {
  function writeHead(this: ServerResponse, statusCode: number, reason?: unknown, headers?: unknown): ServerResponse {
    if (isDraining()) this.shouldKeepAlive = false;
    return nodeWriteHead.call(this, statusCode, reason, headers);
  }
  const classes = appMessageClasses(app);
  Object.defineProperty(app.response, 'writeHead', { value: writeHead, writable: true, configurable: true });
  return createServer(classes, app);
}
