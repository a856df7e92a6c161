import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { EmulatorError } from '../../src/emulator/errors.js';
import { generateSigningKey, verifyJwt, type SigningKey } from '../../src/emulator/keys.js';
import * as ops from '../../src/emulator/operations/index.js';
import { input, type OperationInput } from '../../src/emulator/operations/index.js';
import { createState, resetState, type EmulatorState } from '../../src/emulator/state.js';

const PHONE = '+86 13800000000';
const PASSWORD = 'Passw0rd!';

let key: SigningKey;
let clock: number;
let state: EmulatorState;
let logged: string[];

const advance = (seconds: number) => {
  clock += seconds * 1000;
};

/** The `error` string an operation fails with, or undefined when it succeeds. */
async function errorOf(run: () => unknown): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (err) {
    if (err instanceof EmulatorError) return err.error;
    throw err;
  }
}

function body(b: Record<string, unknown>, rest: Partial<OperationInput> = {}): OperationInput {
  return input({ body: b, ...rest });
}

async function sendCode(phone = PHONE, target?: string) {
  const res = await ops.sendVerification(state, body({ phone_number: phone, ...(target && { target }) }), (l) => logged.push(l));
  return { ...res, code: state.lastCodes.get(phone) ?? '' };
}

async function verificationToken(phone = PHONE): Promise<string> {
  const { verification_id, code } = await sendCode(phone);
  return ops.verifyCode(state, body({ verification_id, verification_code: code })).verification_token;
}

async function signUp(phone = PHONE, extra: Record<string, unknown> = {}) {
  const verification_token = await verificationToken(phone);
  return ops.signUp(state, body({ phone_number: phone, verification_token, password: PASSWORD, ...extra }));
}

const bearer = (token: string) => input({ bearer: token });

beforeAll(async () => {
  key = await generateSigningKey();
});

beforeEach(() => {
  clock = Date.parse('2024-05-01T08:00:00Z');
  state = createState({ key, envId: 'env-1', clientId: 'client-1', now: () => clock });
  state.config.sms_cooldown_s = 0;
  logged = [];
});

describe('verification codes', () => {
  it('sends a 6-digit code through the log and verifies it into a token', async () => {
    const sent = await sendCode();
    expect(sent).toMatchObject({ expires_in: 600, is_user: false });
    expect(sent.code).toMatch(/^\d{6}$/);
    expect(logged).toEqual([`[emulator] SMS to ${PHONE}: code ${sent.code}`]);
    const verified = ops.verifyCode(state, body({ verification_id: sent.verification_id, verification_code: sent.code }));
    expect(verified).toEqual({ verification_token: expect.any(String), expires_in: 600 });
  });

  it('rejects phone numbers that are not "+86 " and 11 digits', async () => {
    for (const phone of ['13800000000', '+8613800000000', '+86 1380000000', '+86  13800000000', '+86 23800000000']) {
      expect(await errorOf(() => sendCode(phone))).toBe('invalid_phone_number');
    }
  });

  it('expires a code after 600 s', async () => {
    const { verification_id, code } = await sendCode();
    advance(601);
    expect(await errorOf(() => ops.verifyCode(state, body({ verification_id, verification_code: code })))).toBe(
      'invalid_verification_code',
    );
  });

  it('allows 5 wrong attempts, after which even the right code is refused', async () => {
    const { verification_id, code } = await sendCode();
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      expect(await errorOf(() => ops.verifyCode(state, body({ verification_id, verification_code: wrong })))).toBe(
        'invalid_verification_code',
      );
    }
    expect(await errorOf(() => ops.verifyCode(state, body({ verification_id, verification_code: code })))).toBe(
      'invalid_verification_code',
    );
  });

  it('accepts a code once', async () => {
    const { verification_id, code } = await sendCode();
    ops.verifyCode(state, body({ verification_id, verification_code: code }));
    expect(await errorOf(() => ops.verifyCode(state, body({ verification_id, verification_code: code })))).toBe(
      'invalid_verification_code',
    );
  });

  it('refuses a resend to the same number within the cooldown', async () => {
    state.config.sms_cooldown_s = 60;
    await sendCode();
    advance(59);
    expect(await errorOf(() => sendCode())).toBe('resource_exhausted');
    expect(await errorOf(() => sendCode('+86 13900000000'))).toBeUndefined();
    advance(1);
    expect(await errorOf(() => sendCode())).toBeUndefined();
  });

  it('checks the target: USER needs an account, NOT_USER needs none, CUR_USER needs a Bearer', async () => {
    expect(await errorOf(() => sendCode(PHONE, 'USER'))).toBe('user_not_found');
    await signUp();
    expect((await sendCode(PHONE, 'ANY')).is_user).toBe(true);
    expect(await errorOf(() => sendCode(PHONE, 'NOT_USER'))).toBe('already_exists');
    expect(await errorOf(() => sendCode(PHONE, 'CUR_USER'))).toBe('unauthenticated');
    expect(await errorOf(() => sendCode(PHONE, 'SOMEONE'))).toBe('invalid_argument');
  });
});

