import { randomBytes } from 'node:crypto';
import type { AppError } from '../errors/app-error.js';
import type { FlowContext } from './context.js';

/** Longest captcha answer accepted (CloudBase's pictures hold a handful of characters). */
export const CAPTCHA_ANSWER_MAX = 16;

/** Whether the error asks the person to solve a (new) captcha before retrying. */
export function wantsCaptcha(err: AppError): boolean {
  return err.code === 'captcha_required' || err.code === 'captcha_wrong';
}

/**
 * If the caller answered the session's pending captcha, swaps the answer for CloudBase's captcha token (used once).
 */
export async function solveCaptcha(c: Pick<FlowContext, 'auth' | 'session' | 'call' | 'captchaAnswer'>): Promise<string | undefined> {
  const pending = c.session.captcha;
  const answer = c.captchaAnswer?.slice(0, CAPTCHA_ANSWER_MAX).trim() ?? '';
  if (!pending || !answer) return undefined;
  delete c.session.captcha;
  return c.auth.solveCaptcha(c.call(), pending.token, answer);
}

/**
 * Asks CloudBase for a captcha picture and keeps it in the session for `GET /captcha/:id`; undefined when none could
 * be had (the error message still says what happened).
 */
export async function newCaptchaChallenge(c: Pick<FlowContext, 'auth' | 'session' | 'call'>): Promise<{ id: string; imageUrl: string } | undefined> {
  try {
    const captcha = await c.auth.captcha(c.call());
    const id = randomBytes(9).toString('base64url');
    c.session.captcha = { id, token: captcha.token, img: captcha.data };
    return { id, imageUrl: `/captcha/${id}` };
  } catch {
    return undefined;
  }
}
