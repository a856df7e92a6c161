import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import request, { type Response } from 'supertest';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';

const CALLBACK = 'http://app.example.test/login/provider/callback';
const PASSWORD = 'Passw0rd!';
const DEVICE = 'device-providers-0123456789';

let emu: RunningEmulator;
let clockOffsetMs = 0;
const api = () => request(emu.url);

function expectError(res: Response, status: number, error: string): void {
  expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
}

/** GET /provider/uri, then the authorize page as a person would use it; returns the redirect's query. */
async function authorize(providerId: string, decision: 'approve' | 'deny', fields: Record<string, string> = {}) {
  const uri = await api()
    .get('/auth/v1/provider/uri')
    .query({ provider_id: providerId, redirect_uri: CALLBACK, state: 'st-123' })
    .expect(200);
  const page = new URL(uri.body.uri as string);
  expect(page.pathname).toBe(`/__emulator/provider/${providerId}/authorize`);
  const html = await api().get(`${page.pathname}${page.search}`).expect(200);
  expect(html.headers['content-type']).toMatch(/text\/html/);
  for (const name of ['sub', 'name', 'email', 'picture']) expect(html.text).toContain(`name="${name}"`);
  const sub = /name="sub" value="([^"]*)"/.exec(html.text)?.[1] ?? '';
  const back = await api()
    .post(page.pathname)
    .type('form')
    .send({ redirect_uri: CALLBACK, state: 'st-123', sub, name: 'Demo', decision, ...fields })
    .expect(303);
  const location = new URL(back.headers.location as string);
  expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
  expect(location.searchParams.get('state')).toBe('st-123');
  return { sub, params: location.searchParams };
}

async function providerToken(providerId: string, fields: Record<string, string> = {}): Promise<string> {
  const { params } = await authorize(providerId, 'approve', fields);
  const res = await api()
    .post('/auth/v1/provider/token')
    .send({ provider_id: providerId, provider_code: params.get('code'), provider_redirect_uri: CALLBACK })
    .expect(200);
  return res.body.provider_token as string;
}

async function verificationToken(phone: string): Promise<string> {
  const sent = await api().post('/auth/v1/verification').send({ phone_number: phone }).expect(200);
  const code = (await api().get('/__emulator/sms').query({ phone_number: phone }).expect(200)).body.verification_code;
  const verified = await api()
    .post('/auth/v1/verification/verify')
    .send({ verification_id: sent.body.verification_id, verification_code: code })
    .expect(200);
  return verified.body.verification_token as string;
}

const me = async (token: string) => (await api().get('/auth/v1/user/me').auth(token, { type: 'bearer' }).expect(200)).body;

beforeAll(async () => {
  emu = await startTestEmulator({ envId: 'prov-env', now: () => Date.now() + clockOffsetMs });
});

afterAll(async () => {
  await emu.close();
});

beforeEach(async () => {
  clockOffsetMs = 0;
  await api().post('/__emulator/reset').expect(200);
});

describe('provider configuration', () => {
  it('has wx_open, github and google by default, replaced by PUT and restored by reset', async () => {
    const ids = async () => ((await api().get('/__emulator/providers').expect(200)).body.providers as { id: string }[]).map((p) => p.id);
    expect(await ids()).toEqual(['wx_open', 'github', 'google']);
    await api()
      .put('/__emulator/providers')
      .send({ providers: [{ id: 'gitlab', name: 'GitLab', auto_sign_up: false }] })
      .expect(200);
    expect((await api().get('/__emulator/providers')).body).toEqual({ providers: [{ id: 'gitlab', name: 'GitLab', auto_sign_up: false }] });
    expectError(await api().get('/auth/v1/provider/uri').query({ provider_id: 'github', redirect_uri: CALLBACK }), 403, 'provider_not_enabled');
    expectError(await api().put('/__emulator/providers').send({ providers: [{ id: 'Bad Id' }] }), 400, 'invalid_argument');
    await api().post('/__emulator/reset').expect(200);
    expect(await ids()).toEqual(['wx_open', 'github', 'google']);
  });
});

