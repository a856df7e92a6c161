/**
 * The Redis-dump attack: someone who reads every key and value of the gateway's Redis (no gateway secrets, no
 * cookies) must find no usable CloudBase token, flow token or session-token secret. Sessions are made by real
 * sign-ins of every kind over HTTP, then the dump's strings are tried against the emulator and the gateway. Then key
 * rotation across gateways sharing one Redis: nobody is signed out while an old key is kept, and a session no key
 * opens is signed out (no 500).
 */
import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { csrfFrom, startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { mobile, phoneNumbers, RELAXED_LIMITS, spa, finishApiSuite, type MobileClient } from '../support/api.js';
import { sessionIdFromCookie } from '../support/sessions.js';
import { setEmulatorProviders } from '../support/provider.js';
import type { RedisClient } from '../../src/session/redis.js';
import { COOKIES } from '../../src/config/cookies.js';

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/;
const canonical = (national: string) => `+86 ${national}`;
const newPhone = phoneNumbers(7300);

let clockOffsetMs = 0;
const clock = () => Date.now() + clockOffsetMs;
const newKey = () => randomBytes(32).toString('base64');

/** Every key of the database with every value, as text: strings, hash fields and values, set/zset/list members. */
async function dumpRedis(redis: RedisClient): Promise<Map<string, string[]>> {
  const dump = new Map<string, string[]>();
  for (const key of await redis.keys('*')) {
    const type = await redis.type(key);
    let values: string[];
    if (type === 'string') values = [(await redis.get(key)) ?? ''];
    else if (type === 'hash') values = Object.entries(await redis.hgetall(key)).flat();
    else if (type === 'set') values = await redis.smembers(key);
    else if (type === 'zset') values = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'list') values = await redis.lrange(key, 0, -1);
    else values = [`<${type}>`];
    dump.set(key, values);
  }
  return dump;
}

