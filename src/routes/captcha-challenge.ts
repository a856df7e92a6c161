import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { AuthService } from '../services/auth.js';
import type { AppError } from '../errors/app-error.js';
import { callContext } from '../session/context.js';

/** Longest captcha answer accepted (CloudBase's pictures hold a handful of characters). */
export const CAPTCHA_ANSWER_MAX = 16;

/** Whether the error asks the person to solve a (new) captcha before retrying. */
export function wantsCaptcha(err: AppError): boolean {
  return err.code === 'captcha_required' || err.code === 'captcha_wrong';
}

/**
 * If the caller answered the session's pending captcha (`captcha_answer` in the form or JSON body), swaps the answer
 * for CloudBase's captcha token (used once).
 */
export async function solvedCaptcha(req: Request, auth: AuthService): Promise<string | undefined> {
  const pending = req.session.captcha;
  const value = (req.body as Record<string, unknown> | undefined)?.captcha_answer;
  const answer = typeof value === 'string' ? value.slice(0, CAPTCHA_ANSWER_MAX).trim() : '';
  if (!pending || !answer) return undefined;
  delete req.session.captcha;
  return auth.solveCaptcha(callContext(req), pending.token, answer);
}

/**
 * Asks CloudBase for a captcha picture and keeps it in the session for `GET /captcha/:id`; undefined when none could
 * be had (the error message still says what happened).
 */
export async function newCaptchaChallenge(req: Request, auth: AuthService): Promise<{ id: string; imageUrl: string } | undefined> {
  try {
    const c = await auth.captcha(callContext(req));
    const id = randomBytes(9).toString('base64url');
    req.session.captcha = { id, token: c.token, img: c.data };
    return { id, imageUrl: `/captcha/${id}` };
  } catch {
    return undefined;
  }
}
