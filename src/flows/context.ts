import type { SessionData } from 'express-session';
import type { CallContext } from '../cloudbase/types.js';
import type { Logger } from '../logger.js';
import type { AuthService } from '../services/auth.js';

/**
 * The part of a session a flow reads and writes: the multi-step flow, a pending captcha, started provider flows, an
 * identity waiting for a sign-up, and a re-authentication in progress.
 */
export type FlowSession = Pick<SessionData, 'flow' | 'captcha' | 'providerStarts' | 'providerSignup' | 'reauth'>;

/**
 * What a flow step gets besides its own validated input, whichever surface (form or JSON) drives it. Adapters build
 * it from the request (`routes/flow-context.ts`); a step never sees the request itself.
 */
export interface FlowContext {
  auth: AuthService;
  /** the session's flow state (written in place: the session saves it) */
  session: FlowSession;
  /** the context of an upstream call, with the captcha token once a captcha was solved */
  call(captchaToken?: string): CallContext;
  /** the characters typed for the session's pending captcha, when the caller sent any */
  captchaAnswer: string | undefined;
  now(): number;
  log?: Pick<Logger, 'info' | 'warn'>;
}
