import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { notFound } from '../../errors/app-error.js';
import { callContext } from '../../session/context.js';
import { decodeImage } from './web.js';

/** CloudBase's captcha image for the form on screen; the id is bound to this session. */
export function register(router: Router, { auth, now }: RouteDeps): void {
  router.get('/captcha/:id', (req, res, next) => {
    const c = req.session?.captcha;
    const image = c && c.id === req.params.id ? decodeImage(c.img) : undefined;
    if (!image) return next(notFound());
    res.setHeader('Content-Type', image.type);
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.setHeader('Cache-Control', 'no-store');
    res.send(image.body);
  });

  // "New picture": another challenge in the same slot (the form on screen keeps working), then the picture itself.
  router.get('/captcha/:id/new', async (req, res, next) => {
    const c = req.session?.captcha;
    if (!c || c.id !== req.params.id) return next(notFound());
    const fresh = await auth.captcha(callContext(req, now));
    req.session.captcha = { id: c.id, token: fresh.token, img: fresh.data };
    res.redirect(303, `/captcha/${encodeURIComponent(c.id)}`);
  });
}
