import type { AddressInfo } from 'node:net';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { finishApiSuite, RELAXED_LIMITS } from '../support/api.js';
import { nativeApp } from '../support/typed-client.js';
import { SESSION_CHALLENGE } from '../../src/routes/api/challenge.js';

// The client generated from the OpenAPI document (openapi-typescript + openapi-fetch) against the real gateway and
// emulator over HTTP: if the document and the gateway disagreed on a path, a field or a header, this would not compile
// or would fail here.

let gw: TestGateway;
let baseUrl: string;
const PASSWORD = 'Typed-Client-Pw!7731';

beforeAll(async () => {
  gw = await startTestGateway({ env: RELAXED_LIMITS });
  await gw.emu.createUser({ username: 'typed-carol', password: PASSWORD, name: 'Carol' });
  gw.secrets.add(PASSWORD);
  baseUrl = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`;
});

afterAll(() => finishApiSuite(gw));

describe('the typed client (openapi-fetch over the generated types) in token mode', () => {
  it('signs in, reads the session, lists the sessions and signs out', async () => {
    const phone = nativeApp(baseUrl);
    const signIn = await phone.api.POST('/api/session/login', { body: { username: 'typed-carol', password: PASSWORD } });
    expect(signIn.response.status).toBe(200);
    expect(signIn.data?.user.username).toBe('typed-carol');
    expect(signIn.data?.session_token).toBe(phone.token);
    expect(signIn.response.headers.get('set-cookie')).toBeNull();
    const deviceToken = signIn.data?.device_token;
    expect(typeof deviceToken).toBe('string');

    // A second device of the same user, proving its own device with the typed header parameter.
    const tablet = nativeApp(baseUrl);
    const again = await tablet.api.POST('/api/session/login', {
      params: { header: { 'X-Device-Token': deviceToken! } },
      body: { username: 'typed-carol', password: PASSWORD },
    });
    expect(again.response.status).toBe(200);
    expect(tablet.token).toBeDefined();
    expect(tablet.token).not.toBe(phone.token);

    const me = await phone.api.GET('/api/session');
    expect(me.response.status).toBe(200);
    expect(me.data).toMatchObject({ authenticated: true, user: { username: 'typed-carol', name: 'Carol', anonymous: false } });

    const list = await phone.api.GET('/api/sessions');
    expect(list.response.status).toBe(200);
    expect(list.data?.sessions).toHaveLength(2);
    expect(list.data?.sessions.map((s) => ({ current: s.current, kind: s.kind }))).toEqual([
      { current: true, kind: 'token' },
      { current: false, kind: 'token' },
    ]);
    expect(list.data?.next_cursor).toBeNull();

    const out = await phone.api.DELETE('/api/session');
    expect(out.response.status).toBe(204);

    const after = await phone.api.GET('/api/session');
    expect(after.response.status).toBe(401);
    expect(after.error).toEqual({ authenticated: false });
    expect(after.response.headers.get('www-authenticate')).toBe(SESSION_CHALLENGE);

    const stillIn = await tablet.api.GET('/api/session');
    expect(stillIn.data?.authenticated).toBe(true);
  });

  it('gives the typed error body on a failure', async () => {
    const app = nativeApp(baseUrl);
    const wrong = await app.api.POST('/api/session/login', { body: { username: 'typed-carol', password: 'not-it-at-all' } });
    expect(wrong.response.status).toBe(401);
    expect(wrong.error?.error.code).toBe('login_failed');
    expect(wrong.response.headers.get('www-authenticate')).toBe(SESSION_CHALLENGE);

    const list = await app.api.GET('/api/sessions');
    expect(list.error?.error.code).toBe('not_signed_in');
  });
});
