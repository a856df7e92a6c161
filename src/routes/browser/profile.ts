import type { Request, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { AppError } from '../../errors/app-error.js';
import { accountProfile, type SignedInCaller } from '../../flows/account/index.js';
import { editProfile, GENDERS, PICTURE_MAX, type Gender, type ProfileEdit } from '../../flows/account/profile.js';
import { ACCOUNT_FORMS } from '../account-forms.js';
import { MAX, readForm } from '../forms.js';
import { formFlowContext } from '../flow-context.js';
import { isSignedOut, requireSignedIn, signInAgain } from './signed-in.js';
import { failForm, failedPost, str } from './web.js';

interface ProfileValues {
  name: string;
  username: string;
  gender: string;
  picture: string;
}

const isGender = (v: string): v is Gender => (GENDERS as readonly string[]).includes(v);

/** The form's fields as the flow takes them: an empty username or gender keeps what the account has. */
function profileEdit(values: ProfileValues): ProfileEdit {
  if (values.gender !== '' && !isGender(values.gender)) throw new AppError('invalid_input', { field: 'gender' });
  return {
    name: values.name,
    picture: values.picture,
    ...(values.username ? { username: values.username } : {}),
    ...(isGender(values.gender) ? { gender: values.gender } : {}),
  };
}

/** "Edit profile": name, username (checked for availability), gender, picture address. */
export function register(router: Router, deps: RouteDeps): void {
  const { auth, freshAccessToken, formCsrf, now } = deps;
  const caller = (req: Request): SignedInCaller => ({ user: req.session.user, accessToken: () => freshAccessToken(req) });
  const page = (values: ProfileValues) => ({ profile: values, pictureMax: PICTURE_MAX });

  router.get('/account/profile', requireSignedIn, async (req, res) => {
    const failed = failedPost(res);
    // After a failed save the form shows what was typed, not what the account holds.
    if (failed) {
      const typed = (k: keyof ProfileValues) => failed.values[k] ?? '';
      return res.render('profile.njk', page({ name: typed('name'), username: typed('username'), gender: typed('gender'), picture: typed('picture') }));
    }
    const { user } = await accountProfile(formFlowContext(req, auth, now), caller(req));
    const gender = user.gender && isGender(user.gender) ? user.gender : '';
    res.render('profile.njk', page({ name: user.name ?? '', username: user.username ?? '', gender, picture: user.picture ?? '' }));
  });

  router.post('/account/profile', requireSignedIn, formCsrf, async (req, res) => {
    try {
      const values = readForm(ACCOUNT_FORMS.profile, req.body);
      req.session.user = await editProfile(formFlowContext(req, auth, now), caller(req), profileEdit(values));
    } catch (err) {
      if (isSignedOut(err)) throw err;
      // As typed, so an emptied field stays empty (a refused form was never read: each field cut to its limit).
      const typed = (name: keyof ProfileValues, max: number) => str(req.body, name, max);
      const values = { name: typed('name', MAX.name), username: typed('username', MAX.username), gender: typed('gender', 8), picture: typed('picture', PICTURE_MAX) };
      return failForm(req, res, deps, err, { page: '/account/profile', values });
    }
    res.redirect(303, '/account?notice=profile_saved');
  });

  router.use('/account/profile', signInAgain);
}
