import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCloudbaseClient, type CallInfo, type CloudbaseClient } from '../../src/cloudbase/client.js';
import { CloudbaseError, UpstreamUnavailableError } from '../../src/cloudbase/errors.js';
import type { CallContext, TokenResponse } from '../../src/cloudbase/types.js';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';
import { freePort } from '../support/redis-server.js';

const CLIENT_ID = 'client-test';
const CLIENT_SECRET = 'client-secret-for-tests-0123456789';
const DEVICE_ID = 'device-0123456789abcdef';
const PASSWORD = 'Passw0rd!first';
const NEW_PASSWORD = 'Passw0rd!second';

function ctx(extra: Partial<CallContext> = {}): CallContext {
  return { requestId: `req-${randomUUID()}`, deviceId: DEVICE_ID, ...extra };
}

/** Awaits a call that must fail with CloudbaseError `error` and `status`, carrying the call's request id. */
async function expectCloudbaseError(call: (c: CallContext) => Promise<unknown>, error: string, status: number): Promise<CloudbaseError> {
  const c = ctx();
  const err: unknown = await call(c).then(
    () => new Error(`expected CloudBase error "${error}", but the call succeeded`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloudbaseError);
  const ce = err as CloudbaseError;
  expect({ error: ce.error, status: ce.status, requestId: ce.requestId }).toEqual({ error, status, requestId: c.requestId });
  expect(typeof ce.description).toBe('string');
  return ce;
}

async function expectUnavailable(promise: Promise<unknown>, reason: UpstreamUnavailableError['reason'], requestId?: string) {
  const err: unknown = await promise.then(
    () => new Error(`expected UpstreamUnavailableError "${reason}", but the call succeeded`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamUnavailableError);
  expect((err as UpstreamUnavailableError).reason).toBe(reason);
  if (requestId) expect((err as UpstreamUnavailableError).requestId).toBe(requestId);
  return err as UpstreamUnavailableError;
}

function expectTokens(t: TokenResponse) {
  expect(t).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), expires_in: expect.any(Number), sub: expect.any(String) });
}

// ---------------------------------------------------------------------------------------------------------------------
// Against the emulator

