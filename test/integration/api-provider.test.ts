import tcb from '@cloudbase/node-sdk';
import supertest from 'supertest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectApiError, finishApiSuite, mobile, RELAXED_LIMITS, sessionCookieOf, spa } from '../support/api.js';
import { callbackPath, consent, setEmulatorProviders, waitUntil } from '../support/provider.js';
import { findLeaks } from '../support/leak-guard.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ env: { ...RELAXED_LIMITS, AUTH_PROVIDERS: 'wx_open,github,google' } });
});

afterAll(() => finishApiSuite(gw));

/** A native app's provider code, minted by the emulator as WeChat would give one to an app (no redirect). */
async function nativeCode(provider: string, identity: Record<string, string>): Promise<string> {
  const res = await fetch(`${gw.emulator.url}/__emulator/provider/${provider}/code`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(identity),
  });
  const { code } = (await res.json()) as { code: string };
  gw.secrets.add(code);
  return code;
}

async function mintTicket(uid: string): Promise<string> {
  const creds = (await (await fetch(`${gw.emulator.url}/__emulator/custom-login-key`)).json()) as { env_id: string; private_key_id: string; private_key: string };
  const ticket = tcb.init({ env: creds.env_id, credentials: creds }).auth().createTicket(uid);
  gw.secrets.add(ticket);
  return ticket;
}

describe('POST /api/session/provider/start', () => {
  it('answers the provider URL; the browser comes back to the callback and lands signed in on returnTo', async () => {
    const app = spa(gw);
    const res = await app.post('/api/session/provider/start', { provider_id: 'github', returnTo: '/account' });
    expect(res.status).toBe(200);
    const url = new URL((res.body as { url: string }).url);
    expect(url.pathname).toBe('/__emulator/provider/github/authorize');
    expect(url.searchParams.get('redirect_uri')).toMatch(/\/login\/provider\/callback$/);
    const callback = await consent(url.toString(), 'approve', { sub: 'spa-person', name: 'Spa Person' });
    gw.secrets.add(callback.searchParams.get('code')!);
    const back = await app.agent.get(callbackPath(callback));
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/account');
    const me = await app.get('/api/session');
    expect((me.body as { user: { name: string } }).user.name).toBe('Spa Person');
  });

  it('refuses a provider the gateway does not offer, and bad bodies', async () => {
    const app = spa(gw);
    expectApiError(await app.post('/api/session/provider/start', { provider_id: 'gitlab' }), 404, 'provider_unknown');
    expectApiError(await app.post('/api/session/provider/start', { provider_id: 'git hub' }), 400, 'invalid_input');
    expectApiError(await app.post('/api/session/provider/start', { provider_id: 'github', extra: 1 }), 400, 'invalid_input');
    expectApiError(await app.post('/api/session/provider/start', {}), 400, 'invalid_input');
  });
});

describe('POST /api/session/provider/start in token mode (the callback can only end in a cookie session)', () => {
  it('is refused with 400 token_mode_unsupported naming /provider/code, before CloudBase is asked and with no state kept', async () => {
    const uriCalls = async () => (await gw.emu.stats())['GET /auth/v1/provider/uri'] ?? 0;
    const before = await uriCalls();
    const app = mobile(gw);
    const res = await app.post('/api/session/provider/start', { provider_id: 'github' });
    expectApiError(res, 400, 'token_mode_unsupported');
    expect((res.body as { error: { message: string } }).error.message).toContain('/api/session/provider/code');
    expect((res.body as { url?: unknown }).url).toBeUndefined();
    expect(app.token).toBeUndefined();
    const zh = await app.call('post', '/api/session/provider/start?lang=zh-CN', { provider_id: 'github' });
    expectApiError(zh, 400, 'token_mode_unsupported');
    expect((zh.body as { error: { message: string } }).error.message).toContain('令牌模式');
    // A signed-in native app sending only its session token (no X-Session-Mode) is in token mode too.
    const signedIn = mobile(gw);
    expect((await signedIn.post('/api/session/anonymous', {})).status).toBe(200);
    const bare = await supertest(gw.server)
      .post('/api/session/provider/start')
      .set('Accept', 'application/json')
      .set('Authorization', `Session ${signedIn.token!}`)
      .send({ provider_id: 'github', returnTo: '/account' });
    expectApiError(bare, 400, 'token_mode_unsupported');
    expect(await uriCalls()).toBe(before);
  });
});