/** Every string an attacker could try as a token: each value, each JSON leaf in it, and each dot-separated part. */
function candidatesIn(dump: Map<string, string[]>): Set<string> {
  const out = new Set<string>();
  const add = (s: string) => {
    if (s.length < 16) return;
    out.add(s);
    for (const part of s.split('.')) if (part.length >= 16) out.add(part);
  };
  const walk = (v: unknown): void => {
    if (typeof v === 'string') add(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const values of dump.values()) {
    for (const value of values) {
      add(value);
      try {
        walk(JSON.parse(value));
      } catch {
        // not JSON
      }
    }
  }
  return out;
}

describe('a dump of Redis after every kind of sign-in', () => {
  let gw: TestGateway;
  /** session-token secrets handed to native apps; none may be in Redis */
  const sessionTokens: string[] = [];
  const browsers: TestAgent[] = [];
  const apps: MobileClient[] = [];
  let refreshesBefore = 0;

  const password = (p: string) => {
    gw.secrets.add(p);
    return p;
  };
  const refreshes = async () => (await gw.emu.stats())['POST /auth/v1/token'] ?? 0;

  async function browserSignIn(n: number): Promise<TestAgent> {
    const user = { username: `at-rest-browser${n}`, password: password(`Passw0rd!at-rest-b${n}`) };
    await gw.emu.createUser(user);
    const agent = gw.agent();
    expect((await submitForm(agent, '/login', '/login', user)).headers.location).toBe('/');
    return agent;
  }

  beforeAll(async () => {
    gw = await startTestGateway({ env: { ...RELAXED_LIMITS, TOKEN_ENCRYPTION_KEYS: `k1:${newKey()}`, AUTH_PROVIDERS: 'github' }, now: clock });

    // Password sign-ins in browsers, several at once.
    browsers.push(...(await Promise.all([1, 2, 3, 4].map(browserSignIn))));

    // A refresh under a burst of requests: a 61 s token is due half way through its life (the refresh window is
    // clamped to half a short token's lifetime), so the clock moves 32 s.
    await gw.emu.setConfig({ access_token_ttl_s: 61 });
    const due = await browserSignIn(5);
    await gw.emu.setConfig({ access_token_ttl_s: 7200 });
    clockOffsetMs += 32_000;
    refreshesBefore = await refreshes();
    const burst = await Promise.all(Array.from({ length: 6 }, () => due.get('/account')));
    expect(burst.map((r) => r.status)).toEqual(Array(6).fill(200));
    browsers.push(due);

    // A password change: a sudo token is issued upstream, the session gets new tokens.
    const changer = await browserSignIn(6);
    const token = await csrfFrom(changer, '/account');
    const changed = await changer
      .post('/account/password')
      .type('form')
      .send({ _csrf: token, old_password: 'Passw0rd!at-rest-b6', new_password: password('Passw0rd!at-rest-b6-new') });
    expect(changed.status).toBe(303);
    expect(changed.headers.location).toBe('/account?notice=password_changed');
    browsers.push(changer);

    // SMS: a sign-in, a sign-up and a password reset each left holding a verified code's token, a flow holding a
    // verification id, and a send that met a captcha.
    const smsUser = newPhone();
    await gw.emu.createUser({ phone_number: canonical(smsUser), name: 'Sam' });
    const sms = spa(gw);
    expect((await sms.post('/api/session/sms/send', { phone_number: smsUser, purpose: 'login' })).status).toBe(200);
    const smsIn = await sms.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(canonical(smsUser)) });
    expect(smsIn.body.authenticated).toBe(true);

    const signupPhone = newPhone();
    const signup = spa(gw);
    await signup.post('/api/session/sms/send', { phone_number: signupPhone, purpose: 'signup' });
    const verified = await signup.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(canonical(signupPhone)) });
    expect(verified.body).toMatchObject({ authenticated: false });

    const resetPhone = newPhone();
    await gw.emu.createUser({ phone_number: canonical(resetPhone), name: 'Rita', password: password('Passw0rd!at-rest-reset') });
    const reset = spa(gw);
    await reset.post('/api/session/sms/send', { phone_number: resetPhone, purpose: 'reset' });
    const resetVerified = await reset.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(canonical(resetPhone)) });
    expect(resetVerified.body).toEqual({ authenticated: false, next: 'reset_password' });

    const pending = spa(gw);
    expect((await pending.post('/api/session/sms/send', { phone_number: newPhone(), purpose: 'login' })).status).toBe(200);

    await gw.emu.setConfig({ fail: { 'POST /auth/v1/verification': 'captcha_required' } });
    const captcha = await spa(gw).post('/api/session/sms/send', { phone_number: newPhone(), purpose: 'login' });
    expect(captcha.body.error.code).toBe('captcha_required');
    const solver = spa(gw);
    const solverPhone = newPhone();
    await solver.post('/api/session/sms/send', { phone_number: solverPhone, purpose: 'login' });
    const answer = [...gw.emulator.state.captchas.values()].at(-1)!.key;
    expect((await solver.post('/api/session/sms/send', { phone_number: solverPhone, purpose: 'login', captcha_answer: answer })).status).toBe(200);
    await gw.emu.setConfig({ fail: {} });

    // An identity CloudBase will not sign up by itself: its provider token waits in the session for a code sign-up.
    await setEmulatorProviders(gw.emulator.url, [{ id: 'github', auto_sign_up: false }]);
    const minted = await fetch(`${gw.emulator.url}/__emulator/provider/github/code`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'at-rest-github' }),
    });
    const { code } = (await minted.json()) as { code: string };
    expect((await spa(gw).post('/api/session/provider/code', { provider_id: 'github', code })).body.error.code).toBe('provider_signup_required');

    // Anonymous, in a browser and in an app; token-mode password sign-ins, several at once.
    expect((await spa(gw).post('/api/session/anonymous', {})).status).toBe(200);
    const guest = mobile(gw);
    expect((await guest.post('/api/session/anonymous', {})).status).toBe(200);
    apps.push(guest);
    const signedInApps = await Promise.all(
      [1, 2, 3].map(async (n) => {
        const user = { username: `at-rest-app${n}`, password: password(`Passw0rd!at-rest-app${n}`) };
        await gw.emu.createUser(user);
        const app = mobile(gw);
        expect((await app.post('/api/session/login', user)).status).toBe(200);
        return app;
      }),
    );
    apps.push(...signedInApps);
    for (const app of apps) sessionTokens.push(app.token!.split('.')[1]!);
  });

  afterAll(() => finishApiSuite(gw));

  it('was made of real upstream work: refreshes, sudo, verification and captcha tokens issued', async () => {
    expect(await refreshes()).toBe(refreshesBefore + 1);
    const s = gw.emulator.state;
    expect(s.sudoTokens.size).toBeGreaterThan(0);
    expect(s.verificationTokens.size).toBeGreaterThanOrEqual(2); // the sign-up's and the reset's, unspent
    expect(s.captchaTokens.size).toBeGreaterThan(0);
    expect(s.captchas.size).toBeGreaterThan(0);
    expect(s.providerTokens.size).toBe(1);
    expect(s.refreshTokens.size).toBeGreaterThanOrEqual(12);
  });

  it('holds no JWT, no token CloudBase issued, no session-token secret and no secret the sessions keep', async () => {
    const dump = await dumpRedis(gw.redis);
    const text = [...dump].map(([k, v]) => `${k}\n${v.join('\n')}`).join('\n');
    expect(text).not.toMatch(JWT);

    const s = gw.emulator.state;
    const issued: [string, Iterable<string>][] = [
      ['refresh token', s.refreshTokens.keys()],
      ['verification token', s.verificationTokens.keys()],
      ['sudo token', s.sudoTokens.keys()],
      ['captcha token', s.captchaTokens.keys()],
      ['captcha image token', s.captchas.keys()],
      ['provider token', s.providerTokens.keys()],
      ['session-token secret', sessionTokens],
    ];
    // What the sessions hold, read back through the gateway's keys: present, and only sealed.
    const held: string[] = [];
    for (const key of dump.keys()) {
      const sid = /^cbg:s:\{([^}]+)\}$/.exec(key)?.[1];
      const sess = sid ? await gw.store.read(sid) : null;
      if (!sess) continue;
      held.push(...[sess.auth?.at, sess.auth?.rt, sess.flow?.vid, sess.flow?.vtok, sess.captcha?.token, sess.providerSignup?.token, sess.csrf].filter((v): v is string => !!v));
    }
    expect(held.filter((v) => v.startsWith('pt.'))).toHaveLength(1);
    issued.push(['secret a session holds', held]);
    // An access token in each of the 6 browser, 1 SMS, 2 anonymous and 3 app sessions.
    expect(held.filter((v) => JWT.test(v)).length).toBeGreaterThanOrEqual(12);

    const found: string[] = [];
    for (const [what, needles] of issued) for (const n of needles) if (text.includes(n)) found.push(`${what} ${n.slice(0, 8)}…`);
    expect(found).toEqual([]);
  });

  it('yields no string CloudBase takes as an access or refresh token or as a device id to sign in as an anonymous user, nor the gateway as a session token', async () => {
    const dump = await dumpRedis(gw.redis);
    const candidates = [...candidatesIn(dump)];
    const sids = [...dump.keys()].map((k) => /^cbg:s:\{([^}]+)\}$/.exec(k)?.[1]).filter((v): v is string => !!v);
    expect(candidates.length).toBeGreaterThan(20);
    expect(sids.length).toBeGreaterThan(10);

    const emulator = supertest(gw.emulator.url);
    const basic = `Basic ${Buffer.from('test-client:test-secret').toString('base64')}`;
    const usable: string[] = [];
    // CloudBase gives a device id back its anonymous user: a stored device id would be as good as that user's tokens.
    const anonymous = new Set(gw.emulator.state.anonymousDevices.values());
    expect(anonymous.size).toBe(2);
    // A header carries printable text only: a sealed value stored as raw bytes cannot even be presented in one.
    const sendable = (x: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(x);
    for (const c of candidates.filter((x) => x.length <= 48 && sendable(x))) {
      const signedIn = await emulator.post('/auth/v1/signin/anonymously').set('x-device-id', c).query({ client_id: 'test-client' }).send({});
      if (anonymous.has(signedIn.body.sub)) usable.push(`device id ${c.slice(0, 8)}…`);
    }
    for (const c of candidates) {
      const me = sendable(c) ? await emulator.get('/auth/v1/user/me').set('Authorization', `Bearer ${c}`) : undefined;
      if (me?.status === 200) usable.push(`access token ${c.slice(0, 8)}…`);
      const refreshed = await emulator
        .post('/auth/v1/token')
        .set('Authorization', basic)
        .send({ grant_type: 'refresh_token', refresh_token: c, client_id: 'test-client', client_secret: 'test-secret' });
      if (refreshed.status === 200) usable.push(`refresh token ${c.slice(0, 8)}…`);
    }
    // A session token is `<sid>.<43 base64url characters>`: try every such string of the dump with every session id.
    const secrets = candidates.filter((c) => /^[A-Za-z0-9_-]{43}$/.test(c));
    expect(secrets.length).toBeGreaterThan(0); // the stored hashes of the apps' secrets have that shape
    for (const sid of sids) {
      // The ids are in the key names; a cookie needs SESSION_SECRET's signature, which Redis never sees.
      for (const cookie of [`${COOKIES.session}=${sid}`, `${COOKIES.session}=${encodeURIComponent(`s:${sid}`)}`, `${COOKIES.session}=${encodeURIComponent(`s:${sid}.${sid}`)}`]) {
        const res = await supertest(gw.server).get('/api/session').set('Cookie', cookie);
        if (res.status !== 401) usable.push(`session id ${sid.slice(0, 6)}… as a cookie (${res.status})`);
      }
      for (const secret of secrets) {
        const res = await supertest(gw.server).get('/api/session').set('Authorization', `Session ${sid}.${secret}`);
        if (res.status !== 401) usable.push(`session token for ${sid.slice(0, 6)}… (${res.status})`);
      }
    }
    expect(usable).toEqual([]);
  });

  it('leaves every session working for its owner', async () => {
    for (const agent of browsers) expect((await agent.get('/account')).status).toBe(200);
    for (const app of apps) expect((await app.get('/api/session')).body.authenticated).toBe(true);
  });
});

