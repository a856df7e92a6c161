import type { IncomingMessage } from 'node:http';
import type { TrustFn } from '../http/request-id.js';
import type { Forwarded } from './forward.js';


function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const comma = value.indexOf(',');
  return (comma < 0 ? value : value.slice(0, comma)).trim();
}

/**
 * The caller as Express would judge it (req.ip, req.protocol, req.host) for a request that never went through
 * Express: X-Forwarded-For is walked from the nearest hop outwards while TRUST_PROXY trusts each hop (proxy-addr's
 * rule), X-Forwarded-Proto and -Host count only from a trusted peer. The host is PUBLIC_ORIGIN's when set (the Host
 * header is the client's to choose).
 */
export function callerOf(req: IncomingMessage, trust: TrustFn, publicHost: string | undefined): Forwarded {
  const peer = req.socket.remoteAddress ?? '';
  const trusted = trust(peer, 0);
  let address = peer;
  if (trusted) {
    const xff = req.headers['x-forwarded-for'];
    if (typeof xff === 'string') {
      const hops = xff
        .split(',')
        .map((h) => h.trim())
        .filter((h) => h.length > 0);
      for (let i = hops.length - 1, hop = 1; i >= 0; i--, hop++) {
        address = hops[i]!;
        if (i === 0 || !trust(address, hop)) break;
      }
    }
  }
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  const proto = (trusted && firstValue(req.headers['x-forwarded-proto'])) || (encrypted ? 'https' : 'http');
  const host = publicHost ?? ((trusted && firstValue(req.headers['x-forwarded-host'])) || req.headers.host || '');
  return { for: address, proto, host };
}
