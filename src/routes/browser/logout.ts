import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { callContext } from '../../session/context.js';

export function register(router: Router, { auth, sessions, formCsrf }: RouteDeps): void {
  router.get('/logout', (req, res) => {
    if (!req.session?.auth) return res.redirect(303, '/');
    res.render('logout.njk');
  });

  router.post('/logout', formCsrf, async (req, res) => {
    const at = req.session.auth?.at;
    if (at) await auth.revoke(callContext(req), at);
    await sessions.signOut(req, res);
    res.redirect(303, '/login?notice=signed_out');
  });
}
