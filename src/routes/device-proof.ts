import type { Request, Response } from 'express';
import { cookieName, type Config } from '../config/index.js';
import { isTokenMode } from '../session/token-session.js';
import { readCookie } from '../cookie-header.js';

/**
 * Where a device proof travels (see `src/limits/device.ts`): a browser keeps it in an httpOnly cookie, a native app in
 * token mode gets it as `device_token` and sends it back as `X-Device-Token` on its next password sign-in.
 */
export const DEVICE_TOKEN_HEADER = 'x-device-token';
const MAX_AGE_MS = 180 * 24 * 3600 * 1000;
const MAX_VALUE = 400;

export function deviceCookieName(config: Config): string {
  return cookieName('device', config.session.secureCookie);
}


/** The device proof this request carries, if any (never trusted here: the limits verify it). */
export function presentedDeviceProof(req: Request, config: Config): string | undefined {
  const value = isTokenMode(req) ? req.get(DEVICE_TOKEN_HEADER) : readCookie(req.headers.cookie, deviceCookieName(config));
  return value && value.length <= MAX_VALUE ? value : undefined;
}

/** Hands a browser its proof as a cookie; in token mode, returns it for the answer's `device_token` instead. */
export function handOverDeviceProof(req: Request, res: Response, config: Config, proof: string | undefined): { device_token?: string } {
  if (!proof) return {};
  if (isTokenMode(req)) return { device_token: proof };
  // `expires` is given (Express sets it again from maxAge) because Express copies the options with a spread and a
  // property added to such a copy gives it a V8 map of its own: a new map for every sign-in (bench/README.md, "Round 2,
  // seventh pass"). Writing an existing field creates none.
  res.cookie(deviceCookieName(config), proof, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.session.secureCookie,
    maxAge: MAX_AGE_MS,
    expires: new Date(Date.now() + MAX_AGE_MS),
  });
  return {};
}
