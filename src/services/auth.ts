// Just over ~250 lines: the sign-in, code and re-authentication calls share the abuse limits and the re-auth rule
// here; account self-service and provider calls already live in account.ts and provider-auth.ts.
import type { CloudbaseClient } from '../cloudbase/client.js';
import type { CallContext, TokenResponse, UserProfile, VerificationUsage } from '../cloudbase/types.js';
import type { PublicUser, SignedIn, SmsPurpose } from '../session/types.js';
import { toAuthTokens } from '../session/auth-tokens.js';

/** A phone number (CloudBase's `+86 ` form) or an email address. */
export type Contact = { phone_number: string; email?: undefined } | { email: string; phone_number?: undefined };
import { CloudbaseError } from '../cloudbase/errors.js';
import { AppError } from '../errors/app-error.js';
import { fromUpstream, upstream } from '../errors/upstream.js';
import type { ErrorCode } from '../errors/catalogue.js';
import type { LimitGuard } from '../limits/guard.js';
import { providerAuth } from './provider-auth.js';
import { accountService } from './account.js';
import { reauthService } from './reauth.js';

export type { SignedIn } from '../session/types.js';
export type { OwnContact } from './reauth.js';

/** How a sensitive step is re-authenticated: the password now, or a sudo token a code re-authentication got. */
export type Proof = { password: string; sudoToken?: undefined } | { sudoToken: string; password?: undefined };

export interface PasswordSignedIn extends SignedIn {
  /** the device proof to hand back: the device cookie, or `device_token` in token mode */
  deviceProof: string | undefined;
}

export interface CodeSent {
  /** undefined when the code was (silently) not sent: reset for an unknown number */
  vid: string | undefined;
  expiresIn: number;
  isUser: boolean;
}

const TARGET: Record<SmsPurpose, 'ANY' | 'USER'> = { signup: 'ANY', login: 'ANY', reset: 'USER' };
const USAGE: Record<SmsPurpose, VerificationUsage> = { signup: 'REGISTER', login: 'SIGN_IN', reset: 'PASSWORD_RESET' };

export function toPublicUser(p: UserProfile, scope?: string): PublicUser {
  const user: PublicUser = { sub: p.sub, anonymous: scope === 'anonymous' };
  if (p.name) user.name = p.name;
  if (p.username) user.username = p.username;
  if (p.email) user.email = p.email;
  if (p.phone_number) user.phone_number = p.phone_number;
  if (p.picture) user.picture = p.picture;
  return user;
}

export interface AuthServiceOptions {
  /** abuse limits, checked before CloudBase is called (absent: no limits, e.g. in unit tests) */
  limits?: LimitGuard;
  /** a code went out (metrics) */
  onSmsSent?: (purpose: SmsPurpose) => void;
  /** a failed password sign-in is answered no sooner than this after it started (ms; 0 or absent: at once) */
  failureMinMs?: number;
}

/** Answers CloudBase gave without judging the password: the attempt is given back to the limits. */
const NOT_JUDGED: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['captcha_required', 'captcha_wrong', 'upstream_unavailable']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every sign-in, sign-up and account flow as CloudBase calls, with no HTTP or session types: the browser forms and the
 * JSON API both call these, so both get the same abuse limits. Upstream failures come out as AppError, already mapped
 * for the step by `upstream()`.
 */
