import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../errors/app-error.js';
import type { FlowSession } from '../context.js';

/** Whether a started provider flow signs the person in or binds the identity to the signed-in account. */
export type ProviderMode = 'signin' | 'bind';

/** A provider flow between the start and the callback: only in the session (server-side), never in the browser. */
export interface ProviderStart {
  /** the random `state` sent to the provider and expected back */
  state: string;
  providerId: string;
  returnTo: string;
  mode: ProviderMode;
  /** epoch ms after which the callback is refused */
  exp: number;
}

/**
 * An identity CloudBase would not sign up by itself, waiting for the person to sign up with a phone or email code in
 * this session: its provider token goes with that sign-up (`POST /signup` `provider_token`) so the new account has the
 * identity. Server-side only, and sealed at rest like the flow's tokens.
 */
export interface ProviderSignup {
  /** the provider id */
  id: string;
  /** CloudBase's provider token */
  token: string;
  /** epoch ms after which the gateway no longer offers it (CloudBase may expire the token sooner) */
  exp: number;
}

declare module 'express-session' {
  interface SessionData {
    /** provider flows started in this browser and not yet come back (at most MAX_PENDING) */
    providerStarts?: ProviderStart[];
    providerSignup?: ProviderSignup;
  }
}

/** How long a started flow waits for the provider to send the browser back. */
export const STATE_TTL_MS = 10 * 60 * 1000;
/** Starts kept per session (several tabs); the oldest goes first. */
const MAX_PENDING = 4;

export function newState(): string {
  return randomBytes(24).toString('base64url');
}

/** Remembers a start in the session, dropping expired ones and the oldest beyond the limit. */
export function rememberStart(session: FlowSession, start: ProviderStart, now: number): void {
  const kept = (session.providerStarts ?? []).filter((s) => s.exp > now);
  session.providerStarts = [...kept, start].slice(-MAX_PENDING);
}

function sameState(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Takes the start `state` names out of the session: single use, whatever comes next. A state this session did not
 * start (replayed, from another browser, forged) or one past its time is refused.
 */
export function takeStart(session: FlowSession, state: string, now: number): ProviderStart {
  const starts = session.providerStarts ?? [];
  const found = state ? starts.find((s) => sameState(s.state, state)) : undefined;
  const rest = starts.filter((s) => s !== found && s.exp > now);
  if (rest.length) session.providerStarts = rest;
  else delete session.providerStarts;
  if (!found || found.exp <= now) throw new AppError('provider_state_invalid');
  return found;
}

/**
 * The identity waiting for a sign-up in this session, if any. One the gateway kept past its time is forgotten and
 * refused like a provider token CloudBase expired, so a sign-up never silently goes ahead without the identity.
 */
export function pendingProviderSignup(session: FlowSession, now: number): ProviderSignup | undefined {
  const pending = session.providerSignup;
  if (pending && pending.exp <= now) {
    delete session.providerSignup;
    throw new AppError('provider_code_invalid');
  }
  return pending;
}
