import type { Request, Response, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import type { Translate } from '../../i18n/index.js';
import { FORMS, readForm } from '../forms.js';
import { AppError, invalidInput } from '../../errors/app-error.js';
import { fromUpstream } from '../../errors/upstream.js';
import { callContext } from '../../session/context.js';
import { accountView, type AccountView } from './account-view.js';
import { isSignedOut, requireSignedIn, signedInSub, signInAgain } from './signed-in.js';
import { renderFailure } from './web.js';

type AccountForm = 'password' | 'delete';

/** Guests have no password to re-authenticate with; the page offers them no such form either. */
function assertHasPassword(req: Request): void {
  if (req.session.user?.anonymous) throw new AppError('forbidden');
}

/** For sessions CloudBase already signed out itself: only this gateway's side of them is left to end. */
const alreadyRevokedUpstream = async (): Promise<void> => undefined;

export function register(router: Router, { auth, sessions, directory, freshAccessToken, formCsrf }: RouteDeps): void {
  async function loadAccount(req: Request, res: Response): Promise<AccountView> {
    const profile = await auth.profile(callContext(req), await freshAccessToken(req));
    return accountView(profile, String(res.locals.locale), res.locals.t as Translate);
  }

  /** Re-renders the account page with the message next to the form that failed; a signed-out error signs in again. */
  async function renderAccountFailure(req: Request, res: Response, form: AccountForm, err: unknown): Promise<void> {
    if (isSignedOut(err)) throw err;
    const appErr = err instanceof AppError ? err : fromUpstream(err);
    // When CloudBase is slow or away, asking it again for the profile would only double the wait: show the forms alone.
    const account = appErr.status < 500 ? await loadAccount(req, res).catch(() => undefined) : undefined;
    await renderFailure(req, res, auth, 'account.njk', appErr, { account, failedForm: form });
  }

  /**
   * CloudBase signs the user's other sessions out on a password change; whether the calling session's tokens survive
   * is not documented (the emulator keeps them). So this browser signs in again with the new password: its tokens
   * surely work, its session id changes with the credential, and the old upstream session is revoked. If that sign-in
   * fails, the current tokens stay; should they be dead, the next refresh ends the session and the person signs in.
   */
  async function signInWithNewPassword(req: Request, newPassword: string): Promise<void> {
    const user = req.session.user;
    const loginName = user?.username ?? user?.phone_number ?? user?.email;
    if (!loginName) return;
    const signed = await auth.passwordLogin(callContext(req), loginName, newPassword).catch((err: unknown) => {
      req.log?.warn({ code: err instanceof AppError ? err.code : undefined }, 'sign-in after password change failed');
      return undefined;
    });
    if (!signed) return;
    // Signing in over this session revokes its old CloudBase tokens.
    await sessions.signIn(req, signed);
  }

  router.get('/account', requireSignedIn, async (req, res) => {
    res.render('account.njk', { account: await loadAccount(req, res) });
  });

  router.post('/account/password', requireSignedIn, formCsrf, async (req, res) => {
    let accessToken: string;
    let newPassword: string;
    try {
      const form = readForm(FORMS.changePassword, req.body);
      const oldPassword = form.old_password;
      newPassword = form.new_password;
      assertHasPassword(req);
      if (!oldPassword) throw invalidInput('old_password');
      if (!newPassword) throw invalidInput('new_password');
      accessToken = await freshAccessToken(req);
      await auth.changePassword(callContext(req), accessToken, oldPassword, newPassword);
    } catch (err) {
      return renderAccountFailure(req, res, 'password', err);
    }
    await signInWithNewPassword(req, newPassword);
    await directory.revokeOthers(signedInSub(req), req.sessionID, alreadyRevokedUpstream);
    res.redirect(303, '/account?notice=password_changed');
  });

  router.post('/account/delete', requireSignedIn, formCsrf, async (req, res) => {
    try {
      const { password } = readForm(FORMS.deleteAccount, req.body);
      assertHasPassword(req);
      if (!password) throw invalidInput('password');
      await auth.deleteAccount(callContext(req), await freshAccessToken(req), password);
    } catch (err) {
      return renderAccountFailure(req, res, 'delete', err);
    }
    await directory.revokeOthers(signedInSub(req), req.sessionID, alreadyRevokedUpstream);
    await sessions.signOut(req, res);
    res.redirect(303, '/?notice=account_deleted');
  });

  router.use('/account', signInAgain);
}
