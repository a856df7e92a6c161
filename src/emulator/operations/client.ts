import { assert } from '../errors.js';
import type { EmulatorState } from '../state.js';
import { type OperationInput, optionalString } from './input.js';

/**
 * Client credentials, checked on every /auth/v1 call. A request without any is a public client. A `client_id` (query,
 * Basic, or /token body) must be the configured one; a secret (Basic, or a non-empty /token body `client_secret`)
 * must match when the emulator was given one.
 */
export function checkClient(state: EmulatorState, input: OperationInput): void {
  const { clientId, clientSecret } = state.identity;
  const ids = [input.query.client_id, input.basic?.clientId, optionalString(input.body, 'client_id')];
  for (const id of ids) {
    assert(id === undefined || id === '' || id === clientId, 'invalid_client', `unknown client_id "${id}"`);
  }
  if (clientSecret === undefined) return;
  const bodySecret = optionalString(input.body, 'client_secret');
  assert(bodySecret === undefined || bodySecret === clientSecret, 'invalid_client', 'client authentication failed');
  assert(
    input.basic === undefined || input.basic.clientSecret === clientSecret,
    'invalid_client',
    'client authentication failed',
  );
}
