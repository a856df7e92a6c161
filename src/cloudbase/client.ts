/**
 * Typed client for CloudBase Auth v2 (docs/cloudbase-auth-v2.md), one method per upstream call, all on
 * one got instance. It calls only the documented paths, never the cheat-sheet aliases. It never logs; `onCall`
 * reports metrics that hold no secrets. (Over ~250 lines: the request rules every call shares — headers, credentials,
 * sudo and captcha tokens, retries — are the point of one file; the provider and account calls live in their own.)
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import got, { type BeforeRequestHook, type Got, type Method, type OptionsInit, type RetryOptions } from 'got';
import {
  CloudbaseError,
  UpstreamUnavailableError,
  failureFromResponse,
  fromGotError,
  parseBody,
  type CloudbaseFailure,
} from './errors.js';
import { hasShape } from './shape.js';
import type {
  CallContext,
  CaptchaDataResponse,
  CaptchaVerifyRequest,
  CaptchaVerifyResponse,
  ChangePasswordRequest,
  IntrospectResponse,
  PasswordSignInRequest,
  ProviderListResponse,
  ResetPasswordRequest,
  SendVerificationRequest,
  SignUpRequest,
  SudoRequest,
  SudoResponse,
  TokenResponse,
  UserProfile,
  VerificationResponse,
  VerificationTokenSignInRequest,
  VerifyRequest,
  VerifyResponse,
} from './types.js';

export interface CallInfo {
  method: Method;
  /** The path under /auth/v1, e.g. "/user/me" (never with a query). */
  endpoint: string;
  /** HTTP status of the last attempt; undefined when no response came. */
  status: number | undefined;
  /** CloudBase's error string, or the UpstreamUnavailableError reason. */
  error?: string;
  durationMs: number;
}

export interface CloudbaseClientOptions {
  /** e.g. "https://env.ap-shanghai.tcb-api.tencentcloudapi.com" or the emulator's URL. */
  apiOrigin: string;
  clientId: string;
  clientSecret?: string | undefined;
  /** Limit for each attempt; the connect phase gets at most 2 s of it. */
  timeoutMs: number;
  onCall?: (info: CallInfo) => void;
}

const MAX_CONNECT_MS = 2000;
/** Idle keep-alive sockets are closed before a server's usual 5 s keep-alive timeout, so none is reused as it closes. */
const IDLE_SOCKET_MS = 4000;

const NO_RETRY: Partial<RetryOptions> = { limit: 0 };

/**
 * Only idempotent reads are retried, and only when the request surely did not reach CloudBase or CloudBase said it
 * was unavailable. Timeouts are not retried: a slow upstream stays slow, and retrying would multiply the wait.
 */
const READ_RETRY: Partial<RetryOptions> = {
  limit: 2,
  methods: ['GET'],
  statusCodes: [503],
  errorCodes: ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH', 'EAI_AGAIN'],
  backoffLimit: 200,
  noise: 50,
};

import { TOKEN_SHAPE, type UpstreamRequest } from './call.js';
import { accountCalls } from './account-calls.js';
import { providerCalls } from './provider-calls.js';

/**
 * got's `request` option: node's own request, given only what these calls set. got's default hands node its full native
 * options (some thirty TLS, DNS and socket fields, nearly all undefined), which node then copies into the request and
 * again into the agent's, on every call; the agent's own options (keep-alive, TLS defaults) apply either way.
 */
function nativeRequest(url: URL, options: RequestOptions, callback?: (response: IncomingMessage) => void): ClientRequest {
  const lean: RequestOptions = { method: options.method, headers: options.headers, agent: options.agent };
  return url.protocol === 'https:' ? httpsRequest(url, lean, callback) : httpRequest(url, lean, callback);
}

/**
 * A `beforeRequest` hook: the call's cache options (unused: the cache is off) emptied. got builds node's options as
 * `{ ...cacheOptions, <thirty named fields> }`, and V8 (11.3, Node 20) builds that literal through its slow path when
 * the spread object has any property: about 40 µs and 22 KB per call, against well under 1 µs from an empty one.
 */
