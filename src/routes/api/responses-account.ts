import { z } from 'zod';

/** Answer bodies of the account self-service routes (listed in `responses.ts`'s components). */

export const SignInEntry = z
  .strictObject({
    id: z.string(),
    created_at: z.string().meta({ format: 'date-time', description: 'when the sign-in happened' }),
    device: z.string().meta({ description: 'a short label from the User-Agent CloudBase recorded' }),
    ip: z.string().meta({ description: 'the address CloudBase recorded ("" when none)' }),
    current: z.boolean().meta({ description: 'signed in with this session\'s device' }),
  })
  .meta({ id: 'SignInEntry' });

export const SignInHistory = z
  .strictObject({
    entries: z.array(SignInEntry),
    next_cursor: z.string().nullable().meta({ description: 'cursor of the next (older) page; null on the last page' }),
  })
  .meta({ id: 'SignInHistory' });

export const ContactCodeSent = z
  .strictObject({ expires_in: z.number().int().meta({ description: 'seconds the code stays valid' }) })
  .meta({ id: 'ContactCodeSent' });

export const ReauthCodeSent = z
  .strictObject({
    expires_in: z.number().int().meta({ description: 'seconds the code stays valid' }),
    sent_to: z.string().meta({ description: 'the account\'s own phone or email the code went to, masked (`+86 138****0000`, `z***@example.com`)' }),
  })
  .meta({ id: 'ReauthCodeSent' });

export const Reauthenticated = z
  .strictObject({
    reauthenticated_until: z.string().meta({
      format: 'date-time',
      description: 'until when the next password change, deletion or contact change needs no password (the first of them spends it)',
    }),
  })
  .meta({ id: 'Reauthenticated' });

export const ACCOUNT_RESPONSES = [SignInEntry, SignInHistory, ContactCodeSent, ReauthCodeSent, Reauthenticated];
