import type { Request, Response, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import type { SignedInCaller } from '../../flows/account/index.js';
import { EMAIL_MAX, sendContactCode, verifyContactChange } from '../../flows/account/contact.js';
import { maskPhone } from '../../phone.js';
import { ACCOUNT_FORMS } from '../account-forms.js';
import { MAX, readForm } from '../forms.js';
import { formFlowContext } from '../flow-context.js';
import { isSignedOut, requireSignedIn, signInAgain } from './signed-in.js';
import { failForm, failedPost, str } from './web.js';
import { reauthLocals, registerReauth } from './account-reauth.js';

const VIEW = 'contact.njk';
const present = (v: string | undefined) => (v ? v : undefined);

/** "Change phone or email": the new contact, then its code and the current password. JavaScript off works. */
export function register(router: Router, deps: RouteDeps): void {
  const { config, auth, freshAccessToken, formCsrf, now } = deps;
  const caller = (req: Request): SignedInCaller => ({ user: req.session.user, accessToken: () => freshAccessToken(req) });
  const page = (req: Request, res: Response, extra: Record<string, unknown> = {}) => {
    const flow = req.session.flow?.purpose === 'contact' ? req.session.flow : undefined;
    const sentTo = flow ? (flow.phone.includes('@') ? flow.phone : maskPhone(flow.phone)) : undefined;
    return { sentTo, guest: req.session.user?.anonymous === true, reauth: reauthLocals(req, res, now), ...extra };
  };
  const fail = async (req: Request, res: Response, err: unknown, failed: { form?: string; values?: Record<string, string | undefined> } = {}) => {
    if (isSignedOut(err)) throw err;
    await failForm(req, res, deps, err, { page: '/account/contact', ...failed });
  };

  router.get('/account/contact', requireSignedIn, (req, res) => {
    // A failed send shows the "new contact" step again, whatever flow is under way.
    res.render(VIEW, page(req, res, failedPost(res)?.form === 'new' ? { step: 'new' } : {}));
  });

  registerReauth(router, '/account/contact', deps, (req, res, err) => fail(req, res, err, { form: 'reauth' }));

  router.post('/account/contact/code', requireSignedIn, formCsrf, async (req, res) => {
    try {
      const values = readForm(ACCOUNT_FORMS.contactNew, req.body);
      const input = { phone_number: present(values.phone_number), email: present(values.email) };
      await sendContactCode(formFlowContext(req, auth, now), caller(req), input, config.limits.sms.cooldownS);
    } catch (err) {
      return fail(req, res, err, { form: 'new', values: { phone_number: str(req.body, 'phone_number', MAX.phone), email: str(req.body, 'email', EMAIL_MAX) } });
    }
    res.redirect(303, '/account/contact');
  });

  router.post('/account/contact', requireSignedIn, formCsrf, async (req, res) => {
    try {
      const { verification_code, password } = readForm(ACCOUNT_FORMS.contactVerify, req.body);
      req.session.user = await verifyContactChange(formFlowContext(req, auth, now), caller(req), { code: verification_code, password });
    } catch (err) {
      return fail(req, res, err);
    }
    res.redirect(303, '/account?notice=contact_changed');
  });

  router.post('/account/contact/restart', requireSignedIn, formCsrf, (req, res) => {
    if (req.session.flow?.purpose === 'contact') delete req.session.flow;
    res.redirect(303, '/account/contact');
  });

  router.use('/account/contact', signInAgain);
}
