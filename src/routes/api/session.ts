import type { RequestHandler, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { anonymousLogin, passwordLogin } from '../../flows/password/login.js';
import { flowContext } from '../flow-context.js';
import { handOverDeviceProof, presentedDeviceProof } from '../device-proof.js';
import { sessionLimits } from '../../session/policy.js';
import { signOutAndRevoke } from '../sign-out.js';
import { parseBody } from './body.js';
import { sendSignedIn, sessionState } from './respond.js';
import { challenge } from './challenge.js';
import { anonymousBody, loginBody } from './schemas.js';

/** The caller's own session: who is signed in, password and anonymous sign-in, sign-out. */
export function register(router: Router, { config, auth, sessions, now }: RouteDeps): void {
  const limits = sessionLimits(config);

  router.get('/session', (req, res) => {
    const state = sessionState(req, limits, now());
    if (!state) {
      challenge(res);
      return res.status(401).json({ authenticated: false });
    }
    res.json(state);
  });

  router.post('/session/login', passwordLoginRoute({ config, auth, sessions, now }));

  router.post('/session/anonymous', async (req, res) => {
    parseBody(anonymousBody, req.body);
    await sessions.signIn(req, await anonymousLogin(flowContext(req, auth, now, undefined)));
    sendSignedIn(req, res, limits, now);
  });

  router.delete('/session', async (req, res) => {
    await signOutAndRevoke(req, res, { auth, sessions, now });
    res.status(204).end();
  });
}

/** `POST /api/session/login`'s handler: the route's, and the lean sign-in's (login-lean.ts), so both are one code. */
export function passwordLoginRoute({ config, auth, sessions, now }: Pick<RouteDeps, 'config' | 'auth' | 'sessions' | 'now'>): RequestHandler {
  const limits = sessionLimits(config);
  return async function passwordLoginHandler(req, res) {
    const body = parseBody(loginBody, req.body);
    const deviceProof = presentedDeviceProof(req, config);
    const c = flowContext(req, auth, now, body.captcha_answer);
    const signed = await passwordLogin(c, { username: body.username.trim(), password: body.password, deviceProof });
    await sessions.signIn(req, signed);
    sendSignedIn(req, res, limits, now, handOverDeviceProof(req, res, config, signed.deviceProof));
  };
}
