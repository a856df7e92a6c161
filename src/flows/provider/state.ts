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

declare module 'express-session' {
  interface SessionData {
    /** provider flows started in this browser and not yet come back (at most MAX_PENDING) */
    providerStarts?: ProviderStart[];
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