export function createAuthService(client: CloudbaseClient, now: () => number, options: AuthServiceOptions = {}) {
  const { limits } = options;
  async function signedIn(ctx: CallContext, t: TokenResponse): Promise<SignedIn> {
    const tokens = toAuthTokens(t, now());
    const profile = await upstream('session', client.getUser(ctx, t.access_token));
    return { tokens, user: toPublicUser(profile, t.scope) };
  }

  /** A sudo token: the one a code re-authentication already got, or the password proved again now. */
  async function sudoFor(ctx: CallContext, accessToken: string, proof: Proof): Promise<string> {
    if (proof.sudoToken !== undefined) return proof.sudoToken;
    return (await reauth(ctx, accessToken, proof.password)).sudo_token;
  }

  /** The password proved again for a sensitive step, under the session's own attempt limit. */
  async function reauth(ctx: CallContext, accessToken: string, password: string) {
    const attempt = await limits?.reserveReauthAttempt(ctx);
    let sudo: Awaited<ReturnType<CloudbaseClient['sudo']>>;
    try {
      sudo = await client.sudo(ctx, accessToken, { password });
    } catch (e) {
      const err = fromUpstream(e, 'reauth');
      await attempt?.settle(NOT_JUDGED.has(err.code) ? 'void' : 'failure');
      throw err;
    }
    await attempt?.settle('success');
    return sudo;
  }

  return {
    ...providerAuth(client, signedIn),

    ...accountService(client),
    ...reauthService(client, limits),
    /**
     * The attempt is reserved with the limits before CloudBase is called. Every failure after the call is answered no
     * sooner than `failureMinMs` after the start, so an unknown account (which CloudBase answers faster) and a wrong
     * password take about as long, with the same answer.
     */
    async passwordLogin(ctx: CallContext, username: string, password: string, deviceProof?: string): Promise<PasswordSignedIn> {
      // Spreads last: V8 (Node 20) adds a property to a spread copy through its slow path, about half a microsecond each.
      const attempt = await limits?.reservePasswordAttempt(username, { deviceProof, ...ctx });
      const started = performance.now();
      let t: TokenResponse;
      try {
        t = await client.signInWithPassword(ctx, { username, password });
      } catch (e) {
        let err = fromUpstream(e, 'login');
        try {
          await attempt?.settle(NOT_JUDGED.has(err.code) ? 'void' : 'failure');
        } catch (refused) {
          err = fromUpstream(refused);
        }
        await sleep(started + (options.failureMinMs ?? 0) - performance.now());
        throw err;
      }
      const done = attempt?.succeed();
      try {
        return { deviceProof: done?.proof, pending: done?.pending, ...(await signedIn(ctx, t)) };
      } catch (e) {
        await done?.pending?.flush();
        throw e;
      }
    },

    async anonymousLogin(ctx: CallContext): Promise<SignedIn> {
      await limits?.takeAnonymousSignIn(ctx);
      const t = await upstream('login', client.signInAnonymously(ctx));
      return signedIn(ctx, t);
    },

    /** A code by SMS to a phone number, or by mail to an email address, under the same sending limits. */
    async sendCode(ctx: CallContext, contact: Contact, purpose: SmsPurpose): Promise<CodeSent> {
      const taken = await limits?.takeSmsSend(contact.phone_number ?? contact.email, ctx);
      try {
        const r = await client.sendVerification(ctx, { ...contact, target: TARGET[purpose], usage: USAGE[purpose] });
        options.onSmsSent?.(purpose);
        return { vid: r.verification_id, expiresIn: r.expires_in, isUser: r.is_user };
      } catch (e) {
        // Reset must not tell whether the number or address has an account: act as if the code went out.
        if (purpose === 'reset' && e instanceof CloudbaseError && (e.error === 'user_not_found' || e.error === 'not_found')) {
          return { vid: undefined, expiresIn: 600, isUser: false };
        }
        await taken?.refund();
        throw fromUpstream(e, 'sms-send');
      }
    },

    async verifyCode(ctx: CallContext, vid: string, code: string): Promise<string> {
      await limits?.takeCodeGuess(vid);
      const r = await upstream('sms-verify', client.verify(ctx, { verification_id: vid, verification_code: code }));
      return r.verification_token;
    },

    /** `login` is the phone number or email address the code went to (CloudBase checks it against the code). */
    async smsLogin(ctx: CallContext, verificationToken: string, login: string): Promise<SignedIn> {
      const t = await upstream('sms-verify', client.signInWithVerificationToken(ctx, { verification_token: verificationToken, username: login }));
      return signedIn(ctx, t);
    },

    async signup(
      ctx: CallContext,
      input: {
        contact: Contact;
        verificationToken: string;
        name?: string;
        username?: string;
        password?: string;
        anonymousToken?: string;
        providerToken?: string;
      },
    ): Promise<SignedIn> {
      const t = await upstream(
        'signup',
        client.signUp(ctx, {
          ...input.contact,
          verification_token: input.verificationToken,
          // An identity CloudBase would not sign up by itself: bound to the new account.
          ...(input.providerToken ? { provider_token: input.providerToken } : {}),
          ...(input.name ? { name: input.name } : {}),
          ...(input.username ? { username: input.username } : {}),
          ...(input.password ? { password: input.password } : {}),
          // A guest signing up: CloudBase makes that anonymous user (same sub, same data) the registered one.
          ...(input.anonymousToken ? { anonymous_token: input.anonymousToken } : {}),
        }),
      );
      return signedIn(ctx, t);
    },

    async resetPassword(ctx: CallContext, contact: Contact, verificationToken: string, newPassword: string): Promise<void> {
      await upstream('reset', client.resetPassword(ctx, { ...contact, verification_token: verificationToken, new_password: newPassword }));
    },

    /**
     * After a reset, which account it was, with its CloudBase sessions ended: the reset itself answers nothing and
     * signs no one in, so the gateway signs in once with the new password (the phone or email as username) to learn
     * the `sub`, then has CloudBase revoke every session of the user, that one included. Undefined when that sign-in
     * fails.
     */
    async endSessionsAfterReset(ctx: CallContext, login: string, newPassword: string): Promise<{ sub: string; upstreamEnded: boolean } | undefined> {
      let t: TokenResponse;
      try {
        t = await client.signInWithPassword(ctx, { username: login, password: newPassword });
      } catch {
        return undefined;
      }
      try {
        await client.revokeAll(ctx, t.access_token);
        return { sub: t.sub, upstreamEnded: true };
      } catch {
        await client.revoke(ctx, t.access_token).catch(() => undefined);
        return { sub: t.sub, upstreamEnded: false };
      }
    },

    /** Changes the password, or sets one for an account that has none (proved by a code). */
    async changePassword(ctx: CallContext, accessToken: string, proof: Proof, newPassword: string): Promise<void> {
      const sudo_token = await sudoFor(ctx, accessToken, proof);
      const old = proof.password !== undefined ? { old_password: proof.password } : {};
      await upstream('reauth', client.changePassword(ctx, accessToken, { sudo_token, new_password: newPassword, ...old }));
    },

    /** A code to a new phone or email (target ANY: it may belong to no account yet), under the SMS sending limits. */
    async sendContactCode(ctx: CallContext, contact: Contact): Promise<CodeSent> {
      const taken = await limits?.takeSmsSend(contact.phone_number ?? contact.email, ctx);
      const usage: VerificationUsage = contact.phone_number ? 'PHONE_NUMBER_CHANGE' : 'EMAIL_ADDRESS_CHANGE';
      try {
        const r = await client.sendVerification(ctx, { ...contact, target: 'ANY', usage });
        return { vid: r.verification_id, expiresIn: r.expires_in, isUser: false };
      } catch (e) {
        await taken?.refund();
        throw fromUpstream(e, 'sms-send');
      }
    },

    /** The new contact, proven by its verification token, after the password is proved again (PATCH /user/contact). */
    async changeContact(ctx: CallContext, accessToken: string, proof: Proof, contact: Contact, verificationToken: string): Promise<void> {
      const sudo_token = await sudoFor(ctx, accessToken, proof);
      const body = { ...contact, verification_token: verificationToken, sudo_token } as Parameters<CloudbaseClient['editContact']>[2];
      await upstream('reauth', client.editContact(ctx, accessToken, body)).catch((err: unknown) => {
        throw err instanceof AppError && err.code === 'already_exists' ? new AppError('contact_taken', { cause: err }) : err;
      });
    },

    async deleteAccount(ctx: CallContext, accessToken: string, proof: Proof): Promise<void> {
      const sudo_token = await sudoFor(ctx, accessToken, proof);
      await upstream('reauth', client.deleteMe(ctx, accessToken, sudo_token));
    },

    async profile(ctx: CallContext, accessToken: string) {
      const [user, providers] = await upstream('session', Promise.all([
        client.getUser(ctx, accessToken),
        client.getProviders(ctx, accessToken).catch(() => ({ total: 0, data: [] })),
      ]));
      return { user, providers: providers.data };
    },

    /** Best effort: a failed revoke must not keep a person signed in here. */
    async revoke(ctx: CallContext, accessToken: string): Promise<boolean> {
      try {
        await client.revoke(ctx, accessToken);
        return true;
      } catch {
        return false;
      }
    },

    async captcha(ctx: CallContext) {
      return upstream('other', client.getCaptcha(ctx));
    },

    async solveCaptcha(ctx: CallContext, token: string, key: string): Promise<string> {
      const r = await upstream('other', client.verifyCaptcha(ctx, { token, key }));
      return r.captcha_token;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
