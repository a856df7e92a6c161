import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CloudbaseOAuth } from '@cloudbase/oauth';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';

/**
 * Tencent's own client (@cloudbase/oauth) pointed at the emulator. In Node it needs only a storage (it defaults to
 * window.localStorage); requests go through the global fetch.
 */

const CLIENT_ID = 'sdk-client';
const PASSWORD = 'Passw0rd!';

class MemoryStorage {
  private readonly items = new Map<string, string>();
  async getItem(key: string): Promise<string | null> {
    return this.getItemSync(key);
  }
  async setItem(key: string, value: string): Promise<void> {
    this.setItemSync(key, value);
  }
  async removeItem(key: string): Promise<void> {
    this.removeItemSync(key);
  }
  getItemSync(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItemSync(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItemSync(key: string): void {
    this.items.delete(key);
  }
}

let emu: RunningEmulator;

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as T;
}

async function lastSmsCode(phone: string): Promise<string> {
  const { verification_code } = await control<{ verification_code: string }>(
    'GET',
    `/sms?phone_number=${encodeURIComponent(phone)}`,
  );
  return verification_code;
}

/** What a person does with the captcha picture, done by asking the emulator for its text. */
async function solveCaptcha(url: string): Promise<{ captcha_token: string; expires_in: number }> {
  const params = new URLSearchParams(url.slice(url.lastIndexOf('?') + 1));
  const token = params.get('token') ?? '';
  const { key } = await control<{ key: string }>('GET', `/captcha?token=${encodeURIComponent(token)}`);
  const res = await fetch(`${emu.url}/auth/v1/captcha/data/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, key }),
  });
  return (await res.json()) as { captcha_token: string; expires_in: number };
}

function newClient(): CloudbaseOAuth {
  return new CloudbaseOAuth({
    apiOrigin: emu.url,
    clientId: CLIENT_ID,
    env: 'sdk-env',
    storage: new MemoryStorage(),
    captchaOptions: { openURIWithCallback: solveCaptcha },
  });
}

async function introspect(accessToken: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${emu.url}/auth/v1/token/introspect`, { headers: { authorization: `Bearer ${accessToken}` } });
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  emu = await startTestEmulator({ envId: 'sdk-env', clientId: CLIENT_ID, clientSecret: 'server-side-secret' });
});

afterAll(async () => {
  await emu.close();
});

beforeEach(async () => {
  await control('POST', '/reset');
  await control('PUT', '/config', { sms_cooldown_s: 0 });
});

