import { z } from 'zod';
import { MAX } from '../forms.js';
import { GENDERS, PICTURE_MAX, USERNAME_RULE, isPictureUrl } from '../../flows/account/profile.js';

/** Request bodies of the account self-service API (their OpenAPI schemas are generated from these). */

export const profileBody = z
  .strictObject({
    name: z.string().max(MAX.name).optional().describe('display name; "" empties it'),
    username: z.string().min(2).max(MAX.username).regex(USERNAME_RULE).optional().describe('2–48 letters, digits and -_.:+ @, starting with a letter or digit; a taken one is 409 `username_taken`'),
    gender: z.enum(GENDERS).optional(),
    picture: z.string().max(PICTURE_MAX).refine(isPictureUrl).optional().describe('an http(s) address of the picture; "" empties it'),
  })
  .meta({ minProperties: 1, description: 'only the fields given change; at least one' });