describe('provider sign-in through the authorize page', () => {
  it.each(['wx_open', 'github', 'google'])('%s: approve → code → provider token → sign-in signs up, then signs in', async (id) => {
    const token = await providerToken(id);
    const first = await api().post('/auth/v1/signin/with/provider').send({ provider_token: token }).expect(200);
    const second = await api().post('/auth/v1/signin/with/provider').send({ provider_token: token, provider_id: id }).expect(200);
    expect(second.body.sub).toBe(first.body.sub);
    const user = await me(first.body.access_token);
    expect(user.providers).toEqual([expect.objectContaining({ id, provider_user_id: `${id}-demo-user`, name: 'Demo' })]);
    const list = await api().get('/auth/v1/user/provider').auth(first.body.access_token, { type: 'bearer' }).expect(200);
    expect(list.body.total).toBe(3);
    expect(list.body.data).toContainEqual(expect.objectContaining({ id, bind: true }));
  });

  it('deny redirects with error=access_denied and no code', async () => {
    const { params } = await authorize('github', 'deny');
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('code')).toBeNull();
  });

  it('a code works once, only for its provider and redirect URI', async () => {
    const exchange = (code: string | null, provider_id = 'github', provider_redirect_uri = CALLBACK) =>
      api().post('/auth/v1/provider/token').send({ provider_id, provider_code: code, provider_redirect_uri });
    const a = (await authorize('github', 'approve')).params.get('code');
    expectError(await exchange(a, 'google'), 400, 'invalid_grant');
    expectError(await exchange(a), 400, 'invalid_grant'); // spent by the failed try above
    const b = (await authorize('github', 'approve')).params.get('code');
    expectError(await exchange(b, 'github', 'http://evil.example.test/cb'), 400, 'invalid_grant');
    const c = (await authorize('github', 'approve')).params.get('code');
    const ok = await exchange(c).expect(200);
    expect(ok.body).toMatchObject({ expires_in: 600, provider_profile: { provider_id: 'github', sub: 'github-demo-user', name: 'Demo' } });
    expectError(await exchange(c), 400, 'invalid_grant');
  });

  it('one code, twelve exchanges at once: exactly one provider token', async () => {
    const code = (await authorize('github', 'approve')).params.get('code');
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        api().post('/auth/v1/provider/token').send({ provider_id: 'github', provider_code: code, provider_redirect_uri: CALLBACK }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expectError(r, 400, 'invalid_grant');
  });

  it('the authorize page escapes what it echoes and refuses non-http redirect URIs', async () => {
    const hostile = '"><script>alert(1)</script>';
    const page = await api()
      .get('/__emulator/provider/github/authorize')
      .query({ redirect_uri: `${CALLBACK}?x=${hostile}`, state: hostile })
      .expect(200);
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain('&quot;&gt;&lt;script&gt;');
    for (const redirect_uri of ['javascript:alert(1)', 'data:text/html,hi', '/relative', '']) {
      expectError(await api().get('/__emulator/provider/github/authorize').query({ redirect_uri, state: 's' }), 400, 'invalid_argument');
    }
    const denied = await api()
      .post('/__emulator/provider/github/authorize')
      .type('form')
      .send({ redirect_uri: CALLBACK, state: 's', sub: 'x', decision: 'maybe' });
    expectError(denied, 400, 'invalid_argument');
    expectError(await api().get('/__emulator/provider/nope/authorize').query({ redirect_uri: CALLBACK }), 403, 'provider_not_enabled');
  });

  it('an expired provider token is invalid_grant', async () => {
    const token = await providerToken('google');
    clockOffsetMs = 601_000;
    expectError(await api().post('/auth/v1/signin/with/provider').send({ provider_token: token }), 400, 'invalid_grant');
  });

  it('without auto sign-up (or with force_disable_sign_up) an unknown identity is not_found; sign-up binds it', async () => {
    const token = await providerToken('wx_open', { sub: 'o-wechat-42' });
    const refused = await api().post('/auth/v1/signin/with/provider').send({ provider_token: token, force_disable_sign_up: true });
    expectError(refused, 404, 'not_found');
    const phone = '+86 13800000042';
    const signup = await api()
      .post('/auth/v1/signup')
      .send({ phone_number: phone, verification_token: await verificationToken(phone), provider_token: token })
      .expect(200);
    const signin = await api().post('/auth/v1/signin/with/provider').send({ provider_token: token, force_disable_sign_up: true }).expect(200);
    expect(signin.body.sub).toBe(signup.body.sub);

    await api().put('/__emulator/providers').send({ providers: [{ id: 'github', auto_sign_up: false }] }).expect(200);
    const other = await providerToken('github');
    expectError(await api().post('/auth/v1/signin/with/provider').send({ provider_token: other }), 404, 'not_found');
  });

  it('native apps: a code without redirect URI, exchanged through provider_params', async () => {
    const { code } = (await api().post('/__emulator/provider/wx_open/code').send({ sub: 'o-native-1' }).expect(201)).body;
    const res = await api()
      .post('/auth/v1/provider/token')
      .send({ provider_id: 'wx_open', provider_params: { provider_code_type: 'open_id', appid: 'wx123', code } })
      .expect(200);
    expect(res.body.provider_profile.sub).toBe('o-native-1');
    expectError(await api().post('/__emulator/provider/nope/code').send({}), 403, 'provider_not_enabled');
  });
});

