import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { safeReturnTo } from '../../http/return-to.js';
import { loginName } from '../../phone.js';
import { callContext } from '../../session/context.js';
import { handOverDeviceProof, presentedDeviceProof } from '../device-proof.js';
import { invalidInput } from '../../http/errors.js';
import { FORMS, MAX, readForm } from '../forms.js';
import { renderFailure, solvedCaptcha, str } from './web.js';

export function register(router: Router, { config, auth, sessions, formCsrf }: RouteDeps): void {
  router.get('/login', (req, res) => {
    res.render('login.njk', { values: {}, returnTo: safeReturnTo(req.query.returnTo) });
  });

  router.post('/login', formCsrf, async (req, res) => {
    // Shown again on failure as typed (cut to its limit), whatever the validation says about it.
    const username = str(req.body, 'username', MAX.loginName);
    const returnTo = safeReturnTo(req.body.returnTo);
    const locals = { values: { username }, returnTo };
    try {
      const form = readForm(FORMS.login, req.body);
      if (!form.username || !form.password) throw invalidInput(form.username ? 'password' : 'username');
      const captchaToken = await solvedCaptcha(req, auth);
      const proof = presentedDeviceProof(req, config);
      const signed = await auth.passwordLogin(callContext(req, captchaToken), loginName(form.username), form.password, proof);
      await sessions.signIn(req, signed);
      handOverDeviceProof(req, res, config, signed.deviceProof);
      res.redirect(303, returnTo);
    } catch (err) {
      await renderFailure(req, res, auth, 'login.njk', err, locals);
    }
  });

  router.post('/login/anonymous', formCsrf, async (req, res) => {
    const returnTo = safeReturnTo(req.body.returnTo);
    try {
      const signed = await auth.anonymousLogin(callContext(req));
      await sessions.signIn(req, signed);
      res.redirect(303, returnTo);
    } catch (err) {
      await renderFailure(req, res, auth, 'login.njk', err, { values: {}, returnTo });
    }
  });
}