describe('sign-up and sign-in', () => {
  it('signs up by SMS and returns the standard token response', async () => {
    const tokens = await signUp(PHONE, { username: 'alice', name: '手机用户' });
    expect(tokens).toEqual({
      token_type: 'Bearer',
      access_token: expect.any(String),
      refresh_token: expect.stringMatching(/^m\./),
      expires_in: 7200,
      scope: 'user sso',
      sub: expect.stringMatching(/^\d{19}$/),
      groups: ['user'],
    });
    expect(tokens.refresh_token.length).toBeLessThanOrEqual(128);
    const claims = await verifyJwt(key, tokens.access_token, clock);
    expect(claims).toMatchObject({
      iss: 'http://env-1.ap-shanghai.tcb-api.tencentcloudapi.com',
      sub: tokens.sub,
      aud: 'client-1',
      scope: 'user sso',
      project_id: 'env-1',
      provider_type: 'phone',
      meta: { wxOpenId: '', wxUnionId: '' },
      exp: Math.floor(clock / 1000) + 7200,
    });
  });

  it('uses a verification token once, and only for its own phone', async () => {
    const token = await verificationToken();
    expect(
      await errorOf(() => ops.signUp(state, body({ phone_number: '+86 13900000000', verification_token: token }))),
    ).toBe('invalid_argument');
    await ops.signUp(state, body({ phone_number: PHONE, verification_token: token }));
    expect(await errorOf(() => ops.signUp(state, body({ phone_number: PHONE, verification_token: token })))).toBe(
      'invalid_argument',
    );
  });

  it('refuses existing accounts, bad usernames and weak passwords', async () => {
    await signUp(PHONE, { username: 'alice' });
    expect(await errorOf(() => signUp(PHONE))).toBe('already_exists');
    expect(await errorOf(() => signUp('+86 13900000000', { username: 'alice' }))).toBe('already_exists');
    expect(await errorOf(() => signUp('+86 13900000000', { username: '_bad' }))).toBe('invalid_argument');
    expect(await errorOf(() => signUp('+86 13900000000', { password: 'password' }))).toBe('weak_password');
    expect(await errorOf(() => signUp('+86 13900000000', { password: 'Pa1!' }))).toBe('weak_password');
  });

  it('signs in by username, email or phone', async () => {
    await ops.createUser(state, { username: 'bob', email: 'Bob@Example.com', phone_number: PHONE, password: PASSWORD });
    for (const username of ['bob', 'bob@example.com', PHONE]) {
      const tokens = await ops.signIn(state, body({ username, password: PASSWORD }));
      expect(tokens.scope).toBe('user sso');
    }
    expect(await errorOf(() => ops.signIn(state, body({ username: 'nobody', password: PASSWORD })))).toBe('not_found');
  });

  it('signs in with a verification token', async () => {
    const { sub } = await signUp();
    const token = await verificationToken();
    expect((await ops.signIn(state, body({ username: PHONE, verification_token: token }))).sub).toBe(sub);
  });

  it('locks the account after 5 wrong passwords until the window passes', async () => {
    await ops.createUser(state, { username: 'carol', password: PASSWORD });
    for (let i = 0; i < 5; i++) {
      expect(await errorOf(() => ops.signIn(state, body({ username: 'carol', password: 'wrong' })))).toBe('invalid_password');
    }
    expect(await errorOf(() => ops.signIn(state, body({ username: 'carol', password: PASSWORD })))).toBe('invalid_status');
    advance(15 * 60);
    expect(await errorOf(() => ops.signIn(state, body({ username: 'carol', password: PASSWORD })))).toBeUndefined();
  });

  it('stores only salted scrypt hashes, never the password', async () => {
    await signUp(PHONE, { username: 'dave' });
    await ops.createUser(state, { username: 'erin', password: PASSWORD });
    const dump = JSON.stringify([...state.users.values()]);
    expect(dump).not.toContain(PASSWORD);
    const hashes = [...state.users.values()].map((u) => u.passwordHash);
    expect(hashes).toEqual([expect.stringMatching(/^scrypt\$/), expect.stringMatching(/^scrypt\$/)]);
    expect(hashes[0]).not.toBe(hashes[1]);
  });
});

