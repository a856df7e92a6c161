import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { AppError, invalidInput } from '../../errors/app-error.js';
import type { VersionedSession } from '../../session/store.js';
import { publicSessionId, sessionCursorFrom } from '../../session/directory.js';
import { signedInSub } from '../signed-in-sub.js';
import { revokeUpstream, signOutAndRevoke } from '../sign-out.js';
import { requireUser } from './respond.js';

const sessionNotFound = () => new AppError('session_not_found');

/** The signed-in user's sessions, browser and token alike: list, end one, end all but this one. */
export function register(router: Router, deps: RouteDeps): void {
  const { directory } = deps;

  router.get('/sessions', requireUser, async (req, res) => {
    const cursor = sessionCursorFrom(req.query.cursor);
    if (cursor === null) throw invalidInput('cursor');
    const page = await directory.list(signedInSub(req), { sid: req.sessionID, session: req.session as VersionedSession }, cursor);
    res.json({ sessions: page.sessions, next_cursor: page.nextCursor ?? null });
  });

  router.delete('/sessions/:id', requireUser, async (req, res) => {
    const id = String(req.params.id);
    if (id === publicSessionId(req.sessionID)) {
      await signOutAndRevoke(req, res, deps);
    } else if (!(await directory.revoke(signedInSub(req), id, revokeUpstream(req, deps)))) {
      throw sessionNotFound();
    }
    res.status(204).end();
  });

  router.post('/sessions/revoke-others', requireUser, async (req, res) => {
    const revoked = await directory.revokeOthers(signedInSub(req), req.sessionID, revokeUpstream(req, deps));
    res.json({ revoked });
  });
}
