// Generated from the OpenAPI document (src/routes/api/openapi.ts) by `npm run openapi:types`: do not edit.
// Use it with openapi-fetch: `createClient<paths>()` (see the README's "Calling the API from an app").

export interface paths {
    "/api/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["getOpenApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/proxy/{name}/{path}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Forward to the backend configured as `name` in PROXY_ROUTES
         * @description Any method. The request (path under the route's base, query, body, headers) is streamed with `Authorization: Bearer <fresh CloudBase access token>`, the gateway's `x-request-id` and its own `X-Forwarded-For`/`-Proto`/`-Host`, without the gateway's cookie, `Authorization: Session`, or any client-sent `Forwarded`, `X-Forwarded-*`, `X-Real-IP`, `X-Original-*`, `X-Rewrite-*` and similar. The backend's status and body come back as they are; its headers too, except that the gateway's own protective headers (CSP, X-Frame-Options, X-Content-Type-Options, Permissions-Policy, the request id) win, Set-Cookie, hop-by-hop, CORS (`Access-Control-*`) and origin-wide headers are dropped, and `Cache-Control` is `private` at most (`no-store` when the backend sends none). Paths with `..` segments or encoded slashes or backslashes are refused.
         */
        get: operations["proxyGet"];
        /**
         * Forward to the backend configured as `name` in PROXY_ROUTES
         * @description Any method. The request (path under the route's base, query, body, headers) is streamed with `Authorization: Bearer <fresh CloudBase access token>`, the gateway's `x-request-id` and its own `X-Forwarded-For`/`-Proto`/`-Host`, without the gateway's cookie, `Authorization: Session`, or any client-sent `Forwarded`, `X-Forwarded-*`, `X-Real-IP`, `X-Original-*`, `X-Rewrite-*` and similar. The backend's status and body come back as they are; its headers too, except that the gateway's own protective headers (CSP, X-Frame-Options, X-Content-Type-Options, Permissions-Policy, the request id) win, Set-Cookie, hop-by-hop, CORS (`Access-Control-*`) and origin-wide headers are dropped, and `Cache-Control` is `private` at most (`no-store` when the backend sends none). Paths with `..` segments or encoded slashes or backslashes are refused.
         */
        put: operations["proxyPut"];
        /**
         * Forward to the backend configured as `name` in PROXY_ROUTES
         * @description Any method. The request (path under the route's base, query, body, headers) is streamed with `Authorization: Bearer <fresh CloudBase access token>`, the gateway's `x-request-id` and its own `X-Forwarded-For`/`-Proto`/`-Host`, without the gateway's cookie, `Authorization: Session`, or any client-sent `Forwarded`, `X-Forwarded-*`, `X-Real-IP`, `X-Original-*`, `X-Rewrite-*` and similar. The backend's status and body come back as they are; its headers too, except that the gateway's own protective headers (CSP, X-Frame-Options, X-Content-Type-Options, Permissions-Policy, the request id) win, Set-Cookie, hop-by-hop, CORS (`Access-Control-*`) and origin-wide headers are dropped, and `Cache-Control` is `private` at most (`no-store` when the backend sends none). Paths with `..` segments or encoded slashes or backslashes are refused.
         */
        post: operations["proxyPost"];
        /**
         * Forward to the backend configured as `name` in PROXY_ROUTES
         * @description Any method. The request (path under the route's base, query, body, headers) is streamed with `Authorization: Bearer <fresh CloudBase access token>`, the gateway's `x-request-id` and its own `X-Forwarded-For`/`-Proto`/`-Host`, without the gateway's cookie, `Authorization: Session`, or any client-sent `Forwarded`, `X-Forwarded-*`, `X-Real-IP`, `X-Original-*`, `X-Rewrite-*` and similar. The backend's status and body come back as they are; its headers too, except that the gateway's own protective headers (CSP, X-Frame-Options, X-Content-Type-Options, Permissions-Policy, the request id) win, Set-Cookie, hop-by-hop, CORS (`Access-Control-*`) and origin-wide headers are dropped, and `Cache-Control` is `private` at most (`no-store` when the backend sends none). Paths with `..` segments or encoded slashes or backslashes are refused.
         */
        delete: operations["proxyDelete"];
        options?: never;
        head?: never;
        /**
         * Forward to the backend configured as `name` in PROXY_ROUTES
         * @description Any method. The request (path under the route's base, query, body, headers) is streamed with `Authorization: Bearer <fresh CloudBase access token>`, the gateway's `x-request-id` and its own `X-Forwarded-For`/`-Proto`/`-Host`, without the gateway's cookie, `Authorization: Session`, or any client-sent `Forwarded`, `X-Forwarded-*`, `X-Real-IP`, `X-Original-*`, `X-Rewrite-*` and similar. The backend's status and body come back as they are; its headers too, except that the gateway's own protective headers (CSP, X-Frame-Options, X-Content-Type-Options, Permissions-Policy, the request id) win, Set-Cookie, hop-by-hop, CORS (`Access-Control-*`) and origin-wide headers are dropped, and `Cache-Control` is `private` at most (`no-store` when the backend sends none). Paths with `..` segments or encoded slashes or backslashes are refused.
         */
        patch: operations["proxyPatch"];
        trace?: never;
    };
    "/api/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who is signed in */
        get: operations["getSession"];
        put?: never;
        post?: never;
        /** Sign out: revokes the CloudBase tokens, ends the session and clears the cookie */
        delete: operations["signOut"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/anonymous": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sign in as a guest */
        post: operations["signInAnonymously"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/code/send": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a code by SMS (phone_number) or by mail (email) and start (or restart) a flow
         * @description The general form of `sms/send`: exactly one of `phone_number` and `email` (neither or both is 400 `invalid_input`; a malformed address is 400 `invalid_input` with `field: "email"`). CloudBase's verification id stays in the session. The answer is the same for a contact with an account and one without: `code/verify` tells what comes next once the code is proved.
         */
        post: operations["sendCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/code/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check the code of the current flow (sent by SMS or by mail)
         * @description The same step as `sms/verify`, for either channel. Signs in when the phone or email has an account (purpose login, or signup of a registered one). Otherwise the verified code is kept for the next step: `next: "signup"` → `POST /api/session/signup`, `next: "reset_password"` → `POST /api/session/password/reset`.
         */
        post: operations["verifyCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/contact/send": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change phone or email, step 1: send a code to the new phone number or email
         * @description Exactly one of `phone_number` and `email`. Guests cannot (403 `forbidden`). A second code to the same contact within `LIMIT_SMS_COOLDOWN_S` is 429 `resend_too_soon`; the SMS sending limits apply. CloudBase's verification id stays in the session.
         */
        post: operations["sendContactCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/contact/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change phone or email, step 2: the code and the current password; the contact changes
         * @description Re-authenticate by the current password, or leave `password` out after `POST /api/session/reauth/verify` (a code to the current phone or email; this change spends it); with neither, 403 `reauth_required` (field `password`). A wrong code is 400 `invalid_code`; a wrong password 403 `wrong_password` (the proven code is kept, so only the password is retried); a contact that belongs to another account 409 `contact_taken` (nothing changes, the flow ends); no step 1 409 `flow_expired`. The answer is the session with the new contact.
         */
        post: operations["verifyContactChange"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/delete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Delete the account; every session of it ends, this one included
         * @description Proved by `password`, or without it by a code re-authentication (`/api/session/reauth/*`; an account without a password must). With neither: 403 `reauth_required` (field `password`); a wrong password: 403 `wrong_password`.
         */
        post: operations["deleteAccount"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The account's sign-ins, newest first, by pages (from CloudBase's security history)
         * @description 20 per page. Pass `next_cursor` back as `cursor` for the next page; it is `null` on the last one. `current` marks the sign-ins of this session's device.
         */
        get: operations["getSignInHistory"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in with a username, email or phone number and a password
         * @description A device that signed in to the account before is judged on its own attempt limit, not on the account's: a browser keeps the proof in an httpOnly cookie; a token-mode app gets `device_token` and sends it back as `X-Device-Token`. Too many attempts: 429 `too_many_attempts` with `Retry-After`. Over a signed-in session (another account or the same), the old session ends: a new session id, and its CloudBase tokens are revoked.
         */
        post: operations["signIn"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change the password, or set one for an account that has none
         * @description Proved by `old_password`, or without it by a code re-authentication (`/api/session/reauth/*`; an account without a password must). With neither: 403 `reauth_required` (field `old_password`); a wrong one: 403 `wrong_password`; a password typed for an account that has none: 403 `reauth_required`. CloudBase signs the user's other sessions out; the gateway ends them too, and this session signs in again with the new password (a new session id; in token mode a new `session_token`).
         */
        post: operations["changePassword"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/password/reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Set a new password for the verified phone or email (after code/verify or sms/verify said next: reset_password)
         * @description Not part of the contract's list: completes the `reset` purpose. The caller stays signed out, and every session of the account ends, browser and token alike, here and at CloudBase.
         */
        post: operations["resetPassword"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/provider/code": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in with a provider code a native app or mini program got itself (no redirect)
         * @description The gateway exchanges the code for a provider token and signs in; neither the provider token nor CloudBase's tokens leave the gateway. With `X-Session-Mode: token` the answer carries `session_token`. A used or expired code is 400 `provider_code_invalid`; an identity CloudBase will not sign up by itself is 403 `provider_signup_required`: the session keeps its provider token (in token mode the error carries `session_token`), so a code sign-up that follows (`code/send` purpose signup → `code/verify` → `signup`) binds the identity to the new account.
         */
        post: operations["signInWithProviderCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/provider/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start signing in with a provider: the URL to send the browser to
         * @description For single-page apps that navigate themselves. A single-use `state` (10 minutes) is kept in this browser's session (cookie mode): the provider sends the browser back to `GET /login/provider/callback`, which signs in and lands on `returnTo`. A provider not in AUTH_PROVIDERS is 404 `provider_unknown`; one CloudBase has turned off is 403 `method_disabled`. Cookie mode only: the callback can only end in a browser's cookie session, so a call in token mode (`X-Session-Mode: token` or `Authorization: Session …`) is 400 `token_mode_unsupported`, whose message says to use `POST /api/session/provider/code` instead.
         */
        post: operations["startProviderSignIn"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/reauth/send": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Re-authenticate by a code, step 1: send a code to the account's own phone (or email, when it has no phone)
         * @description For accounts without a password (made by a code), which change (set) their password, delete themselves or change their contact this way; any account may. `sent_to` names the contact, masked. Guests: 403 `forbidden`; an account with neither phone nor email: 403 `reauth_required`. A second code within `LIMIT_SMS_COOLDOWN_S` is 429 `resend_too_soon`; the SMS sending limits apply. CloudBase's verification id stays in the session.
         */
        post: operations["sendReauthCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/reauth/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Re-authenticate by a code, step 2: the code; the next sensitive step needs no password
         * @description CloudBase gives a sudo token for the code (`POST /user/sudo {verification_token}`); it stays in the session until `reauthenticated_until`, and the next `POST /api/session/password`, `POST /api/session/delete` or `POST /api/session/contact/verify` without a password spends it. A wrong code is 400 `invalid_code` (after `LIMIT_CODE_GUESSES` a new code is needed); no step 1 409 `flow_expired`.
         */
        post: operations["verifyReauthCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/signup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create the account for the verified phone or email (after code/verify or sms/verify said next: signup)
         * @description When a provider sign-in ended in 403 `provider_signup_required` in this session (the browser callback or `provider/code`), its identity is bound to the new account (CloudBase `provider_token`, kept in the session, never sent to the caller). A provider token CloudBase no longer accepts is 400 `provider_code_invalid` and one whose identity another account took meanwhile 409 `provider_bind_refused`: nothing is created, the identity is forgotten, and a new try signs up without it.
         */
        post: operations["signUp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/sms/send": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send an SMS code and start (or restart) a flow
         * @description CloudBase's verification id stays in the session. The answer is the same for a number with an account and one without: `sms/verify` tells what comes next once the code is proved.
         */
        post: operations["sendSmsCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/sms/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check the code of the current flow
         * @description Signs in when the number has an account (purpose login, or signup of a registered number). Otherwise the verified code is kept for the next step: `next: "signup"` → `POST /api/session/signup`, `next: "reset_password"` → `POST /api/session/password/reset`.
         */
        post: operations["verifySmsCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/ticket": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in with a custom ticket minted by the app's backend (`@cloudbase/node-sdk` `createTicket(uid)`)
         * @description A bad, expired or foreign ticket is 401 `ticket_invalid`. With `X-Session-Mode: token` the answer carries `session_token`.
         */
        post: operations["signInWithTicket"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session/user": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Edit the profile (name, username, gender, picture); the session shows it at once
         * @description Only the fields given change. A new username is checked for availability first: a taken one is 409 `username_taken` (field `username`). The answer is the session with the user as CloudBase now has it; `GET /api/session` shows the same from now on.
         */
        patch: operations["editProfile"];
        trace?: never;
    };
    "/api/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The signed-in user's sessions, browser and token alike, by pages
         * @description Newest sign-in first, 50 per page; the first page starts with the current session. Pass `next_cursor` back as `cursor` for the next page; it is `null` on the last one. Sessions found ended on the way (timed out, data lost, unreadable) are left out and ended at CloudBase by their device (`DELETE /user/authorized/devices/{id}`).
         */
        get: operations["listSessions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** End one session (its CloudBase tokens are revoked; its device, when they cannot be used); the current one signs out */
        delete: operations["endSession"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/revoke-all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign out everywhere: every session of the user ends, this one included, here and at CloudBase
         * @description CloudBase ends all of the user's sessions (`DELETE /user/revoke/all`, which also reaches sign-ins made outside this gateway); every gateway session of the user ends, browser and token alike, however many; then this one signs out (its cookie is cleared). Should CloudBase not confirm, each ended session's tokens are revoked one by one instead.
         */
        post: operations["signOutEverywhere"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/revoke-others": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** End every session of the user but this one, however many */
        post: operations["revokeOtherSessions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/captcha/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The captcha picture (`captcha.image_url` of an error that asked for one)
         * @description Only for the session that got the captcha: send the same cookie or `Authorization: Session`. Not cached (`Cache-Control: no-store`).
         */
        get: operations["getCaptchaImage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/captcha/{id}/new": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A new picture for the same captcha id (the old one no longer counts), then a redirect to it
         * @description For a picture that cannot be read. The answer to the new picture is the one that counts; `captcha_answer` goes with the retried call as before.
         */
        get: operations["renewCaptchaImage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        CodeSent: {
            /** @description seconds the code stays valid */
            expires_in: number;
            /**
             * @deprecated
             * @description always false: whether the number has an account is not told before the code is proved (see `next` of sms/verify)
             * @constant
             */
            is_user: false;
            session_token?: components["schemas"]["SessionToken"];
        };
        ContactCodeSent: {
            /** @description seconds the code stays valid */
            expires_in: number;
        };
        Error: {
            /** @description when CloudBase wants a captcha: show image_url, send the characters back as `captcha_answer` */
            captcha?: {
                id: string;
                /** @description same-origin path of the picture */
                image_url: string;
            };
            error: {
                /**
                 * @description stable; branch on this (the gateway's error catalogue)
                 * @enum {string}
                 */
                code: "invalid_input" | "invalid_json" | "too_long" | "payload_too_large" | "unsupported_media_type" | "invalid_phone" | "invalid_code_format" | "invalid_code" | "password_required" | "weak_password" | "captcha_required" | "captcha_wrong" | "consent_required" | "invalid_proxy_path" | "not_signed_in" | "session_expired" | "login_failed" | "csrf_failed" | "forbidden" | "wrong_password" | "reauth_required" | "account_blocked" | "account_pending" | "phone_required" | "two_factor_required" | "method_disabled" | "not_found" | "session_not_found" | "flow_expired" | "provider_unknown" | "provider_denied" | "provider_state_invalid" | "provider_code_invalid" | "provider_signup_required" | "token_mode_unsupported" | "ticket_invalid" | "provider_bind_refused" | "provider_last_method" | "username_taken" | "already_exists" | "contact_taken" | "too_many_attempts" | "rate_limited" | "resend_too_soon" | "internal" | "upstream_error" | "upstream_unreachable" | "gateway_misconfigured" | "upstream_unavailable" | "store_unavailable" | "upstream_timeout";
                /** @description the body field at fault, when one is */
                field?: string;
                /** @description for people, in their language */
                message: string;
            };
            session_token?: components["schemas"]["SessionToken"];
        };
        NextStep: {
            /** @constant */
            authenticated: false;
            /** @enum {string} */
            next: "signup" | "reset_password";
            session_token?: components["schemas"]["SessionToken"];
        };
        ProviderRedirect: {
            /** @description the provider's consent page: navigate the browser there; it comes back to /login/provider/callback */
            url: string;
        };
        ReauthCodeSent: {
            /** @description seconds the code stays valid */
            expires_in: number;
            /** @description the account's own phone or email the code went to, masked (`+86 138****0000`, `z***@example.com`) */
            sent_to: string;
        };
        Reauthenticated: {
            /**
             * Format: date-time
             * @description until when the next password change, deletion or contact change needs no password (the first of them spends it)
             */
            reauthenticated_until: string;
        };
        Revoked: {
            revoked: number;
        };
        SessionList: {
            /** @description cursor of the next page; null on the last page */
            next_cursor: string | null;
            sessions: components["schemas"]["SessionSummary"][];
        };
        SessionState: {
            /** @constant */
            authenticated: true;
            /** @description Token mode, password sign-in only: keep it and send it as `X-Device-Token` on later password sign-ins. */
            device_token?: string;
            /**
             * Format: date-time
             * @description when the session ends unless used again (idle window), capped by the absolute limit
             */
            expires_at: string;
            session_token?: components["schemas"]["SessionToken"];
            user: components["schemas"]["User"];
        };
        SessionSummary: {
            /**
             * Format: date-time
             * @description when the session was created
             */
            created_at: string;
            current: boolean;
            device: string;
            /** @description public id (not the session id) */
            id: string;
            ip?: string;
            /** @enum {string} */
            kind: "browser" | "token";
            /**
             * Format: date-time
             * @description when the session was last used
             */
            last_seen_at: string;
        };
        /** @description Token mode only: send it as `Authorization: Session <session_token>` from now on. */
        SessionToken: string;
        SignedOut: {
            /** @constant */
            authenticated: false;
        };
        SignInEntry: {
            /**
             * Format: date-time
             * @description when the sign-in happened
             */
            created_at: string;
            /** @description signed in with this session's device */
            current: boolean;
            /** @description a short label from the User-Agent CloudBase recorded */
            device: string;
            id: string;
            /** @description the address CloudBase recorded ("" when none) */
            ip: string;
        };
        SignInHistory: {
            entries: components["schemas"]["SignInEntry"][];
            /** @description cursor of the next (older) page; null on the last page */
            next_cursor: string | null;
        };
        User: {
            anonymous: boolean;
            email: string | null;
            name: string | null;
            /** @description CloudBase form: "+86 13800000000" */
            phone_number: string | null;
            picture: string | null;
            sub: string;
            username: string | null;
        };
    };
    responses: {
        /** @description CloudBase (or a proxied backend) answered with an error or could not be reached (`upstream_error`, `gateway_misconfigured`, `upstream_unreachable`). */
        BadGateway: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Malformed JSON (`invalid_json`), a body that breaks its schema (`invalid_input`, with `field`), a wrong or expired code (`invalid_code`, `invalid_code_format`), an invalid phone (`invalid_phone`), an invalid email (`invalid_input`, field `email`), a weak password (`weak_password`), sign-up without the consent the gateway asks for (`consent_required`, field `consent`), or a captcha to solve (`captcha_required`, `captcha_wrong`: `captcha` is set; retry with `captcha_answer`); a used or expired provider code or token (`provider_code_invalid`); a provider start in token mode (`token_mode_unsupported`). */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The flow step expired or was never started (`flow_expired`), or the account or username exists (`already_exists`, `username_taken`), or a new phone or email belongs to another account (`contact_taken`), or a provider identity another account has (`provider_bind_refused`). */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description `csrf_failed` (a cookie-mode write without `X-CSRF: 1`, or from another origin), or an account state CloudBase refuses (`account_blocked`, `account_pending`, `method_disabled`, `phone_required`, `provider_signup_required`, …). */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description CloudBase or a proxied backend took too long (`upstream_timeout`). */
        GatewayTimeout: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The gateway failed (`internal`). */
        Internal: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No such route (`not_found`), or no such session of this user (`session_not_found`), or a provider this gateway does not offer (`provider_unknown`). */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The body is over 16 kB (`payload_too_large`). */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Too many attempts or codes (`rate_limited`, `too_many_attempts`, `resend_too_soon`); see `Retry-After`. */
        TooManyRequests: {
            headers: {
                /** @description seconds to wait before trying again */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Not signed in (`not_signed_in`), the session ended (`session_expired`), or wrong credentials (`login_failed`, `ticket_invalid`). */
        Unauthorized: {
            headers: {
                /** @description `Session realm="api"` on every 401: a token-mode app signs in again and sends `Authorization: Session <session_token>`; a cookie client signs in again (the cookie follows by itself). */
                "WWW-Authenticate"?: "Session realm=\"api\"";
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Sessions or CloudBase are unavailable right now (`store_unavailable`, `upstream_unavailable`); see `Retry-After`. */
        Unavailable: {
            headers: {
                /** @description seconds to wait before trying again */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description A body that is not `application/json` (`unsupported_media_type`). */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: {
        /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
        XCSRF: "1";
        /** @description Token mode: the `device_token` of an earlier password sign-in on this device (any other value counts as none). */
        XDeviceToken: string;
        /** @description `token`: answer with `session_token` in the body and set no cookie. */
        XSessionMode: "token";
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getOpenApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OpenAPI 3.1 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        openapi: "3.1.0";
                        paths: Record<string, never>;
                    };
                };
            };
            500: components["responses"]["Internal"];
            503: components["responses"]["Unavailable"];
        };
    };
    proxyGet: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                /** @description the rest of the path, any number of segments */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            502: components["responses"]["BadGateway"];
            504: components["responses"]["GatewayTimeout"];
            /** @description The backend's answer (status and body as they are; headers as described above) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    proxyPut: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path: {
                name: string;
                /** @description the rest of the path, any number of segments */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            502: components["responses"]["BadGateway"];
            504: components["responses"]["GatewayTimeout"];
            /** @description The backend's answer (status and body as they are; headers as described above) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    proxyPost: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path: {
                name: string;
                /** @description the rest of the path, any number of segments */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            502: components["responses"]["BadGateway"];
            504: components["responses"]["GatewayTimeout"];
            /** @description The backend's answer (status and body as they are; headers as described above) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    proxyDelete: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path: {
                name: string;
                /** @description the rest of the path, any number of segments */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            502: components["responses"]["BadGateway"];
            504: components["responses"]["GatewayTimeout"];
            /** @description The backend's answer (status and body as they are; headers as described above) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    proxyPatch: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path: {
                name: string;
                /** @description the rest of the path, any number of segments */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            502: components["responses"]["BadGateway"];
            504: components["responses"]["GatewayTimeout"];
            /** @description The backend's answer (status and body as they are; headers as described above) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    getSession: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed in */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionState"];
                };
            };
            /** @description Signed out */
            401: {
                headers: {
                    /** @description `Session realm="api"` on every 401: a token-mode app signs in again and sends `Authorization: Session <session_token>`; a cookie client signs in again (the cookie follows by itself). */
                    "WWW-Authenticate"?: "Session realm=\"api\"";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SignedOut"];
                };
            };
            500: components["responses"]["Internal"];
            503: components["responses"]["Unavailable"];
        };
    };
    signOut: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed out (also when no one was signed in) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["Internal"];
            503: components["responses"]["Unavailable"];
        };
    };
    signInAnonymously: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description Signed in as a guest */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionState"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    sendCode: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the characters of the captcha picture, when the last answer asked for one */
                    captcha_answer?: string;
                    /** @description an email address (the code goes by mail) */
                    email?: string;
                    /** @description a mainland China mobile number, as typed (the code goes by SMS) */
                    phone_number?: string;
                    /** @enum {string} */
                    purpose: "signup" | "login" | "reset";
                };
            };
        };
        responses: {
            /** @description Code sent */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CodeSent"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    verifyCode: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the characters of the captcha picture, when the last answer asked for one */
                    captcha_answer?: string;
                    /** @description the 6-digit code from the SMS or the mail */
                    verification_code: string;
                };
            };
        };
        responses: {
            /** @description Signed in, or the next step */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionState"] | components["schemas"]["NextStep"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    sendContactCode: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the characters of the captcha picture, when the last answer asked for one */
                    captcha_answer?: string;
                    /** @description the new email address */
                    email?: string;
                    /** @description the new mainland China mobile number, as typed */
                    phone_number?: string;
                };
            };
        };
        responses: {
            /** @description Code sent */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContactCodeSent"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    verifyContactChange: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the characters of the captcha picture, when the last answer asked for one */
                    captcha_answer?: string;
                    /** @description the current password, proved again; leave it out after re-authenticating by a code to the current phone or email */
                    password?: string;
                    /** @description the 6-digit code sent to the new contact */
                    verification_code: string;
                };
            };
        };
        responses: {
            /** @description Changed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionState"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    deleteAccount: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @description the current password; leave it out after re-authenticating by a code (an account without a password must) */
                    password?: string;
                };
            };
        };
        responses: {
            /** @description Deleted and signed out */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getSignInHistory: {
        parameters: {
            query?: {
                /** @description `next_cursor` of the previous page; absent for the first */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of sign-ins */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SignInHistory"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    signIn: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description Token mode: the `device_token` of an earlier password sign-in on this device (any other value counts as none). */
                "X-Device-Token"?: components["parameters"]["XDeviceToken"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the characters of the captcha picture, when the last answer asked for one */
                    captcha_answer?: string;
                    password: string;
                    /** @description username, email or phone number */
                    username: string;
                };
            };
        };
        responses: {
            /** @description Signed in (a new session id) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionState"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    changePassword: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the new password */
                    new_password: string;
                    /** @description the current password; leave it out after re-authenticating by a code (an account without a password must) */
                    old_password?: string;
                };
            };
        };
        responses: {
            /** @description Changed; signed in again */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionState"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    resetPassword: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the characters of the captcha picture, when the last answer asked for one */
                    captcha_answer?: string;
                    new_password: string;
                };
            };
        };
        responses: {
            /** @description Password changed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    signInWithProviderCode: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the code the provider gave the app (native apps, WeChat mini programs) */
                    code: string;
                    /** @description CloudBase `provider_code_type`, e.g. `open_id`, `union_id`, `phone` */
                    code_type?: string;
                    /** @description a CloudBase provider id this gateway offers (AUTH_PROVIDERS), e.g. `wx_open` */
                    provider_id: string;
                };
            };
        };
        responses: {
            /** @description Signed in (a new session id) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionState"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    startProviderSignIn: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description a CloudBase provider id this gateway offers (AUTH_PROVIDERS), e.g. `wx_open` */
                    provider_id: string;
                    /** @description same-origin path to land on after the callback (anything else lands on `/`) */
                    returnTo?: string;
                };
            };
        };
        responses: {
            /** @description Where to navigate */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProviderRedirect"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    sendReauthCode: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @description the characters of the captcha picture, when the last answer asked for one */
                    captcha_answer?: string;
                };
            };
        };
        responses: {
            /** @description Code sent */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReauthCodeSent"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    verifyReauthCode: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the characters of the captcha picture, when the last answer asked for one */
                    captcha_answer?: string;
                    /** @description the 6-digit code sent to the account's own phone or email */
                    verification_code: string;
                };
            };
        };
        responses: {
            /** @description Re-authenticated */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Reauthenticated"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    signUp: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @description the characters of the captcha picture, when the last answer asked for one */
                    captcha_answer?: string;
                    /** @description true once the person accepted the terms and privacy policy; required (else 400 `consent_required`, field `consent`) when the gateway shows them, i.e. TERMS_URL or PRIVACY_URL is set */
                    consent?: boolean;
                    name?: string;
                    password?: string;
                    username?: string;
                };
            };
        };
        responses: {
            /** @description Account created and signed in (a new session id) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionState"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    sendSmsCode: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the characters of the captcha picture, when the last answer asked for one */
                    captcha_answer?: string;
                    /** @description a mainland China mobile number, as typed */
                    phone_number: string;
                    /** @enum {string} */
                    purpose: "signup" | "login" | "reset";
                };
            };
        };
        responses: {
            /** @description Code sent */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CodeSent"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    verifySmsCode: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the characters of the captcha picture, when the last answer asked for one */
                    captcha_answer?: string;
                    /** @description the 6-digit code from the SMS */
                    verification_code: string;
                };
            };
        };
        responses: {
            /** @description Signed in, or the next step */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionState"] | components["schemas"]["NextStep"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    signInWithTicket: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description a ticket minted by the app's backend with `@cloudbase/node-sdk` `createTicket(uid)` */
                    ticket: string;
                };
            };
        };
        responses: {
            /** @description Signed in (a new session id) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionState"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    editProfile: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    gender?: "MALE" | "FEMALE";
                    /** @description display name; "" empties it */
                    name?: string;
                    /** @description an http(s) address of the picture; "" empties it */
                    picture?: string;
                    /** @description 2–48 letters, digits and -_.:+ @, starting with a letter or digit; a taken one is 409 `username_taken` */
                    username?: string;
                };
            };
        };
        responses: {
            /** @description Saved */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionState"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["Internal"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["Unavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    listSessions: {
        parameters: {
            query?: {
                /** @description `next_cursor` of the previous page; absent for the first */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of sessions */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            500: components["responses"]["Internal"];
            503: components["responses"]["Unavailable"];
        };
    };
    endSession: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path: {
                /** @description `id` from the list */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ended */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["Internal"];
            503: components["responses"]["Unavailable"];
        };
    };
    signOutEverywhere: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed out everywhere */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["Internal"];
            503: components["responses"]["Unavailable"];
        };
    };
    revokeOtherSessions: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required (value `1`) on every state-changing call that is not in token mode; an `Origin` must then be this site's, and `Sec-Fetch-Site` same-origin or none. Otherwise 403 `csrf_failed`. */
                "X-CSRF"?: components["parameters"]["XCSRF"];
                /** @description `token`: answer with `session_token` in the body and set no cookie. */
                "X-Session-Mode"?: components["parameters"]["XSessionMode"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description How many were ended */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Revoked"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["Internal"];
            503: components["responses"]["Unavailable"];
        };
    };
    getCaptchaImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description `captcha.id` of the error */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The picture */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/gif": string;
                    "image/jpeg": string;
                    "image/png": string;
                    "image/svg+xml": string;
                };
            };
            /** @description No captcha of this id in this session (an HTML error page) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
        };
    };
    renewCaptchaImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description `captcha.id` of the error */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A new challenge is in place */
            303: {
                headers: {
                    /** @description `/captcha/{id}` */
                    Location?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No captcha of this id in this session (an HTML error page) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            /** @description CloudBase could not give a new picture: an HTML error page (5xx) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
        };
    };
}
