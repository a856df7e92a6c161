import { Writable } from 'node:stream';
import { startTestGateway, csrfFrom, submitForm, type TestGateway } from '../support/gateway.js';
import { failedPost } from '../support/prg.js';
import { createLogger } from '../../src/logger.js';

/**
 * At LOG_LEVEL=trace, through a password sign-in, an SMS sign-in, token-mode API calls, a failing Redis write and
 * sign-outs, no log line holds a secret: gw.assertNoLeaks() looks for every token the emulator issued, every SMS code
 * and every password; this file adds what only the gateway knows — session ids (the cookie), session tokens and
 * their secrets, CSRF tokens and raw Cookie / Authorization header values.
 */
let gw: TestGateway;
const PASSWORD = 'Log-redaction-pw-1';
const PHONE = '+86 13600000001';
/** secrets the gateway made or received, beyond what the emulator knows */
const gatewaySecrets = new Set<string>();

beforeAll(async () => {
  gw = await startTestGateway({ env: { LOG_LEVEL: 'trace' } });
  gw.secrets.add(PASSWORD);
  await gw.emu.createUser({ username: 'logged', password: PASSWORD, phone_number: PHONE });
});

afterAll(async () => {
  await gw.close();
});

function keepCookieSecrets(setCookie: unknown): void {
  for (const c of (Array.isArray(setCookie) ? setCookie : []) as string[]) {
    const value = decodeURIComponent(c.split(';')[0]!.split('=').slice(1).join('='));
    if (!value || !c.startsWith(gw.config.session.cookieName)) continue;
    gatewaySecrets.add(value);
    const sid = /^s:([^.]+)\./.exec(value)?.[1];
    if (sid) gatewaySecrets.add(sid);
  }
}

describe('with every log level on', () => {
  it('logs the flows without a secret', async () => {
    // Password sign-in and sign-out in a browser.
    const browser = gw.agent();
    gatewaySecrets.add(await csrfFrom(browser, '/login'));
    const login = await submitForm(browser, '/login', '/login', { username: 'logged', password: PASSWORD });
    expect(login.status).toBe(303);
    keepCookieSecrets(login.headers['set-cookie']);
    expect((await browser.get('/account')).status).toBe(200);
    const logoutToken = await csrfFrom(browser, '/logout');
    gatewaySecrets.add(logoutToken);
    expect((await browser.post('/logout').type('form').send({ _csrf: logoutToken })).status).toBe(303);

    // SMS sign-in in another browser, with a wrong code first.
    const sms = gw.agent();
    expect((await submitForm(sms, '/login/sms', '/login/sms/code', { phone_number: '13600000001' })).status).toBe(303);
    const code = await gw.emu.sms(PHONE);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect((await failedPost(sms, '/login/sms', '/login/sms', { verification_code: wrong })).errorStatus).toBe(400);
    const signed = await submitForm(sms, '/login/sms', '/login/sms', { verification_code: code });
    expect(signed.status).toBe(303);
    keepCookieSecrets(signed.headers['set-cookie']);

    // Token mode: the session token travels in Authorization headers.
    const api = await gw
      .agent()
      .post('/api/session/login')
      .set({ 'x-session-mode': 'token' })
      .send({ username: 'logged', password: PASSWORD });
    expect(api.status).toBe(200);
    const token = String(api.body.session_token);
    gatewaySecrets.add(token);
    gatewaySecrets.add(token.split('.')[1]!);
    expect((await gw.agent().get('/api/session').set('authorization', `Session ${token}`)).status).toBe(200);
    expect((await gw.agent().get('/api/session').set('authorization', `Session ${token}x`)).status).toBe(401);

    // A session write that Redis refuses: the error carries the command's arguments (the session, tokens included).
    const doomed = gw.agent();
    expect((await submitForm(doomed, '/login', '/login', { username: 'logged', password: PASSWORD })).headers.location).toBe('/');
    await gw.redis.config('SET', 'maxmemory', '1');
    try {
      const failed = await doomed.get('/logout');
      expect([200, 503]).toContain(failed.status);
    } finally {
      await gw.redis.config('SET', 'maxmemory', '0');
    }
    expect(gw.logs.some((l) => l.includes('"level":50'))).toBe(true);

    expect((await gw.agent().delete('/api/session').set('authorization', `Session ${token}`)).status).toBe(204);
  });

  it('left no token, password, code, session id or header value in any log line', () => {
    gw.assertNoLeaks();
    const leaks: string[] = [];
    gw.logs.forEach((line, i) => {
      for (const s of gatewaySecrets) if (s.length >= 8 && line.includes(s)) leaks.push(`log line ${i + 1} holds ${s.slice(0, 6)}…`);
      if (/"(cookie|authorization|set-cookie)":"(?!\[redacted\])/i.test(line)) leaks.push(`log line ${i + 1} holds a raw header`);
    });
    expect(leaks).toEqual([]);
    // The logs were not simply empty: requests were logged with their ids.
    expect(gw.logs.filter((l) => l.includes('"reqId"') || l.includes('"req":{"id"')).length).toBeGreaterThan(10);
  });
});

describe('the redaction paths', () => {
  it('censor secrets wherever a log call could put them', () => {
    const lines: string[] = [];
    const logger = createLogger('trace', new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }));
    const secret = 'S3cret-value-0123456789';
    logger.info(
      {
        password: secret,
        verification_code: secret,
        session_token: secret,
        sessionKey: secret,
        req: { headers: { cookie: secret, authorization: secret, 'x-captcha-token': secret } },
        res: { headers: { 'set-cookie': secret } },
        body: { password: secret, new_password: secret, old_password: secret, refresh_token: secret, captcha_answer: secret },
        session: { auth: { at: secret, rt: secret } },
        err: { message: 'OOM', command: { name: 'evalsha', args: [secret] } },
      },
      'everything',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toContain('[redacted]');
  });
});
