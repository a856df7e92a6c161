import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { loginName } from '../../phone.js';
import { callContext } from '../../session/context.js';
import { handOverDeviceProof, presentedDeviceProof } from '../device-proof.js';
import { sessionLimits } from '../../session/policy.js';
import { solvedCaptcha } from '../captcha-challenge.js';
import { signOutAndRevoke } from '../sign-out.js';
import { parseBody } from './body.js';
import { sendSignedIn, sessionState } from './respond.js';
import { anonymousBody, loginBody } from './schemas.js';

/** The caller's own session: who is signed in, password and anonymous sign-in, sign-out. */
export function register(router: Router, { config, auth, sessions }: RouteDeps): void {
  const limits = sessionLimits(config);

  router.get('/session', (req, res) => {
    const state = sessionState(req, limits);
    if (!state) return res.status(401).json({ authenticated: false });
    res.json(state);
  });

  router.post('/session/login', async (req, res) => {
    const body = parseBody(loginBody, req.body);
    const captchaToken = await solvedCaptcha(req, auth);
    const proof = presentedDeviceProof(req, config);
    const signed = await auth.passwordLogin(callContext(req, captchaToken), loginName(body.username.trim()), body.password, proof);
    await sessions.signIn(req, signed);
    sendSignedIn(req, res, limits, handOverDeviceProof(req, res, config, signed.deviceProof));
  });

  router.post('/session/anonymous', async (req, res) => {
    parseBody(anonymousBody, req.body);
    await sessions.signIn(req, await auth.anonymousLogin(callContext(req)));
    sendSignedIn(req, res, limits);
  });

  router.delete('/session', async (req, res) => {
    await signOutAndRevoke(req, res, { auth, sessions });
    res.status(204).end();
  });
}