describe('anonymous sign-in', () => {
  it('gives the same device the same sub, and another device another', async () => {
    const a1 = await ops.signInAnonymously(state, input({ deviceId: 'device-aaaaaaaaaaaa' }));
    const a2 = await ops.signInAnonymously(state, input({ deviceId: 'device-aaaaaaaaaaaa' }));
    const b = await ops.signInAnonymously(state, input({ deviceId: 'device-bbbbbbbbbbbb' }));
    expect(a1.scope).toBe('anonymous');
    expect(a2.sub).toBe(a1.sub);
    expect(b.sub).not.toBe(a1.sub);
    expect(await verifyJwt(key, a1.access_token, clock)).toMatchObject({ name: 'Anonymous', nonce: expect.any(String) });
  });

  it('needs an x-device-id of 16-48 characters', async () => {
    expect(await errorOf(() => ops.signInAnonymously(state, input()))).toBe('invalid_argument');
    expect(await errorOf(() => ops.signInAnonymously(state, input({ deviceId: 'short' })))).toBe('invalid_argument');
  });
});

describe('tokens', () => {
  it('rotates refresh tokens: a used one is invalid_grant', async () => {
    const first = await signUp();
    const second = await ops.grantToken(state, body({ grant_type: 'refresh_token', refresh_token: first.refresh_token }));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.sub).toBe(first.sub);
    expect(
      await errorOf(() => ops.grantToken(state, body({ grant_type: 'refresh_token', refresh_token: first.refresh_token }))),
    ).toBe('invalid_grant');
    expect(
      await errorOf(() => ops.grantToken(state, body({ grant_type: 'refresh_token', refresh_token: second.refresh_token }))),
    ).toBeUndefined();
  });

  it('expires refresh tokens after refresh_token_ttl_s and access tokens after access_token_ttl_s', async () => {
    state.config.refresh_token_ttl_s = 100;
    state.config.access_token_ttl_s = 50;
    const tokens = await signUp();
    expect((await ops.introspect(state, bearer(tokens.access_token))).sub).toBe(tokens.sub);
    advance(51);
    expect(await ops.introspect(state, bearer(tokens.access_token))).toEqual({});
    expect(await errorOf(() => ops.getMe(state, bearer(tokens.access_token)))).toBe('unauthenticated');
    advance(50);
    expect(
      await errorOf(() => ops.grantToken(state, body({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }))),
    ).toBe('invalid_grant');
  });

  it('revoking an access token ends its session, refresh token included', async () => {
    const tokens = await signUp();
    const other = await ops.signIn(state, body({ username: PHONE, password: PASSWORD }));
    expect(await ops.revoke(state, body({ token: tokens.access_token }))).toEqual({});
    expect(await errorOf(() => ops.getMe(state, bearer(tokens.access_token)))).toBe('unauthenticated');
    expect(
      await errorOf(() => ops.grantToken(state, body({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }))),
    ).toBe('invalid_grant');
    expect((await ops.getMe(state, bearer(other.access_token))).sub).toBe(tokens.sub);
  });

  it('supports the password grant', async () => {
    await ops.createUser(state, { username: 'frank', password: PASSWORD });
    const tokens = await ops.grantToken(state, body({ grant_type: 'password', username: 'frank', password: PASSWORD }));
    expect(tokens.token_type).toBe('Bearer');
    expect(await errorOf(() => ops.grantToken(state, body({ grant_type: 'client_credentials' })))).toBe('invalid_argument');
  });
});