describe('CloudBase client against the emulator', () => {
  let emu: RunningEmulator;
  let client: CloudbaseClient;
  let calls: CallInfo[];

  async function control(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${emu.url}/__emulator${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`control ${method} ${path} → ${res.status} ${await res.text()}`);
    return res.json();
  }
  const configure = (patch: Record<string, unknown>) => control('PUT', '/config', patch);
  const seedUser = (user: Record<string, string>) => control('POST', '/users', user);
  async function smsCode(phone: string): Promise<string> {
    const body = (await control('GET', `/sms?phone_number=${encodeURIComponent(phone)}`)) as { verification_code: string };
    return body.verification_code;
  }
  async function callCount(key: string): Promise<number> {
    const { calls: counts } = (await control('GET', '/stats')) as { calls: Record<string, number> };
    return counts[key] ?? 0;
  }
  /** Sends a code to `phone` and exchanges it for a verification token. */
  async function verificationToken(phone: string, target: 'ANY' | 'USER' = 'ANY') {
    const sent = await client.sendVerification(ctx(), { phone_number: phone, target });
    const { verification_token } = await client.verify(ctx(), {
      verification_id: sent.verification_id,
      verification_code: await smsCode(phone),
    });
    return { verification_token, is_user: sent.is_user };
  }
  async function signedIn(username = 'alice'): Promise<TokenResponse> {
    await seedUser({ username, password: PASSWORD, phone_number: '+86 13800000001', email: 'alice@example.com', name: 'Alice' });
    return client.signInWithPassword(ctx(), { username, password: PASSWORD });
  }

  beforeAll(async () => {
    emu = await startTestEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  });
  afterAll(() => emu.close());
  beforeEach(async () => {
    await control('POST', '/reset');
    calls = [];
    client = createCloudbaseClient({
      apiOrigin: emu.url,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      timeoutMs: 2000,
      onCall: (info) => calls.push(info),
    });
  });

  describe("the cheat-sheet's seven scenarios, on the documented paths", () => {
    it('1. signs in with a username, an email or a +86 phone and a password', async () => {
      const alice = await signedIn();
      expectTokens(alice);
      expect(alice.refresh_token).toEqual(expect.any(String));
      for (const username of ['alice@example.com', '+86 13800000001']) {
        expect((await client.signInWithPassword(ctx(), { username, password: PASSWORD })).sub).toBe(alice.sub);
      }
    });

    it('2. signs up by SMS: send, verify, sign up', async () => {
      const phone = '+86 13800000002';
      const sent = await client.sendVerification(ctx(), { phone_number: phone, target: 'ANY' });
      expect(sent).toEqual({ verification_id: expect.any(String), expires_in: expect.any(Number), is_user: false });
      const code = await smsCode(phone);
      const verified = await client.verify(ctx(), { verification_id: sent.verification_id, verification_code: code });
      expect(verified).toEqual({ verification_token: expect.any(String), expires_in: expect.any(Number) });
      const tokens = await client.signUp(ctx(), {
        phone_number: phone,
        verification_code: code,
        verification_token: verified.verification_token,
        name: '手机用户',
        password: PASSWORD,
        username: 'phoneuser',
      });
      expectTokens(tokens);
      const me = await client.getUser(ctx(), tokens.access_token);
      expect(me).toMatchObject({ sub: tokens.sub, phone_number: phone, name: '手机用户', username: 'phoneuser' });
    });

    it('3. signs in anonymously, one user per device id', async () => {
      const first = await client.signInAnonymously(ctx());
      expectTokens(first);
      expect(first.scope).toBe('anonymous');
      expect((await client.signInAnonymously(ctx())).sub).toBe(first.sub);
      expect((await client.signInAnonymously(ctx({ deviceId: 'another-device-0123456789' }))).sub).not.toBe(first.sub);
    });

    it('4. refreshes, and the old refresh token stops working', async () => {
      const alice = await signedIn();
      const next = await client.refreshToken(ctx(), alice.refresh_token ?? '');
      expectTokens(next);
      expect(next.sub).toBe(alice.sub);
      expect(next.refresh_token).not.toBe(alice.refresh_token);
      await expectCloudbaseError((c) => client.refreshToken(c, alice.refresh_token ?? ''), 'invalid_grant', 400);
    });

    it('5. introspects an access token with it as Bearer', async () => {
      const alice = await signedIn();
      expect(await client.introspect(ctx(), alice.access_token)).toMatchObject({ sub: alice.sub, client_id: CLIENT_ID });
      expect(await client.introspect(ctx(), 'not-a-token')).toEqual({});
    });

    it('6. revokes: the token introspects as {} and the refresh token is dead', async () => {
      const alice = await signedIn();
      await expect(client.revoke(ctx(), alice.access_token)).resolves.toBeUndefined();
      expect(await client.introspect(ctx(), alice.access_token)).toEqual({});
      await expectCloudbaseError((c) => client.refreshToken(c, alice.refresh_token ?? ''), 'invalid_grant', 400);
    });

    it('7. reads the user, changes the password with a sudo token, lists providers, deletes the account', async () => {
      const alice = await signedIn();
      expect(await client.getUser(ctx(), alice.access_token)).toMatchObject({ sub: alice.sub, username: 'alice', email: 'alice@example.com' });

      const { sudo_token } = await client.sudo(ctx(), alice.access_token, { password: PASSWORD });
      await client.changePassword(ctx(), alice.access_token, { sudo_token, new_password: NEW_PASSWORD, old_password: PASSWORD });
      const again = await client.signInWithPassword(ctx(), { username: 'alice', password: NEW_PASSWORD });

      const providers = await client.getProviders(ctx(), again.access_token);
      expect(providers.data).toEqual(expect.any(Array));

      const sudo = await client.sudo(ctx(), again.access_token, { password: NEW_PASSWORD });
      await expect(client.deleteMe(ctx(), again.access_token, sudo.sudo_token)).resolves.toBeUndefined();
      await expectCloudbaseError((c) => client.signInWithPassword(c, { username: 'alice', password: NEW_PASSWORD }), 'not_found', 404);
    });

    it('calls no cheat-sheet alias', async () => {
      const alice = await signedIn();
      await client.signInAnonymously(ctx());
      await client.introspect(ctx(), alice.access_token);
      await client.getProviders(ctx(), alice.access_token);
      const { calls: counts } = (await control('GET', '/stats')) as { calls: Record<string, number> };
      expect(Object.keys(counts)).not.toContain('POST /auth/v1/signin-anonymously');
      expect(Object.keys(counts)).not.toContain('GET /auth/v1/user/providers');
      expect(counts['POST /auth/v1/signin/anonymously']).toBe(1);
      expect(counts['GET /auth/v1/user/provider']).toBe(1);
    });
  });

  describe('when each typed call meets an error', () => {
    it('a password sign-in meets invalid_password, not_found, invalid_argument', async () => {
      await signedIn();
      const e = await expectCloudbaseError((c) => client.signInWithPassword(c, { username: 'alice', password: 'Wrong-pass1' }), 'invalid_password', 400);
      expect(e.description).toBe('wrong password');
      await expectCloudbaseError((c) => client.signInWithPassword(c, { username: 'nobody', password: PASSWORD }), 'not_found', 404);
      await expectCloudbaseError((c) => client.signInWithPassword(c, { username: 'alice', password: '' }), 'invalid_argument', 400);
    });

    it('a sign-in by verification token signs an existing user in; a bad token is invalid_argument', async () => {
      const alice = await signedIn();
      const { verification_token, is_user } = await verificationToken('+86 13800000001');
      expect(is_user).toBe(true);
      const t = await client.signInWithVerificationToken(ctx(), { verification_token, username: '+86 13800000001' });
      expect(t.sub).toBe(alice.sub);
      await expectCloudbaseError((c) => client.signInWithVerificationToken(c, { verification_token: 'bogus' }), 'invalid_argument', 400);
    });

    it('a sign-up with an existing phone is already_exists, with a weak password weak_password', async () => {
      await seedUser({ phone_number: '+86 13800000003' });
      const { verification_token } = await verificationToken('+86 13800000003');
      await expectCloudbaseError((c) => client.signUp(c, { phone_number: '+86 13800000003', verification_token }), 'already_exists', 409);
      const fresh = await verificationToken('+86 13800000004');
      await expectCloudbaseError(
        (c) => client.signUp(c, { phone_number: '+86 13800000004', verification_token: fresh.verification_token, password: 'short' }),
        'weak_password',
        400,
      );
    });

    it('asking for a code meets invalid_phone_number, user_not_found for target USER, resource_exhausted on resend', async () => {
      await expectCloudbaseError((c) => client.sendVerification(c, { phone_number: '13800000005', target: 'ANY' }), 'invalid_phone_number', 400);
      await expectCloudbaseError((c) => client.sendVerification(c, { phone_number: '+86 13800000005', target: 'USER' }), 'user_not_found', 404);
      await client.sendVerification(ctx(), { phone_number: '+86 13800000005', target: 'ANY' });
      const limited = await expectCloudbaseError((c) => client.sendVerification(c, { phone_number: '+86 13800000005', target: 'ANY' }), 'resource_exhausted', 429);
      expect(limited.retryAfterS).toBeGreaterThan(0);
    });

    it('asking for a code for target CUR_USER carries a Bearer', async () => {
      const alice = await signedIn();
      const sent = await client.sendVerification(ctx(), { phone_number: '+86 13800000001', target: 'CUR_USER' }, alice.access_token);
      expect(sent.verification_id).toEqual(expect.any(String));
    });

    it('a wrong code is invalid_verification_code', async () => {
      const sent = await client.sendVerification(ctx(), { phone_number: '+86 13800000006', target: 'ANY' });
      const right = await smsCode('+86 13800000006');
      const wrong = right === '000000' ? '111111' : '000000';
      const e = await expectCloudbaseError((c) => client.verify(c, { verification_id: sent.verification_id, verification_code: wrong }), 'invalid_verification_code', 400);
      expect(e.message).not.toContain(wrong);
    });

    it('an anonymous sign-in with a too-short device id is invalid_argument', async () => {
      const c = ctx({ deviceId: 'short' });
      await expect(client.signInAnonymously(c)).rejects.toMatchObject({ error: 'invalid_argument', status: 400, requestId: c.requestId });
    });

    it('an unknown refresh token is invalid_grant', async () => {
      await expectCloudbaseError((c) => client.refreshToken(c, 'm.unknown'), 'invalid_grant', 400);
    });

    it('reading the user with a bad access token is unauthenticated', async () => {
      await expectCloudbaseError((c) => client.getUser(c, 'not-a-token'), 'unauthenticated', 401);
    });

    it('listing providers with a bad access token is unauthenticated', async () => {
      await expectCloudbaseError((c) => client.getProviders(c, 'not-a-token'), 'unauthenticated', 401);
    });

    it('revoking an unknown token is not an error', async () => {
      // The client sends the token as Bearer and in the body; the emulator, like RFC 7009, ignores unknown body tokens.
      await expect(client.revoke(ctx(), 'not-a-token')).resolves.toBeUndefined();
    });

    it('asking for sudo with a wrong password is invalid_password; a verification token works too', async () => {
      const alice = await signedIn();
      await expectCloudbaseError((c) => client.sudo(c, alice.access_token, { password: 'Wrong-pass1' }), 'invalid_password', 400);
      const { verification_token } = await verificationToken('+86 13800000001');
      const sudo = await client.sudo(ctx(), alice.access_token, { verification_token });
      expect(sudo).toEqual({ sudo_token: expect.any(String), expires_in: expect.any(Number) });
    });

    it('a password change with a bad sudo token is permission_denied, with a weak password weak_password', async () => {
      const alice = await signedIn();
      await expectCloudbaseError(
        (c) => client.changePassword(c, alice.access_token, { sudo_token: 'bogus', new_password: NEW_PASSWORD }),
        'permission_denied',
        403,
      );
      const { sudo_token } = await client.sudo(ctx(), alice.access_token, { password: PASSWORD });
      await expectCloudbaseError((c) => client.changePassword(c, alice.access_token, { sudo_token, new_password: 'weak' }), 'weak_password', 400);
    });

    it('deleting the account with a bad sudo token is permission_denied', async () => {
      const alice = await signedIn();
      const e = await expectCloudbaseError((c) => client.deleteMe(c, alice.access_token, 'bogus'), 'permission_denied', 403);
      expect(e.description).toBe('bad sudo token');
    });

    it('a reset with a verification token resets; a missing contact is invalid_argument', async () => {
      await signedIn();
      const { verification_token } = await verificationToken('+86 13800000001', 'USER');
      await expect(
        client.resetPassword(ctx(), { phone_number: '+86 13800000001', new_password: NEW_PASSWORD, verification_token }),
      ).resolves.toBeUndefined();
      await expect(client.signInWithPassword(ctx(), { username: 'alice', password: NEW_PASSWORD })).resolves.toMatchObject({ sub: expect.any(String) });
      await expectCloudbaseError(
        (c) => client.resetPassword(c, { new_password: NEW_PASSWORD, verification_token } as never),
        'invalid_argument',
        400,
      );
    });

    it('when a captcha is required, solving it and retrying with the captcha token signs in', async () => {
      await signedIn();
      await configure({ fail: { 'POST /auth/v1/signin': 'captcha_required' } });
      await expectCloudbaseError((c) => client.signInWithPassword(c, { username: 'alice', password: PASSWORD }), 'captcha_required', 400);

      const captcha = await client.getCaptcha(ctx());
      expect(captcha).toMatchObject({ data: expect.stringMatching(/^data:image\//), type: 'image', token: expect.any(String), expires_in: expect.any(Number) });
      await expectCloudbaseError((c) => client.verifyCaptcha(c, { token: captcha.token, key: 'WRONG' }), 'invalid_captcha', 400);

      const second = await client.getCaptcha(ctx());
      const { key } = (await control('GET', `/captcha?token=${encodeURIComponent(second.token)}`)) as { key: string };
      const { captcha_token } = await client.verifyCaptcha(ctx(), { token: second.token, key });
      const t = await client.signInWithPassword(ctx({ captchaToken: captcha_token }), { username: 'alice', password: PASSWORD });
      expectTokens(t);
    });
  });

  describe('providers, tickets and account (issues 13 and 14)', () => {
    const CALLBACK = 'http://app.example.test/login/provider/callback';

    /** The person on the emulator's authorize page, approving. */
    async function approve(uri: string): Promise<URLSearchParams> {
      const page = new URL(uri);
      const res = await fetch(`${page.origin}${page.pathname}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ redirect_uri: CALLBACK, state: 'st', sub: 'gh-42', name: 'Octo', decision: 'approve' }),
      });
      return new URL(res.headers.get('location') ?? '').searchParams;
    }

    async function providerToken(provider_id = 'github'): Promise<string> {
      const { uri } = await client.getProviderUri(ctx(), { provider_id, redirect_uri: CALLBACK, state: 'st' });
      const code = (await approve(uri)).get('code') ?? '';
      const res = await client.grantProviderToken(ctx(), { provider_id, provider_code: code, provider_redirect_uri: CALLBACK });
      expect(res.provider_profile).toMatchObject({ provider_id, sub: 'gh-42', name: 'Octo' });
      return res.provider_token;
    }

    it('provider sign-in, then bind, list and unbind', async () => {
      const tokens = await client.signInWithProvider(ctx(), { provider_token: await providerToken() });
      expectTokens(tokens);
      await client.bindProvider(ctx(), tokens.access_token, await providerToken('google'));
      const bound = (await client.getProviders(ctx(), tokens.access_token)).data.filter((p) => p.bind).map((p) => p.id);
      expect(bound.sort()).toEqual(['github', 'google']);
      await client.unbindProvider(ctx(), tokens.access_token, 'google');
      await expectCloudbaseError((c) => client.unbindProvider(c, tokens.access_token, 'google'), 'provider_not_found', 404);
      await expectCloudbaseError((c) => client.grantProviderToken(c, { provider_id: 'github', provider_code: 'nope', provider_redirect_uri: CALLBACK }), 'invalid_grant', 400);
      await expectCloudbaseError(
        (c) => client.signInWithProvider(c, { provider_token: 'pt.unknown', force_disable_sign_up: true }),
        'invalid_grant',
        400,
      );
    });

    it('sign-up with a provider token and an anonymous token keeps the guest sub', async () => {
      const guest = await client.signInAnonymously(ctx());
      const token = await providerToken('wx_open');
      await expectCloudbaseError((c) => client.signInWithProvider(c, { provider_token: token, force_disable_sign_up: true }), 'not_found', 404);
      const user = await client.signUp(ctx(), {
        phone_number: '+86 13800000077',
        verification_token: (await verificationToken('+86 13800000077')).verification_token,
        provider_token: token,
        anonymous_token: guest.access_token,
      });
      expect(user.sub).toBe(guest.sub);
      expect((await client.signInWithProvider(ctx(), { provider_token: token })).sub).toBe(guest.sub);
    });

    it('custom ticket: a forged one is refused', async () => {
      await expectCloudbaseError((c) => client.signInWithTicket(c, 'nokey/@@/a.b.c'), 'invalid_grant', 400);
    });

    it('profile, username check, contact change, history and one device', async () => {
      const alice = await signedIn();
      await client.editBasicInfo(ctx(), alice.access_token, { nickname: 'Ally', username: 'ally', gender: 'FEMALE' });
      expect(await client.getUser(ctx(), alice.access_token)).toMatchObject({ name: 'Ally', username: 'ally', gender: 'FEMALE' });
      expect(await client.checkUsername(ctx(), 'ally')).toEqual({ exist: true });

      const { sudo_token } = await client.sudo(ctx(), alice.access_token, { password: PASSWORD });
      const newPhone = '+86 13900000001';
      await client.editContact(ctx(), alice.access_token, {
        phone_number: newPhone,
        verification_token: (await verificationToken(newPhone)).verification_token,
        sudo_token,
      });
      expect((await client.getUser(ctx(), alice.access_token)).phone_number).toBe(newPhone);

      const other = await client.signInWithPassword(ctx({ deviceId: 'device-other-0123456789' }), { username: 'ally', password: PASSWORD });
      const first = await client.getSignInHistory(ctx(), alice.access_token, { limit: 1 });
      expect(first.data).toEqual([expect.objectContaining({ device_id: 'device-other-0123456789' })]);
      const next = await client.getSignInHistory(ctx(), alice.access_token, { limit: 1, page_token: first.next_page_token });
      expect(next.data).toEqual([expect.objectContaining({ device_id: DEVICE_ID })]);

      await client.revokeDevice(ctx(), alice.access_token, 'device-other-0123456789');
      expect(await client.introspect(ctx(), other.access_token)).toEqual({});
      expect((await client.introspect(ctx(), alice.access_token)).sub).toBe(alice.sub);
    });
  });

  describe('client credentials', () => {
    it('a wrong secret is invalid_client', async () => {
      const wrong = createCloudbaseClient({ apiOrigin: emu.url, clientId: CLIENT_ID, clientSecret: 'wrong', timeoutMs: 2000 });
      await signedIn();
      await expectCloudbaseError((c) => wrong.signInWithPassword(c, { username: 'alice', password: PASSWORD }), 'invalid_client', 401);
      await expectCloudbaseError((c) => wrong.refreshToken(c, 'm.whatever'), 'invalid_client', 401);
    });

    it('a wrong client id is invalid_client', async () => {
      const wrong = createCloudbaseClient({ apiOrigin: emu.url, clientId: 'other', clientSecret: CLIENT_SECRET, timeoutMs: 2000 });
      await expectCloudbaseError((c) => wrong.signInAnonymously(c), 'invalid_client', 401);
    });
  });

  describe('forced errors, latency and retries', () => {
    it('maps an error forced through the emulator config', async () => {
      await signedIn();
      await configure({ fail: { 'POST /auth/v1/signin': 'user_blocked' } });
      await expectCloudbaseError((c) => client.signInWithPassword(c, { username: 'alice', password: PASSWORD }), 'user_blocked', 403);
    });

    it('times out when latency exceeds the timeout, without retrying', async () => {
      const alice = await signedIn();
      await configure({ latency_ms: 600 });
      const slow = createCloudbaseClient({ apiOrigin: emu.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, timeoutMs: 200 });
      const c = ctx();
      const started = Date.now();
      await expectUnavailable(slow.signInWithPassword(c, { username: 'alice', password: PASSWORD }), 'timeout', c.requestId);
      await expectUnavailable(slow.getUser(ctx(), alice.access_token), 'timeout');
      expect(Date.now() - started).toBeLessThan(1500);
      expect(await callCount('POST /auth/v1/signin')).toBe(2); // signedIn() plus the timed-out one
      expect(await callCount('GET /auth/v1/user/me')).toBe(1);
    });

    it('retries a GET answered with 503, twice', async () => {
      const alice = await signedIn();
      await configure({ fail: { 'GET /auth/v1/user/me': 'unavailable' } });
      await expectCloudbaseError((c) => client.getUser(c, alice.access_token), 'unavailable', 503);
      expect(await callCount('GET /auth/v1/user/me')).toBe(3);
    });

    it('never retries a POST, even on 503', async () => {
      await configure({ fail: { 'POST /auth/v1/signin': 'unavailable', 'POST /auth/v1/token': 'unavailable' } });
      await expectCloudbaseError((c) => client.signInWithPassword(c, { username: 'alice', password: PASSWORD }), 'unavailable', 503);
      await expectCloudbaseError((c) => client.refreshToken(c, 'm.x'), 'unavailable', 503);
      expect(await callCount('POST /auth/v1/signin')).toBe(1);
      expect(await callCount('POST /auth/v1/token')).toBe(1);
    });

    it('does not retry a GET on other errors', async () => {
      await expectCloudbaseError((c) => client.getUser(c, 'not-a-token'), 'unauthenticated', 401);
      expect(await callCount('GET /auth/v1/user/me')).toBe(1);
    });
  });

  describe('when a call ends, what is reported', () => {
    it('reports method, endpoint, status, error and duration, and no secrets', async () => {
      const alice = await signedIn();
      await client.signInWithPassword(ctx(), { username: 'alice', password: 'Wrong-pass1' }).catch(() => undefined);
      const { sudo_token } = await client.sudo(ctx(), alice.access_token, { password: PASSWORD });
      await client.deleteMe(ctx(), alice.access_token, sudo_token);

      expect(calls.map(({ method, endpoint, status, error }) => ({ method, endpoint, status, error }))).toEqual([
        { method: 'POST', endpoint: '/signin', status: 200, error: undefined },
        { method: 'POST', endpoint: '/signin', status: 400, error: 'invalid_password' },
        { method: 'POST', endpoint: '/user/sudo', status: 200, error: undefined },
        { method: 'DELETE', endpoint: '/user/me', status: 200, error: undefined },
      ]);
      for (const info of calls) expect(info.durationMs).toBeGreaterThanOrEqual(0);
      const reported = JSON.stringify(calls);
      for (const secret of [PASSWORD, 'Wrong-pass1', alice.access_token, alice.refresh_token ?? '-', sudo_token]) {
        expect(reported).not.toContain(secret);
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Against a recording server: what goes on the wire, and answers the emulator never gives

interface Recorded {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  body: string;
}

const TOKEN_BODY = { token_type: 'Bearer', access_token: 'at', refresh_token: 'm.rt', expires_in: 7200, sub: 'u1' };
/** A body that satisfies every method's shape check, except the captcha image's string `data`. */
function happyReply(req: Recorded): Reply {
  if (req.url.pathname.endsWith('/captcha/data')) {
    return { status: 200, body: JSON.stringify({ data: 'data:image/png;base64,AA', type: 'image', token: 'ct', expires_in: 300 }) };
  }
  const body = { ...TOKEN_BODY, verification_id: 'vid', verification_token: 'vt', is_user: true, sudo_token: 'st', captcha_token: 'cap', total: 0, data: [], uri: 'http://provider.test/authorize', provider_token: 'pt', exist: false };
  return { status: 200, body: JSON.stringify(body) };
}

async function startRecorder(reply: (req: Recorded, index: number) => Reply = happyReply) {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: new URL(req.url ?? '/', 'http://recorder'), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      const { status, body } = reply(recorded, requests.length - 1);
      res.writeHead(status, { 'content-type': body.startsWith('<') ? 'text/html' : 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

type Recorder = Awaited<ReturnType<typeof startRecorder>>;

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('CloudBase client on the wire', () => {
  let rec: Recorder;
  let client: CloudbaseClient;

  beforeEach(async () => {
    rec = await startRecorder();
    client = createCloudbaseClient({ apiOrigin: `${rec.url}/`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, timeoutMs: 2000 });
  });
  afterEach(() => rec.close());

  const only = () => {
    expect(rec.requests).toHaveLength(1);
    return rec.requests[0] as Recorded;
  };
  const jsonBody = (r: Recorded) => JSON.parse(r.body) as Record<string, unknown>;

  const METHODS: [string, (c: CloudbaseClient, x: CallContext) => Promise<unknown>, string, string, 'basic' | 'bearer'][] = [
    ['signInWithPassword', (c, x) => c.signInWithPassword(x, { username: 'u', password: 'p' }), 'POST', '/signin', 'basic'],
    ['signInWithVerificationToken', (c, x) => c.signInWithVerificationToken(x, { verification_token: 'vt' }), 'POST', '/signin', 'basic'],
    ['signUp', (c, x) => c.signUp(x, { email: 'a@b.co', verification_token: 'vt' }), 'POST', '/signup', 'basic'],
    ['sendVerification', (c, x) => c.sendVerification(x, { phone_number: '+86 13800000000', target: 'ANY' }), 'POST', '/verification', 'basic'],
    ['sendVerification (CUR_USER)', (c, x) => c.sendVerification(x, { email: 'a@b.co', target: 'CUR_USER' }, 'AT'), 'POST', '/verification', 'bearer'],
    ['verify', (c, x) => c.verify(x, { verification_id: 'vid', verification_code: '123456' }), 'POST', '/verification/verify', 'basic'],
    ['signInAnonymously', (c, x) => c.signInAnonymously(x), 'POST', '/signin/anonymously', 'basic'],
    ['refreshToken', (c, x) => c.refreshToken(x, 'm.rt'), 'POST', '/token', 'basic'],
    ['introspect', (c, x) => c.introspect(x, 'AT'), 'GET', '/token/introspect', 'bearer'],
    ['revoke', (c, x) => c.revoke(x, 'AT'), 'POST', '/revoke', 'bearer'],
    ['getUser', (c, x) => c.getUser(x, 'AT'), 'GET', '/user/me', 'bearer'],
    ['sudo', (c, x) => c.sudo(x, 'AT', { password: 'p' }), 'POST', '/user/sudo', 'bearer'],
    ['changePassword', (c, x) => c.changePassword(x, 'AT', { sudo_token: 'ST', new_password: 'n' }), 'PATCH', '/user/password', 'bearer'],
    ['deleteMe', (c, x) => c.deleteMe(x, 'AT', 'ST'), 'DELETE', '/user/me', 'bearer'],
    ['resetPassword', (c, x) => c.resetPassword(x, { phone_number: '+86 13800000000', new_password: 'n', verification_token: 'vt' }), 'POST', '/reset', 'basic'],
    ['getProviders', (c, x) => c.getProviders(x, 'AT'), 'GET', '/user/provider', 'bearer'],
    ['getCaptcha', (c, x) => c.getCaptcha(x), 'POST', '/captcha/data', 'basic'],
    ['verifyCaptcha', (c, x) => c.verifyCaptcha(x, { token: 'ct', key: 'ABCD' }), 'POST', '/captcha/data/verify', 'basic'],
    ['getProviderUri', (c, x) => c.getProviderUri(x, { provider_id: 'github', redirect_uri: 'http://a.test/cb', state: 's' }), 'GET', '/provider/uri', 'basic'],
    ['grantProviderToken', (c, x) => c.grantProviderToken(x, { provider_id: 'github', provider_code: 'pc' }), 'POST', '/provider/token', 'basic'],
    ['signInWithProvider', (c, x) => c.signInWithProvider(x, { provider_token: 'pt' }), 'POST', '/signin/with/provider', 'basic'],
    ['signInWithTicket', (c, x) => c.signInWithTicket(x, 'kid/@@/jwt'), 'POST', '/signin/custom', 'basic'],
    ['bindProvider', (c, x) => c.bindProvider(x, 'AT', 'pt'), 'POST', '/user/provider/bind', 'bearer'],
    ['unbindProvider', (c, x) => c.unbindProvider(x, 'AT', 'wx_open'), 'DELETE', '/user/provider/wx_open', 'bearer'],
    ['editBasicInfo', (c, x) => c.editBasicInfo(x, 'AT', { nickname: 'n' }), 'POST', '/user/basic/edit', 'bearer'],
    ['checkUsername', (c, x) => c.checkUsername(x, 'alice'), 'GET', '/checkIfUserExist', 'basic'],
    ['editContact', (c, x) => c.editContact(x, 'AT', { email: 'a@b.co', verification_token: 'vt', sudo_token: 'st' }), 'PATCH', '/user/contact', 'bearer'],
    ['getSignInHistory', (c, x) => c.getSignInHistory(x, 'AT', { limit: 10 }), 'GET', '/user/security/history', 'bearer'],
    ['revokeDevice', (c, x) => c.revokeDevice(x, 'AT', 'device-1'), 'DELETE', '/user/authorized/devices/device-1', 'bearer'],
  ];

  describe.each(METHODS)('%s', (_name, invoke, method, path, auth) => {
    it(`calls ${method} /auth/v1${path} with the request id, device id, client_id and ${auth === 'basic' ? 'Basic' : 'Bearer (no Basic)'}`, async () => {
      const c = ctx();
      await invoke(client, c);
      const r = only();
      expect(r.method).toBe(method);
      expect(r.url.pathname).toBe(`/auth/v1${path}`);
      expect(r.headers['x-request-id']).toBe(c.requestId);
      expect(r.headers['x-device-id']).toBe(DEVICE_ID);
      expect(r.url.searchParams.get('client_id')).toBe(CLIENT_ID);
      expect(r.headers.authorization).toBe(auth === 'basic' ? basic(CLIENT_ID, CLIENT_SECRET) : 'Bearer AT');
      expect(r.headers['x-captcha-token']).toBeUndefined();
      expect(r.url.searchParams.has('captcha_token')).toBe(false);
      if (method !== 'GET' && method !== 'DELETE') expect(r.headers['content-type']).toMatch(/^application\/json/);
    });

    it('sends the captcha token as header x-captcha-token and as query captcha_token', async () => {
      await invoke(client, ctx({ captchaToken: 'CAPTCHA-TOKEN-1' }));
      const r = only();
      expect(r.headers['x-captcha-token']).toBe('CAPTCHA-TOKEN-1');
      expect(r.url.searchParams.get('captcha_token')).toBe('CAPTCHA-TOKEN-1');
    });
  });

  it('sends no Authorization on calls without a Bearer when no secret is configured', async () => {
    const noSecret = createCloudbaseClient({ apiOrigin: rec.url, clientId: CLIENT_ID, timeoutMs: 2000 });
    await noSecret.signInAnonymously(ctx());
    await noSecret.refreshToken(ctx(), 'm.rt');
    const [anon, refresh] = rec.requests as [Recorded, Recorded];
    expect(anon.headers.authorization).toBeUndefined();
    expect(anon.url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(jsonBody(refresh)).toEqual({ grant_type: 'refresh_token', refresh_token: 'm.rt', client_id: CLIENT_ID });
  });

  it('a refresh sends grant_type, the refresh token and the client credentials in the body', async () => {
    await client.refreshToken(ctx(), 'm.rt');
    expect(jsonBody(only())).toEqual({ grant_type: 'refresh_token', refresh_token: 'm.rt', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  });

  it('a revocation sends the token as Bearer and as body {token}', async () => {
    await client.revoke(ctx(), 'AT');
    const r = only();
    expect(r.headers.authorization).toBe('Bearer AT');
    expect(jsonBody(r)).toEqual({ token: 'AT' });
  });

  it('a password change sends the sudo token in the query and in the body', async () => {
    await client.changePassword(ctx(), 'AT', { sudo_token: 'ST', new_password: 'n', old_password: 'o' });
    const r = only();
    expect(r.url.searchParams.get('sudo_token')).toBe('ST');
    expect(jsonBody(r)).toEqual({ sudo_token: 'ST', new_password: 'n', old_password: 'o' });
  });

  it('an account deletion sends the sudo token in the query and no body', async () => {
    await client.deleteMe(ctx(), 'AT', 'ST');
    const r = only();
    expect(r.url.searchParams.get('sudo_token')).toBe('ST');
    expect(r.body).toBe('');
  });

  it('an anonymous sign-in posts {}', async () => {
    await client.signInAnonymously(ctx());
    expect(jsonBody(only())).toEqual({});
  });

  describe('answers the emulator never gives', () => {
    async function withReply(reply: (req: Recorded, index: number) => Reply) {
      await rec.close();
      rec = await startRecorder(reply);
      client = createCloudbaseClient({ apiOrigin: rec.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, timeoutMs: 2000 });
    }

    it('a 200 whose body carries `error` is a CloudbaseError with status 200', async () => {
      await withReply(() => ({ status: 200, body: '{"error":"captcha_required","error_code":4028,"error_description":"need captcha"}' }));
      const c = ctx();
      await expect(client.signInWithPassword(c, { username: 'u', password: 'p' })).rejects.toMatchObject({
        name: 'CloudbaseError', error: 'captcha_required', description: 'need captcha', status: 200, requestId: c.requestId,
      });
    });

    it('a gateway-style {code, message} body is a CloudbaseError', async () => {
      await withReply(() => ({ status: 401, body: '{"code":"INVALID_ACCESS_TOKEN","message":"expired"}' }));
      await expect(client.getUser(ctx(), 'AT')).rejects.toMatchObject({ error: 'INVALID_ACCESS_TOKEN', description: 'expired', status: 401 });
    });

    it('a token answer without access_token or expires_in is a bad_response', async () => {
      await withReply(() => ({ status: 200, body: '{"token_type":"Bearer","access_token":"at","sub":"u"}' }));
      const err = await expectUnavailable(client.signInAnonymously(ctx()), 'bad_response');
      expect(err.status).toBe(200);
    });

    it('a non-JSON 200 is a bad_response', async () => {
      await withReply(() => ({ status: 200, body: '<html>hello</html>' }));
      await expectUnavailable(client.verify(ctx(), { verification_id: 'v', verification_code: '1' }), 'bad_response');
    });

    it('an HTML 502 is a bad_response with the status, and a POST is not retried', async () => {
      await withReply(() => ({ status: 502, body: '<html>Bad Gateway</html>' }));
      const err = await expectUnavailable(client.signUp(ctx(), { email: 'a@b.co', verification_token: 'vt' }), 'bad_response');
      expect(err.status).toBe(502);
      expect(rec.requests).toHaveLength(1);
    });

    it('a GET answered 503 is retried and can succeed', async () => {
      await withReply((req, i) => (i === 0 ? { status: 503, body: '' } : happyReply(req)));
      await expect(client.getProviders(ctx(), 'AT')).resolves.toMatchObject({ data: [] });
      expect(rec.requests).toHaveLength(2);
      expect(rec.requests.map((r) => r.headers['x-request-id'])).toEqual([rec.requests[0]?.headers['x-request-id'], rec.requests[0]?.headers['x-request-id']]);
    });

    it('a GET answered 503 every time gives up after two retries; a 500 is not retried', async () => {
      await withReply(() => ({ status: 503, body: '<html>busy</html>' }));
      await expectUnavailable(client.introspect(ctx(), 'AT'), 'bad_response');
      expect(rec.requests).toHaveLength(3);

      await withReply(() => ({ status: 500, body: '' }));
      await expectUnavailable(client.getUser(ctx(), 'AT'), 'bad_response');
      expect(rec.requests).toHaveLength(1);
    });

    it('POST, PATCH and DELETE answered 503 are never retried', async () => {
      await withReply(() => ({ status: 503, body: '' }));
      await expectUnavailable(client.revoke(ctx(), 'AT'), 'bad_response');
      await expectUnavailable(client.changePassword(ctx(), 'AT', { sudo_token: 'ST', new_password: 'n' }), 'bad_response');
      await expectUnavailable(client.deleteMe(ctx(), 'AT', 'ST'), 'bad_response');
      expect(rec.requests.map((r) => r.method)).toEqual(['POST', 'PATCH', 'DELETE']);
    });

    it('error messages hold no tokens, passwords, codes or URLs', async () => {
      await withReply(() => ({ status: 502, body: '<html>oops</html>' }));
      const errors = await Promise.all([
        expectUnavailable(
          client.changePassword(ctx({ captchaToken: 'CAPTCHA-SECRET' }), 'AT-SECRET', { sudo_token: 'SUDO-SECRET', new_password: 'PW-SECRET' }),
          'bad_response',
        ),
        expectUnavailable(client.verify(ctx(), { verification_id: 'VID-SECRET', verification_code: '987654' }), 'bad_response'),
      ]);
      for (const e of errors) {
        expect(`${e.message} ${JSON.stringify(e)}`).not.toMatch(/SECRET|987654|http:|sudo_token|captcha_token/);
      }
    });
  });
});

describe('CloudBase client when the network fails', () => {
  it('connection refused is UpstreamUnavailableError reason network', async () => {
    const port = await freePort();
    const client = createCloudbaseClient({ apiOrigin: `http://127.0.0.1:${port}`, clientId: CLIENT_ID, timeoutMs: 1000 });
    const c = ctx();
    const err = await expectUnavailable(client.signInWithPassword(c, { username: 'u', password: 'p' }), 'network', c.requestId);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.status).toBeUndefined();
    await expectUnavailable(client.getUser(ctx(), 'AT'), 'network');
  });
});
