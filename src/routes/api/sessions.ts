import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { AppError, invalidInput } from '../../errors/app-error.js';
import { endOtherSessions, endSession, listSessions } from '../../flows/sessions/index.js';
import { sessionCursorFrom } from '../../session/directory.js';
import { flowContext } from '../flow-context.js';
import { sessionOwner } from '../signed-in-sub.js';
import { signOutAndRevoke } from '../sign-out.js';
import { requireUser } from './respond.js';

const sessionNotFound = () => new AppError('session_not_found');

/** The signed-in user's sessions, browser and token alike: list, end one, end all but this one. */
export function register(router: Router, deps: RouteDeps): void {
  const { auth, directory, freshAccessToken, now } = deps;

  router.get('/sessions', requireUser, async (req, res) => {
    const cursor = sessionCursorFrom(req.query.cursor);
    if (cursor === null) throw invalidInput('cursor');
    const page = await listSessions(directory, sessionOwner(req, () => freshAccessToken(req)), cursor, flowContext(req, auth, now, undefined));
    res.json({ sessions: page.sessions, next_cursor: page.nextCursor ?? null });
  });

  router.delete('/sessions/:id', requireUser, async (req, res) => {
    const ended = await endSession(flowContext(req, auth, now, undefined), directory, sessionOwner(req, () => freshAccessToken(req)), String(req.params.id));
    if (ended === 'current') await signOutAndRevoke(req, res, deps);
    else if (ended === 'unknown') throw sessionNotFound();
    res.status(204).end();
  });

  router.post('/sessions/revoke-others', requireUser, async (req, res) => {
    const revoked = await endOtherSessions(flowContext(req, auth, now, undefined), directory, sessionOwner(req, () => freshAccessToken(req)));
    res.json({ revoked });
  });
}