describe('sudo, password change, deletion, reset', () => {
  it('expires sudo tokens after 900 s', async () => {
    const tokens = await signUp();
    const { sudo_token, expires_in } = await ops.sudo(state, input({ bearer: tokens.access_token, body: { password: PASSWORD } }));
    expect(expires_in).toBe(900);
    advance(901);
    const change = input({ bearer: tokens.access_token, query: { sudo_token }, body: { new_password: 'NewPassw0rd' } });
    expect(await errorOf(() => ops.updatePassword(state, change))).toBe('permission_denied');
  });

  it('refuses sudo with a wrong password', async () => {
    const tokens = await signUp();
    expect(await errorOf(() => ops.sudo(state, input({ bearer: tokens.access_token, body: { password: 'nope' } })))).toBe(
      'invalid_password',
    );
  });

  it('changes the password with a sudo token in query or body, and signs out the other sessions', async () => {
    const mine = await signUp();
    const other = await ops.signIn(state, body({ username: PHONE, password: PASSWORD }));
    const { sudo_token } = await ops.sudo(state, input({ bearer: mine.access_token, body: { password: PASSWORD } }));
    await ops.updatePassword(state, input({ bearer: mine.access_token, body: { sudo_token, new_password: 'NewPassw0rd' } }));
    expect(await errorOf(() => ops.getMe(state, bearer(other.access_token)))).toBe('unauthenticated');
    expect((await ops.getMe(state, bearer(mine.access_token))).has_password).toBe(true);
    expect(await errorOf(() => ops.signIn(state, body({ username: PHONE, password: PASSWORD })))).toBe('invalid_password');
    await ops.updatePassword(
      state,
      input({ bearer: mine.access_token, query: { sudo_token }, body: { new_password: 'Third-passw0rd' } }),
    );
  });

  it('changes the password with old_password instead of a sudo token (cheat-sheet form)', async () => {
    const mine = await signUp();
    const wrong = input({ bearer: mine.access_token, body: { old_password: 'nope', new_password: 'NewPassw0rd' } });
    expect(await errorOf(() => ops.updatePassword(state, wrong))).toBe('invalid_password');
    const none = input({ bearer: mine.access_token, body: { new_password: 'NewPassw0rd' } });
    expect(await errorOf(() => ops.updatePassword(state, none))).toBe('permission_denied');
    const weak = input({ bearer: mine.access_token, body: { old_password: PASSWORD, new_password: 'short' } });
    expect(await errorOf(() => ops.updatePassword(state, weak))).toBe('weak_password');
    const ok = input({ bearer: mine.access_token, body: { old_password: PASSWORD, new_password: 'NewPassw0rd' } });
    expect(await ops.updatePassword(state, ok)).toEqual({});
  });

  it('deletes the account only with a sudo token', async () => {
    const mine = await signUp();
    expect(await errorOf(() => ops.deleteMe(state, bearer(mine.access_token)))).toBe('permission_denied');
    const { sudo_token } = await ops.sudo(state, input({ bearer: mine.access_token, body: { password: PASSWORD } }));
    expect(await ops.deleteMe(state, input({ bearer: mine.access_token, query: { sudo_token } }))).toEqual({});
    expect(state.users.size).toBe(0);
    expect(await errorOf(() => ops.getMe(state, bearer(mine.access_token)))).toBe('unauthenticated');
  });

  it('resets a forgotten password with a verification token for that phone', async () => {
    const old = await signUp();
    const token = await verificationToken();
    const reset = (phone: string) =>
      ops.resetPassword(state, body({ phone_number: phone, verification_token: token, new_password: 'NewPassw0rd' }));
    expect(await errorOf(() => reset('+86 13900000000'))).toBe('invalid_argument');
    expect(await reset(PHONE)).toEqual({});
    expect(await errorOf(() => ops.getMe(state, bearer(old.access_token)))).toBe('unauthenticated');
    expect((await ops.signIn(state, body({ username: PHONE, password: 'NewPassw0rd' }))).sub).toBe(old.sub);
  });

  it('reports user_not_found when resetting for an unknown phone', async () => {
    const token = await verificationToken();
    const reset = body({ phone_number: PHONE, verification_token: token, new_password: 'NewPassw0rd' });
    expect(await errorOf(() => ops.resetPassword(state, reset))).toBe('user_not_found');
  });
});

