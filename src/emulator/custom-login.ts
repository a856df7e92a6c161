import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { compactVerify } from 'jose';
import { assert, fail } from './errors.js';
import type { EmulatorState } from './state.js';

/** The custom-login key in `@cloudbase/node-sdk`'s credentials format (`tcb.init({ env, credentials })`). */
export interface CustomLoginCredentials {
  private_key_id: string;
  private_key: string;
  env_id: string;
}

const TICKET_SEPARATOR = '/@@/';
/** The uid rule `createTicket` enforces. */
const UID = /^[a-zA-Z0-9_\-#@~=*(){}[\]:.,<>+]{4,32}$/;

function keyPair(state: EmulatorState): NonNullable<EmulatorState['customLogin']> {
  // Made on first use: an RSA key costs tens of milliseconds, and most runs never mint a ticket.
  if (!state.customLogin) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    state.customLogin = {
      privateKeyId: randomBytes(16).toString('hex'),
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
  }
  return state.customLogin;
}

export function customLoginCredentials(state: EmulatorState): CustomLoginCredentials {
  const { privateKeyId, privateKeyPem } = keyPair(state);
  return { private_key_id: privateKeyId, private_key: privateKeyPem, env_id: state.identity.envId };
}

/**
 * Checks a ticket from `createTicket(uid)`: `<private_key_id>/@@/<JWT>`, RS256 by this environment's key, with
 * `env` this environment and `exp` (milliseconds, as createTicket writes it) not passed. Returns the uid; anything
 * else is `invalid_grant` (the live service's string is unconfirmed).
 */
export async function verifyTicket(state: EmulatorState, ticket: string): Promise<string> {
  const { privateKeyId, publicKeyPem } = keyPair(state);
  const at = ticket.indexOf(TICKET_SEPARATOR);
  assert(at > 0 && ticket.slice(0, at) === privateKeyId, 'invalid_grant', 'ticket was not signed with this environment\'s key');
  let claims: Record<string, unknown>;
  try {
    const { payload } = await compactVerify(ticket.slice(at + TICKET_SEPARATOR.length), createPublicKey(publicKeyPem), {
      algorithms: ['RS256'],
    });
    claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  } catch {
    fail('invalid_grant', 'ticket signature is invalid');
  }
  state.seenTickets.add(ticket);
  assert(claims.env === state.identity.envId, 'invalid_grant', 'ticket is for another environment');
  assert(typeof claims.exp === 'number' && state.now() < claims.exp, 'invalid_grant', 'ticket has expired');
  assert(typeof claims.uid === 'string' && UID.test(claims.uid), 'invalid_grant', 'ticket uid is invalid');
  return claims.uid;
}
