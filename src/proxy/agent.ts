import { Agent as HttpAgent, type ClientRequest, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** A backend connection stayed silent longer than PROXY_TIMEOUT_MS (connecting, awaiting the answer, between chunks). */
export class BackendTimeout extends Error {}

function onIdle(this: Socket): void {
  // The request on the socket, if any, gets this error (node:http passes a socket's error to its request).
  this.destroy(new BackendTimeout());
}

/** node:http's rule: a backend announcing `Keep-Alive: timeout=1` or less is not reused (it would close under us). */
const SHORT_HINT = /^timeout=[01](?!\d)/;

type Pooled = Duplex & { _httpMessage?: ClientRequest & { res?: { headers: Record<string, unknown> } } };

/**
 * A keep-alive agent whose sockets carry the backend timeout as their idle limit, set once when the socket is made.
 * A per-request `timeout` option made node arm the socket's timer when a pooled socket was handed to a call and clear
 * it when the socket went back (two timer changes and a listener per call); here the timer stays armed, refreshed by
 * node on every read and write, and an idle pooled socket past the limit is closed.
 */
function idleLimited<T extends typeof HttpAgent>(Base: T, timeoutMs: number): T {
  return class IdleLimitedAgent extends (Base as typeof HttpAgent) {
    override createConnection(options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
      const socket = super.createConnection(options, callback) as Socket | null | undefined;
      socket?.setTimeout(timeoutMs);
      socket?.on('timeout', onIdle);
      return socket;
    }

    // node's own keeps the socket but sets its timeout back to the agent's (none) on every return to the pool
    override keepSocketAlive(socket: Duplex): boolean {
      const net = socket as Socket;
      net.setKeepAlive(true, (this as unknown as { keepAliveMsecs: number }).keepAliveMsecs);
      net.unref();
      const hint = (socket as Pooled)._httpMessage?.res?.headers['keep-alive'];
      return !(typeof hint === 'string' && SHORT_HINT.test(hint));
    }
  } as unknown as T;
}

/** The keep-alive agent for one backend route (http: or https:). */
export function backendAgent(https: boolean, timeoutMs: number): HttpAgent {
  const Agent = https ? idleLimited(HttpsAgent, timeoutMs) : idleLimited(HttpAgent, timeoutMs);
  return new Agent({ keepAlive: true });
}