describe('captcha', () => {
  it('trades the right text for a captcha token once; wrong text or expiry fails', async () => {
    const first = ops.createCaptcha(state);
    expect(first.data).toMatch(/^data:image\/svg\+xml;base64,/);
    const key = state.captchas.get(first.token)?.key ?? '';
    const ok = ops.verifyCaptcha(state, body({ token: first.token, key: key.toLowerCase() }));
    expect(ops.isValidCaptchaToken(state, ok.captcha_token)).toBe(true);
    expect(await errorOf(() => ops.verifyCaptcha(state, body({ token: first.token, key })))).toBe('invalid_captcha');

    const second = ops.createCaptcha(state);
    expect(await errorOf(() => ops.verifyCaptcha(state, body({ token: second.token, key: '????' })))).toBe('invalid_captcha');

    const third = ops.createCaptcha(state);
    advance(301);
    const thirdKey = state.captchas.get(third.token)?.key ?? '';
    expect(await errorOf(() => ops.verifyCaptcha(state, body({ token: third.token, key: thirdKey })))).toBe('captcha_expired');
    advance(600);
    expect(ops.isValidCaptchaToken(state, ok.captcha_token)).toBe(false);
  });
});

describe('client credentials', () => {
  it('accepts public clients and the configured id; with a secret, checks it', async () => {
    expect(await errorOf(() => ops.checkClient(state, input()))).toBeUndefined();
    expect(await errorOf(() => ops.checkClient(state, input({ query: { client_id: 'other' } })))).toBe('invalid_client');
    const withSecret = createState({ key, clientId: 'c', clientSecret: 's' });
    const basic = (clientId: string, clientSecret: string) => input({ basic: { clientId, clientSecret } });
    expect(await errorOf(() => ops.checkClient(withSecret, basic('c', 's')))).toBeUndefined();
    expect(await errorOf(() => ops.checkClient(withSecret, basic('c', 'x')))).toBe('invalid_client');
    expect(await errorOf(() => ops.checkClient(withSecret, basic('x', 's')))).toBe('invalid_client');
    expect(await errorOf(() => ops.checkClient(withSecret, body({ client_id: 'c', client_secret: '' })))).toBeUndefined();
    expect(await errorOf(() => ops.checkClient(withSecret, body({ client_id: 'c', client_secret: 'x' })))).toBe('invalid_client');
  });
});

describe('when the emulator\'s state is reset', () => {
  it('forgets users and tokens but keeps the key and restores the config', async () => {
    await signUp();
    state.config.latency_ms = 100;
    resetState(state);
    expect(state.users.size).toBe(0);
    expect(state.refreshTokens.size).toBe(0);
    expect(state.config.latency_ms).toBe(0);
    expect(state.key).toBe(key);
  });
});

