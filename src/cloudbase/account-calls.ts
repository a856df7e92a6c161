import type { Call } from './call.js';
import type { BasicInfoEditRequest, CallContext, ContactEditRequest, SecurityHistoryPage, UserExistResponse } from './types.js';

/** Account self-service: profile, contact, history, devices (see docs/cloudbase-auth-v2.md, "Account"). */
export function accountCalls(call: Call) {
  return {
    /** POST /user/basic/edit (nickname ↔ /user/me's name, avatar_url ↔ picture). */
    async editBasicInfo(ctx: CallContext, access_token: string, body: BasicInfoEditRequest): Promise<void> {
      await call(ctx, { method: 'POST', endpoint: '/user/basic/edit', bearer: access_token, json: body });
    },

    /** GET /checkIfUserExist?username= */
    checkUsername(ctx: CallContext, username: string): Promise<UserExistResponse> {
      return call(ctx, { method: 'GET', endpoint: '/checkIfUserExist', query: { username }, shape: { exist: 'boolean' } });
    },

    /** PATCH /user/contact: a new phone or email, with its verification token and a sudo token. */
    async editContact(ctx: CallContext, access_token: string, body: ContactEditRequest): Promise<void> {
      await call(ctx, { method: 'PATCH', endpoint: '/user/contact', bearer: access_token, json: body });
    },

    /** GET /user/security/history, sign-ins only, newest first; pass `next_page_token` back as `page_token`. */
    getSignInHistory(
      ctx: CallContext,
      access_token: string,
      page: { limit: number; page_token?: string | undefined },
    ): Promise<SecurityHistoryPage> {
      const query: Record<string, string> = { 'query[action]': 'USER_LOGIN', limit: String(page.limit) };
      if (page.page_token) query.page_token = page.page_token;
      return call(ctx, { method: 'GET', endpoint: '/user/security/history', bearer: access_token, query, shape: { data: 'array' } });
    },

    /** DELETE /user/authorized/devices/{device_id}: ends the user's sessions on that device. */
    async revokeDevice(ctx: CallContext, access_token: string, device_id: string): Promise<void> {
      const endpoint = `/user/authorized/devices/${encodeURIComponent(device_id)}`;
      await call(ctx, { method: 'DELETE', endpoint, bearer: access_token });
    },
  };
}
