import type { Request } from 'express';
import type { CallContext } from '../cloudbase/types.js';
import { initSession } from './policy.js';

/** What every upstream call carries: this request's id and the session's device id (made on first use, on `now`). */
export function callContext(req: Request, now: () => number, captchaToken?: string): CallContext {
  return {
    requestId: String(req.id),
    deviceId: initSession(req, now()),
    ...(captchaToken ? { captchaToken } : {}),
    ...(req.ip ? { ip: req.ip } : {}),
    ...(req.sessionID ? { sessionKey: req.sessionID } : {}),
  };
}
