import type { PasswordSignedIn, SignedIn } from '../../services/auth.js';
import { loginName } from '../../phone.js';
import { solveCaptcha } from '../captcha.js';
import type { FlowContext } from '../context.js';

export interface PasswordLoginInput {
  /** username, email or phone number, as typed (trimmed) */
  username: string;
  password: string;
  /** the device proof the caller presented, if any */
  deviceProof: string | undefined;
}

/** Password sign-in, with the session's pending captcha answered first when the caller solved it. */
export async function passwordLogin(c: FlowContext, input: PasswordLoginInput): Promise<PasswordSignedIn> {
  const captchaToken = await solveCaptcha(c);
  return c.auth.passwordLogin(c.call(captchaToken), loginName(input.username), input.password, input.deviceProof);
}

/** A guest sign-in: an anonymous CloudBase user. */
export function anonymousLogin(c: FlowContext): Promise<SignedIn> {
  return c.auth.anonymousLogin(c.call());
}
