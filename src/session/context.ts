import type { Request } from 'express';
import type { CallContext } from '../cloudbase/types.js';
import { initSession } from './policy.js';

/** What every upstream call carries: this request's id and the session's device id (made on first use). */
export function callContext(req: Request, captchaToken?: string): CallContext {
  return {
    requestId: String(req.id),
    deviceId: initSession(req),
    ...(captchaToken ? { captchaToken } : {}),
    ...(req.ip ? { ip: req.ip } : {}),
    ...(req.sessionID ? { sessionKey: req.sessionID } : {}),
  };
}
