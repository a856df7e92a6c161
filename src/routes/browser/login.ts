import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { safeReturnTo } from '../../http/return-to.js';
import { anonymousLogin, passwordLogin } from '../../flows/password/login.js';
import { formFlowContext } from '../flow-context.js';
import { handOverDeviceProof, presentedDeviceProof } from '../device-proof.js';
import { invalidInput } from '../../errors/app-error.js';
import { FORMS, MAX, readForm } from '../forms.js';
import { failForm, str } from './web.js';
import { registeredSendOn, signedInSendOn } from './guests-only.js';

export function register(router: Router, deps: RouteDeps): void {
  const { config, auth, sessions, formCsrf, now } = deps;
  router.get('/login', registeredSendOn, (req, res) => {
    res.render('login.njk', { returnTo: safeReturnTo(req.query.returnTo) });
  });

  router.post('/login', registeredSendOn, formCsrf, async (req, res) => {
    // Shown again on failure as typed (cut to its limit), whatever the validation says about it.
    const username = str(req.body, 'username', MAX.loginName);
    const returnTo = safeReturnTo((req.body as Record<string, unknown>).returnTo);
    try {
      const form = readForm(FORMS.login, req.body);
      if (!form.username || !form.password) throw invalidInput(form.username ? 'password' : 'username');
      const deviceProof = presentedDeviceProof(req, config);
      const signed = await passwordLogin(formFlowContext(req, auth, now), { username: form.username, password: form.password, deviceProof });
      await sessions.signIn(req, signed);
      handOverDeviceProof(req, res, config, signed.deviceProof);
      res.redirect(303, returnTo);
    } catch (err) {
      await failForm(req, res, deps, err, { values: { username }, returnTo });
    }
  });

  router.post('/login/anonymous', signedInSendOn, formCsrf, async (req, res) => {
    const returnTo = safeReturnTo((req.body as Record<string, unknown>).returnTo);
    try {
      const signed = await anonymousLogin(formFlowContext(req, auth, now));
      await sessions.signIn(req, signed);
      res.redirect(303, returnTo);
    } catch (err) {
      await failForm(req, res, deps, err, { returnTo });
    }
  });
}
