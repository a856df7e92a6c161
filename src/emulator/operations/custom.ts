import { verifyTicket } from '../custom-login.js';
import { assert } from '../errors.js';
import type { EmulatorState } from '../state.js';
import { bindIdentity, findUserByIdentity } from './identities.js';
import { type OperationInput, optionalString, requiredString } from './input.js';
import { assertUserActive, newUser } from './signin.js';
import { issueTokens, openSession, type TokenResponse } from './tokens.js';

export const CUSTOM_PROVIDER_ID = 'custom';

/** POST /auth/v1/signin/custom `{provider_id: "custom", ticket}`: a new uid creates its user. */
export async function signInCustom(state: EmulatorState, input: OperationInput): Promise<TokenResponse> {
  const providerId = optionalString(input.body, 'provider_id') ?? CUSTOM_PROVIDER_ID;
  assert(providerId === CUSTOM_PROVIDER_ID, 'invalid_argument', 'provider_id must be "custom"');
  const uid = await verifyTicket(state, requiredString(input.body, 'ticket'));
  let user = findUserByIdentity(state, CUSTOM_PROVIDER_ID, uid);
  if (!user) {
    user = newUser(state, {});
    bindIdentity(state, user, { providerId: CUSTOM_PROVIDER_ID, sub: uid });
  }
  assertUserActive(user);
  return issueTokens(state, openSession(state, user, CUSTOM_PROVIDER_ID, input));
}
