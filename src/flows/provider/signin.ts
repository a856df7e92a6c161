import type { SignedIn } from '../../services/auth.js';
import { AppError, invalidInput } from '../../errors/app-error.js';
import { notSignedIn } from '../../errors/app-error.js';
import type { SignedInCaller } from '../account/index.js';
import type { FlowContext } from '../context.js';
import { newState, rememberStart, STATE_TTL_MS, takeStart, type ProviderMode } from './state.js';

export interface StartInput {
  providerId: string;
  /** the providers this gateway offers (AUTH_PROVIDERS): any other id is refused before CloudBase is asked */
  offered: readonly string[];
  /** same-origin path to land on */
  returnTo: string;
  mode: ProviderMode;
  /** the gateway's one fixed callback: PUBLIC_ORIGIN + /login/provider/callback */
  redirectUri: string;
}

/** Refuses a provider the gateway does not offer. */
export function offeredProvider(providerId: string, offered: readonly string[]): string {
  if (!offered.includes(providerId)) throw new AppError('provider_unknown');
  return providerId;
}

/**
 * Starts a provider flow: a fresh single-use `state` kept in this session with where to land, and the provider's
 * consent URL from CloudBase to send the browser to. (CloudBase's provider calls take no PKCE verifier: the code is
 * exchanged server-side with the client secret and the exact redirect URI, so `state` is what binds it to this browser.)
 */
export async function startProvider(c: FlowContext, input: StartInput): Promise<{ url: string }> {
  const providerId = offeredProvider(input.providerId, input.offered);
  const state = newState();
  const url = await c.auth.providerUri(c.call(), providerId, input.redirectUri, state);
  const now = c.now();
  rememberStart(c.session, { state, providerId, returnTo: input.returnTo, mode: input.mode, exp: now + STATE_TTL_MS }, now);
  return { url };
}

export interface CallbackInput {
  state: string | undefined;
  code: string | undefined;
  /** the provider's `error` (a denied consent), when it sent one */
  error: string | undefined;
  redirectUri: string;
  offered: readonly string[];
  /** the signed-in person, when there is one: a flow started in bind mode binds to them */
  caller?: SignedInCaller;
}

export type CallbackResult = { signedIn: SignedIn; returnTo: string } | { bound: string; returnTo: string };

/**
 * The provider sent the browser back: the state is checked and consumed first (a replay or a foreign state goes no
 * further), then a denial ends the flow, else the code becomes a provider token and the identity signs in.
 */
export async function finishProvider(c: FlowContext, input: CallbackInput): Promise<CallbackResult> {
  const start = takeStart(c.session, input.state ?? '', c.now());
  if (input.error !== undefined) throw new AppError('provider_denied');
  if (!input.code) throw invalidInput('code');
  const providerId = offeredProvider(start.providerId, input.offered);
  if (start.mode === 'bind' && !input.caller) throw notSignedIn();
  const providerToken = await c.auth.providerToken(c.call(), { providerId, code: input.code, redirectUri: input.redirectUri });
  if (start.mode === 'bind') {
    await c.auth.bindProvider(c.call(), await input.caller!.accessToken(), providerToken);
    return { bound: providerId, returnTo: start.returnTo };
  }
  const signedIn = await signInOrKeep(c, providerId, providerToken);
  return { signedIn, returnTo: start.returnTo };
}

/**
 * Signs the identity in; when CloudBase will not sign it up by itself, keeps its provider token in this session for a
 * sign-up with a phone or email code ("continue with your phone"), which binds it to the new account.
 */
async function signInOrKeep(c: FlowContext, providerId: string, providerToken: string): Promise<SignedIn> {
  try {
    return await c.auth.providerSignIn(c.call(), providerId, providerToken);
  } catch (err) {
    if (err instanceof AppError && err.code === 'provider_signup_required') {
      c.session.providerSignup = { id: providerId, token: providerToken, exp: c.now() + STATE_TTL_MS };
    }
    throw err;
  }
}

export interface CodeInput {
  providerId: string;
  code: string;
  codeType?: string;
  offered: readonly string[];
}

/** A native app or mini program got a provider code itself (no redirect): exchange it and sign in. */
export async function signInWithProviderCode(c: FlowContext, input: CodeInput): Promise<SignedIn> {
  const providerId = offeredProvider(input.providerId, input.offered);
  const providerToken = await c.auth.providerToken(c.call(), {
    providerId,
    code: input.code,
    ...(input.codeType ? { codeType: input.codeType } : {}),
  });
  return signInOrKeep(c, providerId, providerToken);
}

/** A custom ticket from the app's own backend. */
export function signInWithTicket(c: FlowContext, ticket: string): Promise<SignedIn> {
  return c.auth.ticketSignIn(c.call(), ticket);
}
