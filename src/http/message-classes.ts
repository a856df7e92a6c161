import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What node's server constructs: its request and response classes (`createServer`'s options). */
export interface MessageClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/** The part of an Express app this needs: the prototypes it gives its requests and responses. */
export interface AppPrototypes {
  request: object;
  response: object;
}

/**
 * Request and response classes for node's server whose instances are born with the app's own prototypes, so nothing
 * swaps a prototype per request: Express's `handle` then finds the prototype it sets already there (a no-op in V8), and
 * so do the handlers that answer ahead of Express.
 *
 * Why: on Node 20 (V8 11.3), `Object.setPrototypeOf` on a request gives it a map copied out of V8's transition tree,
 * and the first write to a field after that copies the map again, a fresh one for every request. Every property access
 * on requests and responses then misses V8's inline caches (about 6 % of a sign-in's CPU went to IC misses alone) and
 * each request leaves maps behind for the old generation (bench/README.md, "Round 2, sixth pass").
 *
 * The classes extend node's with `class … extends`, so V8 sizes their objects for node's fields (a plain constructor
 * function calling node's gets 10 in-object fields instead of 39 and keeps the rest out of line). Their prototypes then
 * take the place of the app's: each inherits what the app's had (Express's request or response methods, node's below
 * them) and carries its own properties (`app`). Idempotent: an app whose prototypes are already such classes' gets
 * those classes back. Call it before anything keeps `app.request` or `app.response`.
 */
export function appMessageClasses(app: AppPrototypes): MessageClasses {
  return {
    IncomingMessage: adopt(app, 'request', IncomingMessage),
    ServerResponse: adopt(app, 'response', ServerResponse),
  };
}

function adopt<C extends typeof IncomingMessage | typeof ServerResponse>(app: AppPrototypes, key: keyof AppPrototypes, base: C): C {
  const current = app[key];
  if (!(current instanceof base)) throw new TypeError(`the app's ${key} prototype does not inherit node's ${base.name}`);
  // Adopted already: the prototype is its class's own.
  if (Object.hasOwn(current, 'constructor') && (current.constructor as C).prototype === current) return current.constructor as C;

  // Explicit constructors: the implicit one of a derived class passes its arguments on with a rest and a spread.
  const Born =
    key === 'request'
      ? class AppRequest extends IncomingMessage {
          constructor(socket: Socket) {
            super(socket);
          }
        }
      : class AppResponse extends (ServerResponse as new (req: IncomingMessage, options?: object) => ServerResponse) {
          constructor(req: IncomingMessage, options?: object) {
            super(req, options);
          }
        };
  Object.setPrototypeOf(Born.prototype, Object.getPrototypeOf(current) as object);
  Object.defineProperties(Born.prototype, Object.getOwnPropertyDescriptors(current));
  app[key] = Born.prototype;
  return Born as C;
}
