import type { CloudbaseClient } from '../cloudbase/client.js';
import type { BasicInfoEditRequest, CallContext, SecurityHistoryPage, UserProfile } from '../cloudbase/types.js';
import { upstream } from '../errors/upstream.js';

/**
 * Account self-service as CloudBase calls it (profile, sign-in history, signing out everywhere): spread into the auth service so flows reach
 * it through `FlowContext.auth`. Upstream failures come out as AppError.
 */
export function accountService(client: CloudbaseClient) {
  return {
    /** POST /user/basic/edit, then the profile as /user/me now has it. */
    async editBasicInfo(ctx: CallContext, accessToken: string, edit: BasicInfoEditRequest): Promise<UserProfile> {
      await upstream('other', client.editBasicInfo(ctx, accessToken, edit));
      return upstream('session', client.getUser(ctx, accessToken));
    },

    async usernameTaken(ctx: CallContext, username: string): Promise<boolean> {
      const { exist } = await upstream('other', client.checkUsername(ctx, username));
      return exist;
    },

    /** DELETE /user/revoke/all: every CloudBase session of the token's user ends. False when CloudBase did not confirm. */
    async revokeAll(ctx: CallContext, accessToken: string): Promise<boolean> {
      try {
        await client.revokeAll(ctx, accessToken);
        return true;
      } catch {
        return false;
      }
    },

    /** DELETE /user/authorized/devices/{id}: the user's CloudBase sessions on that device end. False when not confirmed. */
    async endDevice(ctx: CallContext, accessToken: string, deviceId: string): Promise<boolean> {
      try {
        await client.revokeDevice(ctx, accessToken, deviceId);
        return true;
      } catch {
        return false;
      }
    },

    async signInHistory(ctx: CallContext, accessToken: string, page: { limit: number; page_token?: string | undefined }): Promise<SecurityHistoryPage> {
      return upstream('session', client.getSignInHistory(ctx, accessToken, page));
    },
  };
}