describe('POST /api/session/provider/code (native apps)', () => {
  it('signs in with a provider code in token mode: a session_token, and no cookie', async () => {
    const app = mobile(gw);
    const code = await nativeCode('wx_open', { sub: 'wx-native-1', name: 'Native Wei' });
    const res = await app.post('/api/session/provider/code', { provider_id: 'wx_open', code, code_type: 'open_id' });
    expect(res.status).toBe(200);
    expect(typeof (res.body as { session_token?: unknown }).session_token).toBe('string');
    expect(sessionCookieOf(res)).toBeUndefined();
    const me = await app.get('/api/session');
    expect(me.status).toBe(200);
    expect((me.body as { user: { name: string } }).user.name).toBe('Native Wei');
  });

  it('refuses the same code twice, a made-up code, and a code of another provider', async () => {
    const code = await nativeCode('github', { sub: 'native-twice' });
    expect((await mobile(gw).post('/api/session/provider/code', { provider_id: 'github', code })).status).toBe(200);
    const again = mobile(gw);
    expectApiError(await again.post('/api/session/provider/code', { provider_id: 'github', code }), 400, 'provider_code_invalid');
    expect(again.token).toBeUndefined();
    expectApiError(await mobile(gw).post('/api/session/provider/code', { provider_id: 'github', code: 'made-up-code' }), 400, 'provider_code_invalid');
    const wx = await nativeCode('wx_open', { sub: 'native-cross' });
    expectApiError(await mobile(gw).post('/api/session/provider/code', { provider_id: 'github', code: wx }), 400, 'provider_code_invalid');
  });

  it('refuses a provider the gateway does not offer before asking CloudBase', async () => {
    const before = (await gw.emu.stats())['POST /auth/v1/provider/token'] ?? 0;
    expectApiError(await mobile(gw).post('/api/session/provider/code', { provider_id: 'gitlab', code: 'x' }), 404, 'provider_unknown');
    expect((await gw.emu.stats())['POST /auth/v1/provider/token'] ?? 0).toBe(before);
  });
});

describe('an identity CloudBase will not sign up by itself, carried into a code sign-up', () => {
  const NO_AUTO_SIGNUP = [{ id: 'wx_open', auto_sign_up: false }, { id: 'github', auto_sign_up: false }, { id: 'google' }];
  let nextContact = 0;
  const contact = () => `${process.pid}${String(nextContact++).padStart(3, '0')}`;

  beforeEach(() => setEmulatorProviders(gw.emulator.url, NO_AUTO_SIGNUP));
  afterEach(async () => {
    await setEmulatorProviders(gw.emulator.url, [{ id: 'wx_open' }, { id: 'github' }, { id: 'google' }]);
    await gw.emu.setConfig({ provider_token_ttl_s: 600 });
  });

  const identitiesOf = (sub: string) => (gw.emulator.state.users.get(sub)?.identities ?? []).map((i) => `${i.providerId}:${i.sub}`);

  it('binds the identity to the account an email sign-up creates (cookie mode); the provider then signs in to it', async () => {
    const app = spa(gw);
    const refused = await app.post('/api/session/provider/code', { provider_id: 'github', code: await nativeCode('github', { sub: 'gh-carried-1' }) });
    expectApiError(refused, 403, 'provider_signup_required');
    expect(JSON.stringify(refused.body)).not.toContain('pt.');
    const email = `carried.${contact()}@example.com`;
    expect((await app.post('/api/session/code/send', { email, purpose: 'signup' })).status).toBe(200);
    expect((await app.post('/api/session/code/verify', { verification_code: await gw.emu.mail(email) })).body).toMatchObject({ next: 'signup' });
    const done = await app.post('/api/session/signup', { name: 'Carried' });
    expect(done.status).toBe(200);
    const sub = (done.body as { user: { sub: string } }).user.sub;
    expect(identitiesOf(sub)).toEqual(['github:gh-carried-1']);
    // The identity now signs in by itself, to the same account.
    const later = mobile(gw);
    const again = await later.post('/api/session/provider/code', { provider_id: 'github', code: await nativeCode('github', { sub: 'gh-carried-1' }) });
    expect(again.status).toBe(200);
    expect((again.body as { user: { sub: string } }).user.sub).toBe(sub);
  });

  it('does the same for a native app in token mode with a phone number: the refusal carries its session_token', async () => {
    const app = mobile(gw);
    const refused = await app.post('/api/session/provider/code', { provider_id: 'wx_open', code: await nativeCode('wx_open', { sub: 'wx-carried-2' }), code_type: 'open_id' });
    expectApiError(refused, 403, 'provider_signup_required');
    expect(typeof (refused.body as { session_token?: unknown }).session_token).toBe('string');
    const phone = `137${contact().slice(-8).padStart(8, '0')}`;
    expect((await app.post('/api/session/code/send', { phone_number: phone, purpose: 'signup' })).status).toBe(200);
    expect((await app.post('/api/session/code/verify', { verification_code: await gw.emu.sms(`+86 ${phone}`) })).body).toMatchObject({ next: 'signup' });
    const done = await app.post('/api/session/signup', {});
    expect(done.status).toBe(200);
    const sub = (done.body as { user: { sub: string } }).user.sub;
    expect(identitiesOf(sub)).toEqual(['wx_open:wx-carried-2']);
    const again = await mobile(gw).post('/api/session/provider/code', { provider_id: 'wx_open', code: await nativeCode('wx_open', { sub: 'wx-carried-2' }), code_type: 'open_id' });
    expect((again.body as { user: { sub: string } }).user.sub).toBe(sub);
  });

  it('an expired provider token fails the sign-up with a clear 400 provider_code_invalid: no account, no session', async () => {
    await gw.emu.setConfig({ provider_token_ttl_s: 1 });
    const app = spa(gw);
    const usersBefore = gw.emulator.state.users.size;
    expectApiError(await app.post('/api/session/provider/code', { provider_id: 'github', code: await nativeCode('github', { sub: 'gh-expiring' }) }), 403, 'provider_signup_required');
    const email = `expiring.${contact()}@example.com`;
    await app.post('/api/session/code/send', { email, purpose: 'signup' });
    expect((await app.post('/api/session/code/verify', { verification_code: await gw.emu.mail(email) })).body).toMatchObject({ next: 'signup' });
    const tokens = [...gw.emulator.state.providerTokens.values()].filter((t) => t.identity.sub === 'gh-expiring');
    expect(tokens).toHaveLength(1);
    await waitUntil(() => tokens.every((t) => t.expiresAt < Date.now()), 'the provider token to expire');
    const res = await app.post('/api/session/signup', { name: 'Too Late' });
    expectApiError(res, 400, 'provider_code_invalid');
    expect((res.body as { error: { message: string } }).error.message).toContain('expired');
    expect((await app.get('/api/session')).status).toBe(401);
    expect(gw.emulator.state.users.size).toBe(usersBefore);
    // The verified email is still good: a new try signs up, without the identity it could not keep.
    const second = await app.post('/api/session/signup', { name: 'Second Try' });
    expect(second.status).toBe(200);
    expect(identitiesOf((second.body as { user: { sub: string } }).user.sub)).toEqual([]);
  });
});