describe('@cloudbase/oauth against the emulator', () => {
  it('signs in with a password and reads the user', async () => {
    const { sub } = await control<{ sub: string }>('POST', '/users', { username: 'alice', password: PASSWORD, name: 'Alice' });
    const { authApi } = newClient();
    const credentials = await authApi.signIn({ username: 'alice', password: PASSWORD });
    expect(credentials).toMatchObject({ token_type: 'Bearer', sub, scope: 'user sso' });
    const user = await authApi.getUserInfo();
    expect(user).toMatchObject({ sub, uid: sub, username: 'alice', name: 'Alice' });
  });

  it('reports a wrong password as invalid_password', async () => {
    await control('POST', '/users', { username: 'alice', password: PASSWORD });
    const { authApi } = newClient();
    await expect(authApi.signIn({ username: 'alice', password: 'wrong' })).rejects.toMatchObject({ error: 'invalid_password' });
  });

  it('signs up by SMS: a code, its verification, then the sign-up', async () => {
    const { authApi } = newClient();
    const sent = await authApi.getVerification({ phone_number: '13800000000', target: 'ANY' });
    expect(sent).toMatchObject({ expires_in: 600, is_user: false });
    const verification_code = await lastSmsCode('+86 13800000000');
    const { verification_token } = await authApi.verify({ verification_id: sent.verification_id, verification_code });
    const credentials = await authApi.signUp({
      phone_number: '+86 13800000000',
      verification_code,
      verification_token,
      name: '手机用户',
      username: 'phoneuser',
      password: PASSWORD,
    });
    expect(credentials.scope).toBe('user sso');
    const user = await authApi.getUserInfo();
    expect(user).toMatchObject({ phone_number: '+86 13800000000', name: '手机用户', username: 'phoneuser' });
  });

  it('solves a captcha when the emulator asks for one', async () => {
    await control('PUT', '/config', { fail: { 'POST /auth/v1/verification': 'captcha_required' } });
    const { authApi } = newClient();
    const sent = await authApi.getVerification({ phone_number: '13800000000', target: 'ANY' });
    expect(sent.verification_id).toEqual(expect.any(String));
    const { calls } = await control<{ calls: Record<string, number> }>('GET', '/stats');
    expect(calls).toMatchObject({ 'POST /auth/v1/verification': 2, 'POST /auth/v1/captcha/data': 1 });
  });

  it('refreshes with rotation', async () => {
    await control('POST', '/users', { username: 'alice', password: PASSWORD });
    const { authApi } = newClient();
    const first = await authApi.signIn({ username: 'alice', password: PASSWORD });
    const second = await authApi.refreshTokenForce({});
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect((await introspect(second.access_token ?? '')).sub).toBe(first.sub);

    const replay = await fetch(`${emu.url}/auth/v1/token`, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: first.refresh_token }),
    });
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
    const stats = await control<{ calls: Record<string, number> }>('GET', '/stats');
    expect(stats.calls['POST /auth/v1/token']).toBe(2);
  });

  it('changes the password (sudo, then PATCH with the sudo token in the body)', async () => {
    await control('POST', '/users', { username: 'alice', password: PASSWORD });
    const { authApi } = newClient();
    await authApi.signIn({ username: 'alice', password: PASSWORD });
    await authApi.updatePasswordByOld({ old_password: PASSWORD, new_password: 'NewPassw0rd!' });
    const other = newClient().authApi;
    await expect(other.signIn({ username: 'alice', password: PASSWORD })).rejects.toMatchObject({ error: 'invalid_password' });
    await other.signIn({ username: 'alice', password: 'NewPassw0rd!' });
  });

  it('signs out: the access token is revoked', async () => {
    await control('POST', '/users', { username: 'alice', password: PASSWORD });
    const { authApi } = newClient();
    const credentials = await authApi.signIn({ username: 'alice', password: PASSWORD });
    await authApi.signOut();
    expect(await introspect(credentials.access_token ?? '')).toEqual({});
    expect(await authApi.hasLoginState()).toBe(false);
  });
  it('provider methods: redirect URI, provider token, sign-in with provider, bind, list, unbind', async () => {
    const redirectUri = 'http://app.example.test/callback';
    /** What a person does on the provider's page: approve, and come back with a code. */
    async function providerCode(providerId: string): Promise<string> {
      const { uri } = await authApi.genProviderRedirectUri({ provider_id: providerId, redirect_uri: redirectUri, state: 's1' });
      const page = new URL(uri);
      const html = await (await fetch(page)).text();
      const sub = /name="sub" value="([^"]*)"/.exec(html)?.[1] ?? '';
      const back = await fetch(`${page.origin}${page.pathname}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ redirect_uri: redirectUri, state: 's1', sub, decision: 'approve' }),
      });
      const location = new URL(back.headers.get('location') ?? '');
      expect(location.searchParams.get('state')).toBe('s1');
      return location.searchParams.get('code') ?? '';
    }

    const { authApi } = newClient();
    const { provider_token } = await authApi.grantProviderToken({
      provider_id: 'github',
      provider_code: await providerCode('github'),
      provider_redirect_uri: redirectUri,
    });
    const credentials = await authApi.signInWithProvider({ provider_token });
    expect(credentials).toMatchObject({ token_type: 'Bearer', sub: expect.any(String) });

    const google = await authApi.grantProviderToken({
      provider_id: 'google',
      provider_code: await providerCode('google'),
      provider_redirect_uri: redirectUri,
    });
    await authApi.bindWithProvider({ provider_token: google.provider_token });
    const bound = (await authApi.getProviders()).data.filter((p) => p.bind).map((p) => p.id);
    expect(bound.sort()).toEqual(['github', 'google']);
    await authApi.unbindProvider({ provider_id: 'google' });
    expect((await authApi.getProviders()).data.filter((p) => p.bind).map((p) => p.id)).toEqual(['github']);
    await expect(authApi.unbindProvider({ provider_id: 'github' })).rejects.toMatchObject({ error: 'failed_precondition' });
    const user = await authApi.getUserInfo();
    expect(user.sub).toBe(credentials.sub);
  });
});