describe('rotating TOKEN_ENCRYPTION_KEYS across gateways on one Redis', () => {
  const OLD = `old:${newKey()}`;
  const NEW = `new:${newKey()}`;
  let before: TestGateway;
  let during: TestGateway;
  let after: TestGateway;
  const idleHalfMs = 901_000;

  const gateway = (keys: string, redisServer?: TestGateway['redisServer']) =>
    startTestGateway({ env: { ...RELAXED_LIMITS, TOKEN_ENCRYPTION_KEYS: keys, REDIS_KEY_PREFIX: 'rot:' }, now: clock, ...(redisServer ? { redisServer } : {}) });
  const sealedWith = async (g: TestGateway, sid: string) => JSON.parse((await g.redis.hget(g.store.keys.session(sid), 'd'))!).x.split('.')[0];
  const asApp = (g: TestGateway, token: string) => supertest(g.server).get('/api/session').set('Authorization', `Session ${token}`);

  async function appSignIn(n: string): Promise<string> {
    const user = { username: `rotate-${n}`, password: `Passw0rd!rotate-${n}` };
    before.secrets.add(user.password);
    await before.emu.createUser(user);
    const app = mobile(before);
    expect((await app.post('/api/session/login', user)).status).toBe(200);
    return app.token!;
  }

  beforeAll(async () => {
    before = await gateway(OLD);
    during = await gateway(`${NEW},${OLD}`, before.redisServer);
    after = await gateway(NEW, before.redisServer);
  });

  afterAll(async () => {
    for (const g of [after, during]) {
      g.assertNoLeaks();
      await g.close();
    }
    await finishApiSuite(before);
  });

  it('signs nobody out while the old key is kept: a burst on old and new gateways all succeed', async () => {
    const tokens = await Promise.all(['a', 'b', 'c'].map(appSignIn));
    const burst = await Promise.all(tokens.flatMap((t) => [before, during, before, during].map((g) => asApp(g, t))));
    expect(burst.map((r) => r.status)).toEqual(Array(burst.length).fill(200));
    for (const t of tokens) expect(await sealedWith(before, t.split('.')[0]!)).toBe('old');
  });

  it('reseals with the new key at the next write, which a gateway with only the new key then reads', async () => {
    const token = await appSignIn('reseal');
    const sid = token.split('.')[0]!;
    clockOffsetMs += idleHalfMs; // activity is due to be recorded: the next request writes the session
    expect((await asApp(during, token)).status).toBe(200);
    expect(await sealedWith(during, sid)).toBe('new');
    expect((await asApp(after, token)).status).toBe(200);
  });

  it('signs out a session no key opens (no 500) and ends it in Redis', async () => {
    const token = await appSignIn('orphan');
    const sid = token.split('.')[0]!;
    const res = await asApp(after, token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ authenticated: false });
    expect(await after.redis.exists(after.store.keys.session(sid))).toBe(0);
    // Ended for the old gateway too: the key is gone, so no instance brings it back.
    expect((await asApp(before, token)).status).toBe(401);
  });

  it('sends a browser whose session no key opens to sign in, and its lean session read says signed out', async () => {
    const user = { username: 'rotate-browser', password: 'Passw0rd!rotate-browser' };
    before.secrets.add(user.password);
    await before.emu.createUser(user);
    const signedIn = await submitForm(before.agent(), '/login', '/login', user);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/');
    const cookie = (signedIn.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    const sid = sessionIdFromCookie(signedIn.headers['set-cookie']);
    expect((await supertest(after.server).get('/api/session').set('Cookie', cookie)).status).toBe(200); // not decrypted
    const account = await supertest(after.server).get('/account').set('Cookie', cookie);
    expect(account.status).toBe(303);
    expect(account.headers.location).toMatch(/^\/login/);
    expect(await after.redis.exists(after.store.keys.session(sid))).toBe(0);
    expect((await supertest(after.server).get('/api/session').set('Cookie', cookie)).status).toBe(401);
  });
});
