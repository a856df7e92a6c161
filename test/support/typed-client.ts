import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../../src/routes/api/openapi-types.js';

/**
 * A native app's client, as the README shows it: the generated types with openapi-fetch, `X-Session-Mode: token` on
 * every call, `Authorization: Session` once a token was issued, and the newest `session_token` kept.
 */
export interface NativeApp {
  api: Client<paths>;
  token: string | undefined;
}

export function nativeApp(baseUrl: string): NativeApp {
  const app: NativeApp = { api: createClient<paths>({ baseUrl }), token: undefined };
  app.api.use({
    onRequest({ request }) {
      request.headers.set('X-Session-Mode', 'token');
      if (app.token) request.headers.set('Authorization', `Session ${app.token}`);
      return request;
    },
    async onResponse({ response }) {
      if (!response.headers.get('content-type')?.startsWith('application/json')) return response;
      const body = (await response.clone().json()) as { session_token?: unknown };
      if (typeof body.session_token === 'string') app.token = body.session_token;
      return response;
    },
  });
  return app;
}
