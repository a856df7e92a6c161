import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';

export function register(router: Router, _deps: RouteDeps): void {
  router.get('/', (_req, res) => {
    res.render('home.njk');
  });
}
