import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { signOutAndRevoke } from '../sign-out.js';

export function register(router: Router, { auth, sessions, formCsrf, now }: RouteDeps): void {
  router.get('/logout', (req, res) => {
    if (!req.session?.auth) return res.redirect(303, '/');
    res.render('logout.njk');
  });

  router.post('/logout', formCsrf, async (req, res) => {
    await signOutAndRevoke(req, res, { auth, sessions, now });
    res.redirect(303, '/login?notice=signed_out');
  });
}
