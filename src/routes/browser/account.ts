import type { Request, Response, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import type { Translate } from '../../i18n/index.js';
import { FORMS, readForm } from '../forms.js';
import { accountProfile, changePassword, deleteAccount, signInWithNewPassword, type SignedInCaller } from '../../flows/account/index.js';
import { formFlowContext } from '../flow-context.js';
import { accountView, type AccountView } from './account-view.js';
import { isSignedOut, requireSignedIn, signInAgain } from './signed-in.js';
import { signedInSub } from '../signed-in-sub.js';
import { failForm, failedPost } from './web.js';
import { reauthLocals, registerReauth } from './account-reauth.js';

type AccountForm = 'password' | 'delete' | 'reauth';

/** For sessions CloudBase already signed out itself: only this gateway's side of them is left to end. */
const alreadyRevokedUpstream = async (): Promise<void> => undefined;

export function register(router: Router, deps: RouteDeps): void {
  const { auth, sessions, directory, freshAccessToken, formCsrf, now } = deps;
  const caller = (req: Request): SignedInCaller => ({ user: req.session.user, accessToken: () => freshAccessToken(req) });

  async function loadAccount(req: Request, res: Response): Promise<AccountView> {
    const profile = await accountProfile(formFlowContext(req, auth, now), caller(req));
    return accountView(profile, String(res.locals.locale), res.locals.t as Translate);
  }

  /** Back to the account page, the message next to the form that failed; a signed-out error signs in again. */
  async function renderAccountFailure(req: Request, res: Response, form: AccountForm, err: unknown): Promise<void> {
    if (isSignedOut(err)) throw err;
    await failForm(req, res, deps, err, { page: '/account', form });
  }

  /** The new password signs this browser in again; signing in over this session revokes its old CloudBase tokens. */
  async function signInAgainWith(req: Request, newPassword: string): Promise<void> {
    const signed = await signInWithNewPassword(formFlowContext(req, auth, now), req.session.user, newPassword);
    if (signed) await sessions.signIn(req, signed);
  }

  /**
   * The profile for the page. Right after a failed form, the page shows the failure even without it: when CloudBase was
   * slow or away, asking it again would only double the wait, so the forms stand alone.
   */
  async function accountAfter(req: Request, res: Response): Promise<AccountView | undefined> {
    const failed = failedPost(res);
    if (!failed) return loadAccount(req, res);
    if (failed.status >= 500) return undefined;
    return loadAccount(req, res).catch((err: unknown) => {
      if (isSignedOut(err)) throw err;
      return undefined;
    });
  }

  router.get('/account', requireSignedIn, async (req, res) => {
    res.render('account.njk', { account: await accountAfter(req, res), reauth: reauthLocals(req, res, now) });
  });

  registerReauth(router, '/account', deps, (req, res, err) => renderAccountFailure(req, res, 'reauth', err));

  router.post('/account/password', requireSignedIn, formCsrf, async (req, res) => {
    let newPassword: string;
    try {
      const form = readForm(FORMS.changePassword, req.body);
      newPassword = form.new_password;
      await changePassword(formFlowContext(req, auth, now), caller(req), { oldPassword: form.old_password, newPassword });
    } catch (err) {
      return renderAccountFailure(req, res, 'password', err);
    }
    await signInAgainWith(req, newPassword);
    await directory.revokeOthers(signedInSub(req), req.sessionID, alreadyRevokedUpstream);
    res.redirect(303, '/account?notice=password_changed');
  });

  router.post('/account/delete', requireSignedIn, formCsrf, async (req, res) => {
    try {
      const { password } = readForm(FORMS.deleteAccount, req.body);
      await deleteAccount(formFlowContext(req, auth, now), caller(req), { password });
    } catch (err) {
      return renderAccountFailure(req, res, 'delete', err);
    }
    await directory.revokeOthers(signedInSub(req), req.sessionID, alreadyRevokedUpstream);
    await sessions.signOut(req, res);
    res.redirect(303, '/?notice=account_deleted');
  });

  router.use('/account', signInAgain);
}
