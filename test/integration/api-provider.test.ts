import tcb from '@cloudbase/node-sdk';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectApiError, finishApiSuite, mobile, RELAXED_LIMITS, sessionCookieOf, spa } from '../support/api.js';
import { callbackPath, consent } from '../support/provider.js';

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

describe('when an app starts a provider sign-in for a browser', () => {
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

describe('when a native app signs in with a provider code', () => {
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

describe('when an app signs in with a custom ticket', () => {
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
