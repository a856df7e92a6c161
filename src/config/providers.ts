import { z } from 'zod';
import { optionalString } from './fields.js';

export interface ProviderButton {
  /** the CloudBase provider id, e.g. `wx_open` */
  id: string;
  /** the name shown on the button when the operator gave one; otherwise the pages name known providers themselves */
  name?: string;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * `AUTH_PROVIDERS`: comma-separated CloudBase provider ids, each optionally with a display name after `=`
 * (`wx_open,github,corp_sso=Example SSO`). Order is the buttons' order; an id may appear once.
 */
export const authProviders = optionalString.transform((v, ctx) => {
  const out: ProviderButton[] = [];
  for (const item of (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    const id = (eq < 0 ? item : item.slice(0, eq)).trim();
    const name = eq < 0 ? undefined : item.slice(eq + 1).trim();
    if (!ID.test(id) || id === 'custom') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `AUTH_PROVIDERS: "${id.slice(0, 70)}" is not a provider id (letters, digits, _ and -, at most 64; "custom" is the ticket sign-in), e.g. AUTH_PROVIDERS=wx_open,github,google`,
      });
      return z.NEVER;
    }
    if (out.some((p) => p.id === id)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `AUTH_PROVIDERS lists "${id}" twice` });
      return z.NEVER;
    }
    if (name !== undefined && (name.length === 0 || name.length > 40)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `AUTH_PROVIDERS: the display name of "${id}" must be 1 to 40 characters` });
      return z.NEVER;
    }
    out.push(name ? { id, name } : { id });
  }
  return out;
});
