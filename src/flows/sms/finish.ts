import type { SignedIn } from '../../services/auth.js';
import type { SessionDirectory } from '../../session/directory.js';
import { AppError, flowExpired } from '../../errors/app-error.js';
import { solveCaptcha } from '../captcha.js';
import type { FlowContext } from '../context.js';
import { currentFlow, type VerifiedFlow } from './code.js';
import { contactFromKey } from './input.js';
import { pendingProviderSignup } from '../provider/state.js';

/**
 * The ends of the code flows (SMS or mail), whichever surface drives them (forms or JSON): the flow state is the same, so a flow
 * started on one could be finished on the other.
 */

export type AfterCode = { signedIn: SignedIn } | { next: 'signup' | 'reset' };

/**
 * What a verified code leads to (a number or an email address alike): a registered number signs in (SMS sign-in, or a sign-up of a number that already has
 * an account); an unregistered one goes on to the sign-up profile (owning the number is proven, so saying it has no
 * account reveals nothing); a reset goes on to the new password.
 */
export async function afterCodeVerified(c: FlowContext, flow: VerifiedFlow): Promise<AfterCode> {
  if (flow.purpose === 'reset') return { next: 'reset' };
  if (flow.isUser) return { signedIn: await c.auth.smsLogin(c.call(), flow.vtok, flow.phone) };
  if (flow.purpose === 'login') c.session.flow = { ...flow, purpose: 'signup' };
  return { next: 'signup' };
}

export interface SignupProfile {
  name?: string;
  username?: string;
  password?: string;
  /** the access token of the guest this session is signed in as: the guest becomes the new account (same sub) */
  anonymousToken?: string | undefined;
}

/**
 * The number has no account (the code step said so), so a sign-up refused with `already_exists` while a username was
 * given is about the username (CloudBase uses the same string for both).
 */
function usernameTaken(err: unknown, username: string | undefined): unknown {
  if (!(err instanceof AppError) || err.code !== 'already_exists' || !username) return err;
  return new AppError('username_taken', { cause: err.extra.cause ?? err });
}

/** A refused provider token (expired, or its identity taken meanwhile) will not do better next time. */
const PROVIDER_REFUSED = new Set(['provider_code_invalid', 'provider_bind_refused']);

/**
 * Creates the account for the flow's verified phone or email; an expired flow is forgotten so the next try starts
 * over. An identity waiting in the session (a provider CloudBase would not sign up by itself) is bound to the new
 * account; one CloudBase refuses is forgotten, and the sign-up fails saying so, creating nothing.
 */
export async function completeSignup(c: FlowContext, profile: SignupProfile): Promise<SignedIn> {
  const flow = currentFlow(c.session, 'signup');
  try {
    if (!flow?.vtok) throw flowExpired();
    const provider = pendingProviderSignup(c.session, c.now());
    const captchaToken = await solveCaptcha(c);
    const { anonymousToken, ...rest } = profile;
    const signedIn = await c.auth.signup(c.call(captchaToken), {
      contact: contactFromKey(flow.phone),
      verificationToken: flow.vtok,
      ...rest,
      ...(anonymousToken ? { anonymousToken } : {}),
      ...(provider ? { providerToken: provider.token } : {}),
    });
    delete c.session.providerSignup;
    return signedIn;
  } catch (err) {
    if (err instanceof AppError && err.code === 'flow_expired') delete c.session.flow;
    if (err instanceof AppError && PROVIDER_REFUSED.has(err.code)) delete c.session.providerSignup;
    throw usernameTaken(err, profile.username);
  }
}

/**
 * Sets the new password with the flow's verification token; a refused token sends the flow back to the code step.
 * Then every session of the account ends, upstream and here (browser and token sessions alike): whoever knew the old
 * password is out.
 */
export async function completeReset(c: FlowContext, directory: SessionDirectory, newPassword: string): Promise<void> {
  const flow = currentFlow(c.session, 'reset');
  if (!flow?.vtok) throw flowExpired();
  try {
    const captchaToken = await solveCaptcha(c);
    await c.auth.resetPassword(c.call(captchaToken), contactFromKey(flow.phone), flow.vtok, newPassword);
    delete c.session.flow;
  } catch (err) {
    if (err instanceof AppError && err.code === 'invalid_code') delete flow.vtok;
    throw err;
  }
  const account = await c.auth.endSessionsAfterReset(c.call(), flow.phone, newPassword);
  if (!account) {
    c.log?.warn('sessions of a reset account not ended: signing in with the new password failed');
    return;
  }
  const revoke = account.upstreamEnded ? async () => undefined : (accessToken: string) => c.auth.revoke(c.call(), accessToken);
  const ended = await directory.revokeAll(account.sub, revoke);
  c.log?.info({ ended }, 'password reset ended the account\'s sessions');
}
