import type { CloudbaseClient } from '../cloudbase/client.js';
import type { CallContext } from '../cloudbase/types.js';
import { fromUpstream, upstream } from '../errors/upstream.js';
import type { LimitGuard } from '../limits/guard.js';

/** The account's own phone (CloudBase's `+86 ` form) or email. */
export type OwnContact = { phone_number: string; email?: undefined } | { email: string; phone_number?: undefined };

/**
 * Re-authentication by a code to the account's own phone or email, as CloudBase calls it: `POST /verification`
 * (target `CUR_USER`, Bearer) under the SMS sending limits, then `POST /user/sudo {verification_token}`. Spread into
 * the auth service; upstream failures come out as AppError.
 */
export function reauthService(client: CloudbaseClient, limits: LimitGuard | undefined) {
  return {
    async sendOwnCode(ctx: CallContext, accessToken: string, contact: OwnContact): Promise<{ vid: string; expiresIn: number }> {
      const taken = await limits?.takeSmsSend(contact.phone_number ?? contact.email, ctx);
      try {
        const r = await client.sendVerification(ctx, { ...contact, target: 'CUR_USER' }, accessToken);
        return { vid: r.verification_id, expiresIn: r.expires_in };
      } catch (e) {
        await taken?.refund();
        throw fromUpstream(e, 'sms-send');
      }
    },

    /** The sudo token for a verification token of the account's own contact. */
    async sudoByCode(ctx: CallContext, accessToken: string, verificationToken: string): Promise<{ sudoToken: string; expiresIn: number }> {
      const r = await upstream('reauth', client.sudo(ctx, accessToken, { verification_token: verificationToken }));
      return { sudoToken: r.sudo_token, expiresIn: r.expires_in };
    },
  };
}
