import type { Request, Response, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import type { SignedInCaller } from '../../flows/account/index.js';
import { reauthStatus, reauthTarget, sendReauthCode, verifyReauthCode } from '../../flows/account/reauth.js';
import { ACCOUNT_FORMS } from '../account-forms.js';
import { readForm } from '../forms.js';
import { formFlowContext } from '../flow-context.js';
import { requireSignedIn } from './signed-in.js';

/** What a page shows of re-authentication by a code: where a code goes, whether one waits, until when it holds. */
export interface ReauthLocals {
  /** the account's own contact, masked; undefined when it has none */
  target: string | undefined;
  codeSentTo: string | undefined;
  untilText: string | undefined;
  /** seconds until a new code may be asked for */
  resendIn: number;
  resendAt: number;
}

export function reauthLocals(req: Request, res: Response, now: () => number): ReauthLocals {
  const status = reauthStatus({ session: req.session, now });
  const clock = res.locals.clock as (ms: number) => string;
  const resendAt = status.resendAt ?? 0;
  return {
    target: reauthTarget(req.session.user),
    codeSentTo: status.until ? undefined : status.codeSentTo,
    untilText: status.until ? clock(status.until) : undefined,
    resendIn: Math.max(0, Math.ceil((resendAt - now()) / 1000)),
    resendAt,
  };
}

/**
 * The two posts of re-authentication by a code, under `base` (`/account` or `/account/contact`): `…/reauth/code`
 * sends a code to the account's own phone or email, `…/reauth` proves it; both land back on `base`, and a failure is
 * shown there by `fail`. JavaScript off works.
 */
export function registerReauth(
  router: Router,
  base: string,
  { config, auth, freshAccessToken, formCsrf, now }: RouteDeps,
  fail: (req: Request, res: Response, err: unknown) => Promise<void>,
): void {
  const caller = (req: Request): SignedInCaller => ({ user: req.session.user, accessToken: () => freshAccessToken(req) });

  router.post(`${base}/reauth/code`, requireSignedIn, formCsrf, async (req, res) => {
    try {
      await sendReauthCode(formFlowContext(req, auth, now), caller(req), config.limits.sms.cooldownS);
    } catch (err) {
      return fail(req, res, err);
    }
    res.redirect(303, `${base}#reauth`);
  });

  router.post(`${base}/reauth`, requireSignedIn, formCsrf, async (req, res) => {
    try {
      const { verification_code } = readForm(ACCOUNT_FORMS.reauthCode, req.body);
      await verifyReauthCode(formFlowContext(req, auth, now), caller(req), { code: verification_code });
    } catch (err) {
      return fail(req, res, err);
    }
    res.redirect(303, `${base}?notice=reauthenticated`);
  });
}
