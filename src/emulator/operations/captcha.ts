import { randomInt } from 'node:crypto';
import { assert, fail } from '../errors.js';
import { captchaImage } from '../captcha-image.js';
import type { EmulatorState } from '../state.js';
import { type OperationInput, requiredString } from './input.js';
import { randomToken } from './tokens.js';

export const CAPTCHA_TTL_S = 300;
export const CAPTCHA_TOKEN_TTL_S = 600;
// No 0/O, 1/I/L: the point is to be readable.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export interface CaptchaDataResponse {
  data: string;
  type: 'image';
  token: string;
  expires_in: number;
}

/** POST /auth/v1/captcha/data: a new image captcha. */
export function createCaptcha(state: EmulatorState): CaptchaDataResponse {
  const key = Array.from({ length: 4 }, () => ALPHABET[randomInt(0, ALPHABET.length)]).join('');
  const token = randomToken(24);
  state.captchas.set(token, { key, expiresAt: state.now() + CAPTCHA_TTL_S * 1000 });
  return { data: captchaImage(key), type: 'image', token, expires_in: CAPTCHA_TTL_S };
}

/** POST /auth/v1/captcha/data/verify: one try per captcha (case-insensitive); success gives a captcha token. */
export function verifyCaptcha(state: EmulatorState, input: OperationInput): { captcha_token: string; expires_in: number } {
  const token = requiredString(input.body, 'token');
  const key = requiredString(input.body, 'key');
  const captcha = state.captchas.get(token);
  assert(captcha, 'invalid_captcha', 'captcha not found, request a new one');
  state.captchas.delete(token);
  assert(state.now() < captcha.expiresAt, 'captcha_expired', 'captcha expired, request a new one');
  if (key.trim().toUpperCase() !== captcha.key) fail('invalid_captcha', 'wrong captcha text, request a new one');

  const captchaToken = `v1.${randomToken(32)}`;
  state.captchaTokens.set(captchaToken, state.now() + CAPTCHA_TOKEN_TTL_S * 1000);
  return { captcha_token: captchaToken, expires_in: CAPTCHA_TOKEN_TTL_S };
}

/** A captcha token stays valid (for any number of requests) until it expires. */
export function isValidCaptchaToken(state: EmulatorState, token: string | undefined): boolean {
  const expiresAt = token === undefined ? undefined : state.captchaTokens.get(token);
  return expiresAt !== undefined && state.now() < expiresAt;
}

/** The text of a pending captcha, for the control route that lets tests solve it. */
export function captchaKey(state: EmulatorState, token: string): string | undefined {
  return state.captchas.get(token)?.key;
}
