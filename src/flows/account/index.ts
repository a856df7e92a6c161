import type { PublicUser } from '../../session/types.js';
import type { AuthService, SignedIn } from '../../services/auth.js';
import { AppError, invalidInput } from '../../errors/app-error.js';
import type { FlowContext } from '../context.js';
import { proofFor, spendProof } from './reauth.js';

/**
 * The account family: steps of a signed-in person on their own account (password change, deletion), each proving
 * the current password again or re-authenticated by a code (reauth.ts).
 */

export interface SignedInCaller {
  user: PublicUser | undefined;
  /** the session's access token, refreshed when due (asked for only once the input is known to be usable) */
  accessToken(): Promise<string>;
}

/** Guests have no password or contact to re-authenticate with; the page offers them no such form either. */
function assertRegistered(caller: SignedInCaller): void {
  if (caller.user?.anonymous) throw new AppError('forbidden');
}

/** The person's profile and linked sign-in methods, as CloudBase has them. */
export async function accountProfile(c: FlowContext, caller: SignedInCaller): Promise<Awaited<ReturnType<AuthService['profile']>>> {
  return c.auth.profile(c.call(), await caller.accessToken());
}

/**
 * Changes the password, proved by the current one or, without it (an account that never had one, created by a code),
 * by the session's code re-authentication (see reauth.ts), which this spends.
 */
export async function changePassword(c: FlowContext, caller: SignedInCaller, input: { oldPassword: string; newPassword: string }): Promise<void> {
  assertRegistered(caller);
  if (!input.newPassword) throw invalidInput('new_password');
  const proof = proofFor(c, input.oldPassword, 'old_password');
  const accessToken = await caller.accessToken();
  await c.auth.changePassword(c.call(), accessToken, proof, input.newPassword);
  spendProof(c, proof);
}

/** Deletes the account, proved by the password or by the session's code re-authentication. */
export async function deleteAccount(c: FlowContext, caller: SignedInCaller, input: { password: string }): Promise<void> {
  assertRegistered(caller);
  const proof = proofFor(c, input.password, 'password');
  await c.auth.deleteAccount(c.call(), await caller.accessToken(), proof);
  spendProof(c, proof);
}

/**
 * CloudBase signs the user's other sessions out on a password change; whether the calling session's tokens survive
 * is not documented (the emulator keeps them). So the caller signs in again with the new password: its tokens surely
 * work, and the session id changes with the credential. Undefined when that sign-in fails (the current tokens stay;
 * should they be dead, the next refresh ends the session and the person signs in).
 */
export async function signInWithNewPassword(c: FlowContext, user: PublicUser | undefined, newPassword: string): Promise<SignedIn | undefined> {
  const loginName = user?.username ?? user?.phone_number ?? user?.email;
  if (!loginName) return undefined;
  return c.auth.passwordLogin(c.call(), loginName, newPassword).catch((err: unknown) => {
    c.log?.warn({ code: err instanceof AppError ? err.code : undefined }, 'sign-in after password change failed');
    return undefined;
  });
}
