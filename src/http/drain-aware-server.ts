import { createServer, IncomingMessage, ServerResponse, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';

/** node's own, taken once: the drain-aware one calls it */
const nodeWriteHead = Object.getOwnPropertyDescriptor(ServerResponse.prototype, 'writeHead')!.value as (
  this: ServerResponse,
  ...args: unknown[]
) => ServerResponse;

/** What the server needs of the app: its handler and the prototypes it gives requests and responses (Express's). */
export type ServedApp = RequestListener & { request: object; response: object };

/**
 * The gateway's HTTP server.
 *
 * Requests and responses are born with the app's own prototypes (Express's `app.request` and `app.response`, which
 * inherit node's), so nothing swaps a prototype per request: Express's `handle` then finds the prototype it would set
 * already there, and the lean sign-in too. Swapping the prototype of each request and response
 * (`Object.setPrototypeOf`) kept every one of them, and all they reach, alive through young-generation collections
 * until a full one on Node 20 (V8 11.3): a sign-in answered right after that swap promoted 3 MB per scavenge, one
 * answered without it 3 KB (bench/README.md, "Round 2, fifth pass").
 *
 * A response whose head is written while the gateway drains says `Connection: close` and closes its connection after
 * it, so no keep-alive connection is left idle to be closed under a request already on its way. That covers requests
 * arriving during the drain and those in flight when it began, without tracking requests or connections (node writes
 * every head through `writeHead`; `end()` and `write()` call it for an implicit head): a Set of responses and a 'close'
 * listener on each socket had put the process in the same promote-everything state.
 */
export function drainAwareServer(app: ServedApp, isDraining: () => boolean): Server {
  function writeHead(this: ServerResponse, statusCode: number, reason?: unknown, headers?: unknown): ServerResponse {
    if (isDraining()) this.shouldKeepAlive = false;
    return nodeWriteHead.call(this, statusCode, reason, headers);
  }
  // On the app's response prototype (its own, not Express's shared one): every response of this server inherits it.
  Object.defineProperty(app.response, 'writeHead', { value: writeHead, writable: true, configurable: true });

  // node constructs these with `new`; node's own constructors set the fields, the prototypes are the app's.
  function AppRequest(this: IncomingMessage, socket: Socket): void {
    (IncomingMessage as unknown as (this: IncomingMessage, socket: Socket) => void).call(this, socket);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: ServerResponse, req: IncomingMessage, options?: object): void {
    (ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: object) => void).call(this, req, options);
  }
  AppResponse.prototype = app.response;

  return createServer(
    {
      IncomingMessage: AppRequest as unknown as typeof IncomingMessage,
      ServerResponse: AppResponse as unknown as typeof ServerResponse,
    },
    app,
  );
}
