import type { BasicInfoEditRequest } from '../../cloudbase/types.js';
import type { PublicUser } from '../../session/types.js';
import { toPublicUser } from '../../services/auth.js';
import { AppError } from '../../errors/app-error.js';
import type { FlowContext } from '../context.js';
import type { SignedInCaller } from './index.js';

export const GENDERS = ['MALE', 'FEMALE'] as const;
export type Gender = (typeof GENDERS)[number];

/** CloudBase's documented username rule: 2–48 letters, digits and `-_.:+ @`, starting with a letter or digit. */
export const USERNAME_RULE = /^[A-Za-z0-9][A-Za-z0-9\-_.:+ @]{1,47}$/;
export const PICTURE_MAX = 1024;

/** A profile change: only the fields given change (the name and picture may be emptied; a username cannot). */
export interface ProfileEdit {
  name?: string | undefined;
  username?: string | undefined;
  gender?: Gender | undefined;
  picture?: string | undefined;
}

/** A picture must be a web address: anything else (javascript:, data:) would end up in an `<img src>` of some app. */
export function isPictureUrl(value: string): boolean {
  if (value === '') return true;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && value.length <= PICTURE_MAX;
  } catch {
    return false;
  }
}

/**
 * Edits the profile (`POST /user/basic/edit`) and answers the public user as CloudBase now has it, for the session to
 * keep at once. A new username is checked first so that a taken one is named as such, on its field.
 */
export async function editProfile(c: FlowContext, caller: SignedInCaller, input: ProfileEdit): Promise<PublicUser> {
  // U+FFFD is what broken UTF-8 decodes to: keeping it would store garbage the person never typed.
  for (const field of ['name', 'username', 'picture'] as const) {
    if (input[field]?.includes('\ufffd')) throw new AppError('invalid_input', { field });
  }
  const edit: BasicInfoEditRequest = {};
  if (input.name !== undefined) edit.nickname = input.name;
  if (input.username !== undefined && input.username !== caller.user?.username) edit.username = input.username;
  if (input.gender !== undefined) edit.gender = input.gender;
  if (input.picture !== undefined) edit.avatar_url = input.picture;
  if (edit.username !== undefined) {
    if (!USERNAME_RULE.test(edit.username)) throw new AppError('invalid_input', { field: 'username', messageKey: 'err.username_rule' });
    if (await c.auth.usernameTaken(c.call(), edit.username)) throw new AppError('username_taken', { field: 'username' });
  }
  if (edit.avatar_url !== undefined && !isPictureUrl(edit.avatar_url ?? '')) throw new AppError('invalid_input', { field: 'picture', messageKey: 'err.picture_url' });
  const accessToken = await caller.accessToken();
  const profile = await c.auth.editBasicInfo(c.call(), accessToken, edit);
  return toPublicUser(profile, caller.user?.anonymous ? 'anonymous' : undefined);
}
