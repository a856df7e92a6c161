import { TOKEN_SHAPE, type Call } from './call.js';
import type {
  CallContext,
  ProviderSignInRequest,
  ProviderTokenRequest,
  ProviderTokenResponse,
  ProviderUriResponse,
  TokenResponse,
} from './types.js';

/** Third-party providers and custom tickets (see docs/cloudbase-auth-v2.md, "Third-party providers"). */
export function providerCalls(call: Call) {
  return {
    /**
     * GET /provider/uri: where to send the browser for a provider's consent. `redirect_uri` must be the one later
     * given to `grantProviderToken`.
     */
    getProviderUri(
      ctx: CallContext,
      query: { provider_id: string; redirect_uri: string; state: string; scope?: string },
    ): Promise<ProviderUriResponse> {
      return call(ctx, { method: 'GET', endpoint: '/provider/uri', query: { ...query }, shape: { uri: 'string' } });
    },

    /** POST /provider/token: the provider's code (or a native app's `provider_params`) for a provider token. */
    grantProviderToken(ctx: CallContext, body: ProviderTokenRequest): Promise<ProviderTokenResponse> {
      return call(ctx, {
        method: 'POST',
        endpoint: '/provider/token',
        json: body,
        shape: { provider_token: 'string', expires_in: 'number' },
      });
    },

    /** POST /signin/with/provider; signs the person up too unless the console or `force_disable_sign_up` says not. */
    signInWithProvider(ctx: CallContext, body: ProviderSignInRequest): Promise<TokenResponse> {
      return call(ctx, { method: 'POST', endpoint: '/signin/with/provider', json: body, shape: TOKEN_SHAPE });
    },

    /** POST /signin/custom with a ticket minted by the app's backend (`@cloudbase/node-sdk` `createTicket`). */
    signInWithTicket(ctx: CallContext, ticket: string): Promise<TokenResponse> {
      const json = { provider_id: 'custom', ticket };
      return call(ctx, { method: 'POST', endpoint: '/signin/custom', json, shape: TOKEN_SHAPE });
    },

    /** POST /user/provider/bind: binds the provider token's identity to the token's user. */
    async bindProvider(ctx: CallContext, access_token: string, provider_token: string): Promise<void> {
      await call(ctx, { method: 'POST', endpoint: '/user/provider/bind', bearer: access_token, json: { provider_token } });
    },

    /** DELETE /user/provider/{provider_id} */
    async unbindProvider(ctx: CallContext, access_token: string, provider_id: string): Promise<void> {
      const endpoint = `/user/provider/${encodeURIComponent(provider_id)}`;
      await call(ctx, { method: 'DELETE', endpoint, bearer: access_token });
    },
  };
}
