import type { Request } from 'express';
import type { Config } from '../config/index.js';
import { expectedOrigin } from '../http/csrf.js';

/** The gateway's one redirect URI for every provider (registered in the CloudBase console). */
export const CALLBACK_PATH = '/login/provider/callback';

/** PUBLIC_ORIGIN + CALLBACK_PATH (without PUBLIC_ORIGIN, in development: this request's origin). */
export function callbackUri(config: Config, req: Request): string {
  return expectedOrigin(config, req) + CALLBACK_PATH;
}
