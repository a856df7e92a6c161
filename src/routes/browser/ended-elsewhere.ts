import type { RequestHandler } from 'express';
import type { Config } from '../../config/index.js';
import type { SessionDirectory } from '../../session/directory.js';
import type { EndReason } from '../../session/end-notes.js';
import { signedSessionId } from '../../http/signed-cookie.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set when this browser's session was ended from elsewhere (and it learns so now): the sign-in page says why. */
    endedElsewhere?: EndReason;
  }
}

/**
 * A page request from a browser whose signed session cookie names a session that is gone: if another session (or a
 * password reset, or CloudBase) ended it, the note left for it is taken (once) and the page says why. Only GETs: a
 * form posted from the dead session meets its own refusal. The dead cookie is left alone: clearing it here could race
 * a sign-in in another tab and clear that tab's new cookie instead; the next sign-in replaces it.
 */
export function endedElsewhere(config: Config, directory: Pick<SessionDirectory, 'takeEndReason'>): RequestHandler {
  const { cookieName, secrets } = config.session;
  return async function endedElsewhereNotice(req, _res, next) {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.session?.auth) return next();
    const sid = signedSessionId(req.headers.cookie, cookieName, secrets);
    // The same id: the session is alive (a guest page's pre-login session, say), not ended.
    if (!sid || sid === req.sessionID) return next();
    try {
      const reason = await directory.takeEndReason(sid);
      if (reason) req.endedElsewhere = reason;
      next();
    } catch (err) {
      next(err);
    }
  };
}