describe('bind, unbind, anonymous upgrade', () => {
  async function phoneUser(phone: string): Promise<{ access_token: string; sub: string }> {
    const res = await api()
      .post('/auth/v1/signup')
      .send({ phone_number: phone, verification_token: await verificationToken(phone), password: PASSWORD })
      .expect(200);
    return res.body;
  }

  it('binds to the signed-in user, refuses an identity bound elsewhere, unbinds, refuses the last way in', async () => {
    const alice = await phoneUser('+86 13800000001');
    const bob = await phoneUser('+86 13800000002');
    const token = await providerToken('github', { sub: 'gh-alice' });
    const bind = (bearer: string, provider_token: string) =>
      api().post('/auth/v1/user/provider/bind').auth(bearer, { type: 'bearer' }).send({ provider_token });
    await bind(alice.access_token, token).expect(200);
    expectError(await bind(bob.access_token, token), 400, 'failed_precondition');
    expect((await api().post('/auth/v1/signin/with/provider').send({ provider_token: token }).expect(200)).body.sub).toBe(alice.sub);

    const unbind = (bearer: string, id: string) => api().delete(`/auth/v1/user/provider/${id}`).auth(bearer, { type: 'bearer' });
    await unbind(alice.access_token, 'github').expect(200);
    expectError(await unbind(alice.access_token, 'github'), 404, 'provider_not_found');
    expect((await me(alice.access_token)).providers.map((p: { id: string }) => p.id)).toEqual(['phone']);

    clockOffsetMs = 700_000;
    expectError(await bind(bob.access_token, token), 400, 'invalid_grant');
    clockOffsetMs = 0;

    const only = await api().post('/auth/v1/signin/with/provider').send({ provider_token: await providerToken('google') }).expect(200);
    expectError(await unbind(only.body.access_token, 'google'), 400, 'failed_precondition');
  });

  it('sign-up with anonymous_token keeps the anonymous user\'s sub and ends the guest session', async () => {
    const guest = await api().post('/auth/v1/signin/anonymously').set('x-device-id', DEVICE).send({}).expect(200);
    const phone = '+86 13800000077';
    const res = await api()
      .post('/auth/v1/signup')
      .send({
        phone_number: phone,
        verification_token: await verificationToken(phone),
        anonymous_token: guest.body.access_token,
        provider_token: await providerToken('google'),
      })
      .expect(200);
    expect(res.body.sub).toBe(guest.body.sub);
    expect(res.body.scope).not.toBe('anonymous');
    const user = await me(res.body.access_token);
    expect(user).toMatchObject({ sub: guest.body.sub, phone_number: phone, type: 'external' });
    expect(user.providers.map((p: { id: string }) => p.id)).toEqual(['phone', 'google']);
    expectError(await api().get('/auth/v1/user/me').auth(guest.body.access_token, { type: 'bearer' }), 401, 'unauthenticated');
    const again = await api().post('/auth/v1/signin/anonymously').set('x-device-id', DEVICE).send({}).expect(200);
    expect(again.body.sub).not.toBe(guest.body.sub);
  });

  it('refuses an anonymous_token that is not an anonymous user\'s', async () => {
    const alice = await phoneUser('+86 13800000003');
    const phone = '+86 13800000004';
    const res = await api()
      .post('/auth/v1/signup')
      .send({ phone_number: phone, verification_token: await verificationToken(phone), anonymous_token: alice.access_token });
    expectError(res, 400, 'failed_precondition');
  });
});
