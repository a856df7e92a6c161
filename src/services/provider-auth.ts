import type { CloudbaseClient } from '../cloudbase/client.js';
import type { CallContext, TokenResponse } from '../cloudbase/types.js';
import { upstream } from '../errors/upstream.js';

/** A provider's code, from the redirect (with the redirect URI it was issued for) or from a native app (no redirect). */
export type ProviderCode =
  | { providerId: string; code: string; redirectUri: string }
  | { providerId: string; code: string; codeType?: string };

/**
 * Third-party providers and custom tickets as CloudBase calls (part of the auth service). The provider token never
 * leaves these functions' callers on the server.
 */
export function providerAuth<SignedIn>(client: CloudbaseClient, signedIn: (ctx: CallContext, t: TokenResponse) => Promise<SignedIn>) {
  return {
    /** Where to send the browser for the provider's consent. */
    async providerUri(ctx: CallContext, providerId: string, redirectUri: string, state: string): Promise<string> {
      const r = await upstream('provider', client.getProviderUri(ctx, { provider_id: providerId, redirect_uri: redirectUri, state }));
      return r.uri;
    },

    /** The provider's code for a provider token (server-side only). */
    async providerToken(ctx: CallContext, input: ProviderCode): Promise<string> {
      const body =
        'redirectUri' in input
          ? { provider_id: input.providerId, provider_code: input.code, provider_redirect_uri: input.redirectUri }
          : {
              provider_id: input.providerId,
              provider_params: { code: input.code, ...(input.codeType ? { provider_code_type: input.codeType } : {}) },
            };
      const r = await upstream('provider', client.grantProviderToken(ctx, body));
      return r.provider_token;
    },

    /** Signs in the identity behind a provider token (CloudBase signs it up when the console lets it). */
    async providerSignIn(ctx: CallContext, providerId: string, providerToken: string): Promise<SignedIn> {
      const t = await upstream('provider', client.signInWithProvider(ctx, { provider_token: providerToken, provider_id: providerId }));
      return signedIn(ctx, t);
    },

    /** A custom ticket minted by the app's backend with `@cloudbase/node-sdk`. */
    async ticketSignIn(ctx: CallContext, ticket: string): Promise<SignedIn> {
      const t = await upstream('ticket', client.signInWithTicket(ctx, ticket));
      return signedIn(ctx, t);
    },

    /** Binds the provider token's identity to the signed-in user. */
    async bindProvider(ctx: CallContext, accessToken: string, providerToken: string): Promise<void> {
      await upstream('provider', client.bindProvider(ctx, accessToken, providerToken));
    },

    /** Unbinds the user's identity of this provider. */
    async unbindProvider(ctx: CallContext, accessToken: string, providerId: string): Promise<void> {
      await upstream('provider-unbind', client.unbindProvider(ctx, accessToken, providerId));
    },
  };
}