const withoutCacheOptions: BeforeRequestHook = (options) => {
  options.cacheOptions = {};
};

export function createCloudbaseClient(options: CloudbaseClientOptions) {
  const { clientId, clientSecret, timeoutMs, onCall } = options;
  const basicAuth = clientSecret
    ? `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`
    : undefined;

  const agentOptions = { keepAlive: true, scheduling: 'lifo' as const, timeout: IDLE_SOCKET_MS };
  const base = `${options.apiOrigin.replace(/\/+$/, '')}/auth/v1`;
  // The query every call without one of its own sends, encoded once.
  const clientQuery = `?${new URLSearchParams({ client_id: clientId }).toString()}`;
  // Every call is a small JSON request and answer: a keep-alive pool of its own, and none of got's features a plain
  // JSON POST does not need (no decompression: no Accept-Encoding is sent, so answers come uncompressed; no cache, no
  // DNS cache, no HTTP/2 negotiation; retries only for reads). Each call gives a ready URL and a ready body: no
  // `prefixUrl` join, no per-call URLSearchParams, no `json` pass.
  const http = got.extend({
    agent: { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) },
    request: nativeRequest,
    decompress: false,
    cache: false,
    dnsCache: false,
    http2: false,
    timeout: { connect: Math.min(timeoutMs, MAX_CONNECT_MS), request: timeoutMs },
    retry: NO_RETRY,
    // Bodies are parsed here, so that a 200 carrying `error` and a 4xx/5xx go through the same mapping.
    throwHttpErrors: false,
    responseType: 'text',
    // A redirect would carry the Authorization header to wherever it points.
    followRedirect: false,
    headers: { accept: 'application/json' },
    hooks: { beforeRequest: [withoutCacheOptions] },
  });
  // Reads are retried, and a 4xx/5xx must then arrive as an HTTPError for got to retry a 503: set once, not per call.
  const reads = http.extend({ retry: READ_RETRY, throwHttpErrors: true });

  /**
   * One call on got's stream interface: the promise interface wraps every request in a cancelable promise, a retry
   * state machine of its own and an async-iterator body reader, about a third of got's CPU for calls this small (the
   * bench's sign-in). The answer is the same: its status and its text. A read is retried by got itself, with the same
   * rules (`READ_RETRY`, Retry-After): there a 4xx/5xx arrives as got's HTTPError with its body read, which
   * `fromGotError` maps as it maps an answer.
   */
  function send(instance: Got, url: string, options: OptionsInit & { isStream: true }, retryable = false): Promise<{ statusCode: number; body: string }> {
    return new Promise((resolve, reject) => {
      const attach = (stream: ReturnType<Got['stream']>) => {
        let body = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          body += chunk;
        });
        stream.once('end', () => resolve({ statusCode: stream.response?.statusCode ?? 0, body }));
        // `on`, not `once`: got can emit a second error (one the socket raised, then its own), and an 'error' without a
        // listener would throw.
        stream.on('error', reject);
        if (retryable) stream.once('retry', (_count: number, _error: unknown, again: () => ReturnType<Got['stream']>) => attach(again()));
      };
      attach(instance(url, options));
    });
  }

  function report(
    method: Method,
    endpoint: string,
    started: number,
    status: number | undefined,
    failure?: CloudbaseFailure,
  ): void {
    if (!onCall) return;
    const durationMs = Math.round(performance.now() - started);
    const error = failure instanceof CloudbaseError ? failure.error : failure?.reason;
    onCall({ method, endpoint, status, ...(error ? { error } : {}), durationMs });
  }

  /**
   * The call's URL: `client_id`, the call's own query and the captcha token (the docs read it from a header, the SDK
   * sends it in the query: both are sent).
   */
  function urlOf(ctx: CallContext, req: UpstreamRequest<unknown>): string {
    if (!req.query && !ctx.captchaToken) return `${base}${req.endpoint}${clientQuery}`;
    const query = new URLSearchParams({ client_id: clientId, ...req.query });
    if (ctx.captchaToken) query.set('captcha_token', ctx.captchaToken);
    return `${base}${req.endpoint}?${query.toString()}`;
  }

  async function call<T>(ctx: CallContext, req: UpstreamRequest<T>): Promise<T> {
    const started = performance.now();
    const headers: Record<string, string> = { 'x-request-id': ctx.requestId, 'x-device-id': ctx.deviceId };
    if (ctx.captchaToken) headers['x-captcha-token'] = ctx.captchaToken;
    const authorization = req.bearer ? `Bearer ${req.bearer}` : basicAuth;
    if (authorization) headers.authorization = authorization;
    const url = urlOf(ctx, req);

    let status: number | undefined;
    let body: unknown;
    try {
      // Reads may be retried (by got, on the stream too); a JSON write never is. A call without a body other than a
      // read (DELETE) stays on the promise interface: a stream waits for its end.
      let response: { statusCode: number; body: string };
      if (req.method === 'GET') {
        response = await send(reads, url, { method: 'GET', headers, isStream: true }, true);
      } else if (req.json) {
        headers['content-type'] = 'application/json';
        response = await send(http, url, { method: req.method, headers, body: JSON.stringify(req.json), isStream: true });
      } else {
        response = await http(url, { method: req.method, headers });
      }
      status = response.statusCode;
      body = parseBody(response.body);
      const failure = failureFromResponse(status, body, ctx.requestId);
      if (failure) throw failure;
      if (req.shape && !hasShape(body, req.shape)) {
        throw new UpstreamUnavailableError({ reason: 'bad_response', requestId: ctx.requestId, status });
      }
    } catch (err) {
      const failure = fromGotError(err, ctx.requestId);
      report(req.method, req.endpoint, started, failure.status ?? status, failure);
      throw failure;
    }
    report(req.method, req.endpoint, started, status);
    return body as T;
  }

  return {
    ...providerCalls(call),
    ...accountCalls(call),

    /** POST /signin with a username (or email, or `+86 ` phone) and password. */
    signInWithPassword(ctx: CallContext, body: PasswordSignInRequest): Promise<TokenResponse> {
      return call(ctx, { method: 'POST', endpoint: '/signin', json: body, shape: TOKEN_SHAPE });
    },

    /** POST /signin with a verification token from `verify`. */
    signInWithVerificationToken(ctx: CallContext, body: VerificationTokenSignInRequest): Promise<TokenResponse> {
      return call(ctx, { method: 'POST', endpoint: '/signin', json: body, shape: TOKEN_SHAPE });
    },

    /** POST /signup; the new user is signed in. */
    signUp(ctx: CallContext, body: SignUpRequest): Promise<TokenResponse> {
      return call(ctx, { method: 'POST', endpoint: '/signup', json: body, shape: TOKEN_SHAPE });
    },

    /** POST /verification: sends an SMS or email code. `bearer` is required for target CUR_USER. */
    async sendVerification(
      ctx: CallContext,
      body: SendVerificationRequest,
      bearer?: string,
    ): Promise<VerificationResponse> {
      const res = await call<VerificationResponse>(ctx, {
        method: 'POST',
        endpoint: '/verification',
        json: body,
        ...(bearer ? { bearer } : {}),
        shape: { verification_id: 'string', expires_in: 'number' },
      });
      return { ...res, is_user: res.is_user === true };
    },

    /** POST /verification/verify: exchanges the code for a verification token. */
    verify(ctx: CallContext, body: VerifyRequest): Promise<VerifyResponse> {
      return call(ctx, {
        method: 'POST',
        endpoint: '/verification/verify',
        json: body,
        shape: { verification_token: 'string', expires_in: 'number' },
      });
    },

    /** POST /signin/anonymously; CloudBase derives the anonymous user from ctx.deviceId. */
    signInAnonymously(ctx: CallContext): Promise<TokenResponse> {
      return call(ctx, { method: 'POST', endpoint: '/signin/anonymously', json: {}, shape: TOKEN_SHAPE });
    },

    /** POST /token with the refresh_token grant. The old refresh token stops working (rotation). */
    refreshToken(ctx: CallContext, refresh_token: string): Promise<TokenResponse> {
      // Like the official SDK, the client credentials also go in the body.
      const json = {
        grant_type: 'refresh_token',
        refresh_token,
        client_id: clientId,
        ...(clientSecret ? { client_secret: clientSecret } : {}),
      };
      return call(ctx, { method: 'POST', endpoint: '/token', json, shape: TOKEN_SHAPE });
    },

    /** GET /token/introspect; an invalid, expired or revoked token yields `{}`. */
    introspect(ctx: CallContext, access_token: string): Promise<IntrospectResponse> {
      return call(ctx, { method: 'GET', endpoint: '/token/introspect', bearer: access_token, shape: {} });
    },

    /** POST /revoke, with the token both as Bearer (docs) and in the body (SDK and cheat-sheet). */
    async revoke(ctx: CallContext, access_token: string): Promise<void> {
      await call(ctx, { method: 'POST', endpoint: '/revoke', bearer: access_token, json: { token: access_token } });
    },

    /** DELETE /user/revoke/all (the SDK's call): every session of the token's user ends, this token's included. */
    async revokeAll(ctx: CallContext, access_token: string): Promise<void> {
      await call(ctx, { method: 'DELETE', endpoint: '/user/revoke/all', bearer: access_token });
    },

    /** GET /user/me */
    getUser(ctx: CallContext, access_token: string): Promise<UserProfile> {
      return call(ctx, { method: 'GET', endpoint: '/user/me', bearer: access_token, shape: { sub: 'string' } });
    },

    /** POST /user/sudo with the password or a verification token; the sudo token lasts 15 minutes. */
    sudo(ctx: CallContext, access_token: string, body: SudoRequest): Promise<SudoResponse> {
      return call(ctx, {
        method: 'POST',
        endpoint: '/user/sudo',
        bearer: access_token,
        json: body,
        shape: { sudo_token: 'string', expires_in: 'number' },
      });
    },

    /** PATCH /user/password, with the sudo token both in the query (docs) and in the body (SDK). */
    async changePassword(ctx: CallContext, access_token: string, body: ChangePasswordRequest): Promise<void> {
      await call(ctx, {
        method: 'PATCH',
        endpoint: '/user/password',
        bearer: access_token,
        query: { sudo_token: body.sudo_token },
        json: body,
      });
    },

    /** DELETE /user/me?sudo_token= */
    async deleteMe(ctx: CallContext, access_token: string, sudo_token: string): Promise<void> {
      await call(ctx, { method: 'DELETE', endpoint: '/user/me', bearer: access_token, query: { sudo_token } });
    },

    /** POST /reset: sets a new password with a verification token, without signing in. */
    async resetPassword(ctx: CallContext, body: ResetPasswordRequest): Promise<void> {
      await call(ctx, { method: 'POST', endpoint: '/reset', json: body });
    },

    /** GET /user/provider: bound and bindable third-party identities. */
    getProviders(ctx: CallContext, access_token: string): Promise<ProviderListResponse> {
      return call(ctx, { method: 'GET', endpoint: '/user/provider', bearer: access_token, shape: { data: 'array' } });
    },

    /** POST /captcha/data: a new image captcha. */
    getCaptcha(ctx: CallContext): Promise<CaptchaDataResponse> {
      return call(ctx, {
        method: 'POST',
        endpoint: '/captcha/data',
        json: {},
        shape: { data: 'string', token: 'string', expires_in: 'number' },
      });
    },

    /** POST /captcha/data/verify: checks the typed text; the captcha token goes into CallContext.captchaToken. */
    verifyCaptcha(ctx: CallContext, body: CaptchaVerifyRequest): Promise<CaptchaVerifyResponse> {
      return call(ctx, {
        method: 'POST',
        endpoint: '/captcha/data/verify',
        json: body,
        shape: { captcha_token: 'string', expires_in: 'number' },
      });
    },
  };
}

export type CloudbaseClient = ReturnType<typeof createCloudbaseClient>;