describe('providers', () => {
  const identity = (sub = 'gh-1') => ({ providerId: 'github', sub, name: 'Octo' });
  function providerToken(sub = 'gh-1', redirectUri: string | undefined = 'http://a.test/cb'): string {
    const code = ops.issueProviderCode(state, identity(sub), redirectUri);
    const provider_redirect_uri = redirectUri;
    return ops.grantProviderToken(state, body({ provider_id: 'github', provider_code: code, ...(provider_redirect_uri && { provider_redirect_uri }) }))
      .provider_token;
  }

  it('the provider URI points at the authorize page of the request\'s origin, for enabled providers only', () => {
    const { uri } = ops.providerUri(state, input({ query: { provider_id: 'wx_open', redirect_uri: 'http://a.test/cb', state: 's' }, origin: 'http://emu.test' }));
    expect(uri).toBe('http://emu.test/__emulator/provider/wx_open/authorize?redirect_uri=http%3A%2F%2Fa.test%2Fcb&state=s');
    state.providers.delete('wx_open');
    expect(() => ops.providerUri(state, input({ query: { provider_id: 'wx_open', redirect_uri: 'http://a.test/cb' } }))).toThrow('provider_not_enabled');
    expect(() => ops.providerUri(state, input({ query: { provider_id: 'github', redirect_uri: 'javascript:alert(1)' } }))).toThrow('invalid_argument');
  });

  it('a code expires after 300 s; a provider token after provider_token_ttl_s', async () => {
    const code = ops.issueProviderCode(state, identity(), undefined);
    advance(301);
    expect(await errorOf(() => ops.grantProviderToken(state, body({ provider_id: 'github', provider_code: code })))).toBe('invalid_grant');
    state.config.provider_token_ttl_s = 60;
    const token = providerToken();
    advance(59);
    const first = await ops.signInWithProvider(state, body({ provider_token: token }));
    advance(1);
    expect(await errorOf(() => ops.signInWithProvider(state, body({ provider_token: token })))).toBe('invalid_grant');
    expect(state.users.get(first.sub)?.identities).toEqual([{ providerId: 'github', sub: 'gh-1', name: 'Octo' }]);
  });

  it('a provider switched off refuses its tokens; a blocked user cannot sign in with a provider', async () => {
    const token = providerToken();
    const { sub } = await ops.signInWithProvider(state, body({ provider_token: token }));
    state.users.get(sub)!.status = 'BLOCKED';
    expect(await errorOf(() => ops.signInWithProvider(state, body({ provider_token: token })))).toBe('user_blocked');
    state.providers.delete('github');
    expect(await errorOf(() => ops.signInWithProvider(state, body({ provider_token: token })))).toBe('provider_not_enabled');
  });

  it('sign-up with a provider token refuses an identity already bound, and keeps the verification token', async () => {
    const token = providerToken('gh-taken');
    await ops.signInWithProvider(state, body({ provider_token: token }));
    const verification_token = await verificationToken();
    expect(await errorOf(() => ops.signUp(state, body({ phone_number: PHONE, verification_token, provider_token: token })))).toBe('failed_precondition');
    await ops.signUp(state, body({ phone_number: PHONE, verification_token }));
  });
});

describe('account', () => {
  it('history records every sign-in with where it came from; contact changes are USER_MODIFY', async () => {
    const tokens = await signUp();
    await ops.signIn(state, body({ username: PHONE, password: PASSWORD }, { deviceId: 'dev-1', ip: '10.0.0.1', userAgent: 'UA' }));
    const page = await ops.securityHistory(state, input({ bearer: tokens.access_token, query: { 'query[action]': 'USER_LOGIN' } }));
    expect(page.data.map((e) => [e.device_id, e.ip, e.user_agent])).toEqual([['dev-1', '10.0.0.1', 'UA'], ['', '', '']]);
    expect(page.next_page_token).toBeUndefined();
    const modify = await ops.securityHistory(state, input({ bearer: tokens.access_token, query: { 'ne_query[action]': 'USER_LOGIN' } }));
    expect(modify.data).toEqual([]);
  });

  it('DELETE_ACCOUNT_TRANSFER deletes the other account and takes its email', async () => {
    const a = await signUp('+86 13800000001');
    const b = await signUp('+86 13800000002', { username: 'bee' });
    state.users.get(b.sub)!.email = 'b@example.com';
    const { sudo_token } = await ops.sudo(state, body({ password: PASSWORD }, { bearer: a.access_token }));
    const sent = await ops.sendVerification(state, body({ email: 'b@example.com' }), () => undefined);
    const { verification_token } = ops.verifyCode(state, body({ verification_id: sent.verification_id, verification_code: state.lastCodes.get('b@example.com') }));
    await ops.editContact(state, body({ email: 'b@example.com', verification_token, sudo_token, conflict_resolution: 'DELETE_ACCOUNT_TRANSFER' }, { bearer: a.access_token }));
    expect(state.users.get(a.sub)?.email).toBe('b@example.com');
    expect(state.users.has(b.sub)).toBe(false);
  });
});