describe('POST /api/session/ticket', () => {
  it('signs in with a ticket minted by @cloudbase/node-sdk, in cookie and token mode, as the same user', async () => {
    const app = spa(gw);
    const res = await app.post('/api/session/ticket', { ticket: await mintTicket('app-user-0001') });
    expect(res.status).toBe(200);
    expect(sessionCookieOf(res)).toBeDefined();
    const native = mobile(gw);
    const res2 = await native.post('/api/session/ticket', { ticket: await mintTicket('app-user-0001') });
    expect(res2.status).toBe(200);
    expect(typeof (res2.body as { session_token?: unknown }).session_token).toBe('string');
    const a = (await app.get('/api/session')).body as { user: { sub: string } };
    const b = (await native.get('/api/session')).body as { user: { sub: string } };
    expect(a.user.sub).toBe(b.user.sub);
  });

  it('refuses a forged or tampered ticket with 401 ticket_invalid and no session', async () => {
    const good = await mintTicket('app-user-0002');
    const [kid, jwt] = good.split('/@@/');
    const [h, p] = jwt!.split('.');
    const forged = `${kid}/@@/${h}.${p}.${'A'.repeat(40)}`;
    for (const ticket of [forged, 'not-a-ticket', `${kid}/@@/garbage`]) {
      const app = spa(gw);
      expectApiError(await app.post('/api/session/ticket', { ticket }), 401, 'ticket_invalid');
      expect((await app.get('/api/session')).status).toBe(401);
    }
  });
});

describe('the leak guard knows provider codes, provider tokens and tickets from the emulator\'s own records', () => {
  it('finds each one in an answer or a log line although no test handed it over', async () => {
    const res = await fetch(`${gw.emulator.url}/__emulator/provider/github/code`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'guard-person' }),
    });
    const { code } = (await res.json()) as { code: string };
    const creds = (await (await fetch(`${gw.emulator.url}/__emulator/custom-login-key`)).json()) as { env_id: string; private_key_id: string; private_key: string };
    const ticket = tcb.init({ env: creds.env_id, credentials: creds }).auth().createTicket('guard-user-01');
    // Used through the gateway, so the emulator has seen the ticket and turned the code into a provider token.
    expect((await mobile(gw).post('/api/session/ticket', { ticket })).status).toBe(200);
    expect((await mobile(gw).post('/api/session/provider/code', { provider_id: 'github', code })).status).toBe(200);
    const providerToken = [...gw.emulator.state.providerTokens.keys()].at(-1)!;
    const leaked = (body: string) => [{ method: 'GET', url: '/x', status: 200, headers: {}, body }];
    const none = { logs: [], emulator: gw.emulator.state, secrets: [] };
    expect(findLeaks({ ...none, transcript: leaked(`{"c":"${code}"}`) })).toEqual(['a provider code in GET /x → 200 body']);
    expect(findLeaks({ ...none, transcript: leaked(`t=${providerToken}`) })).toEqual(['a provider token in GET /x → 200 body']);
    expect(findLeaks({ ...none, transcript: [], logs: [`ticket ${ticket}`] })).toEqual(expect.arrayContaining(['a custom ticket in log line 1']));
    expect(findLeaks({ ...none, transcript: leaked('nothing secret here') })).toEqual([]);
  });
});
