import { AppError } from '../../errors/app-error.js';
import type { FlowContext } from '../context.js';
import type { SignedInCaller } from '../account/index.js';

/** Ways of signing in that are not third-party identities (CloudBase lists them among the user's providers). */
const OWN_METHODS = new Set(['phone', 'email', 'username', 'password']);

/**
 * Unbinds a provider unless it is the last way this person can sign in (no password, phone or email, and no other
 * identity): asked here first, so the refusal does not depend on how CloudBase words its own.
 */
export async function unbindProvider(c: FlowContext, caller: SignedInCaller, providerId: string): Promise<void> {
  const accessToken = await caller.accessToken();
  const { user, providers } = await c.auth.profile(c.call(), accessToken);
  const identities = new Set([...(user.providers ?? []).map((p) => p.id), ...providers.filter((p) => p.bind).map((p) => p.id)]);
  if (!identities.has(providerId)) throw new AppError('not_found');
  identities.delete(providerId);
  const others = user.has_password || user.phone_number || user.email || [...identities].some((id) => !OWN_METHODS.has(id));
  if (!others) throw new AppError('provider_last_method');
  await c.auth.unbindProvider(c.call(), accessToken, providerId);
}
