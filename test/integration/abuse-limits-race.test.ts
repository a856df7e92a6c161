import type { Response } from 'supertest';
import { csrfFrom, startTestGateway, type TestGateway } from '../support/gateway.js';
import { mobile, spa } from '../support/api.js';
import { assertMatchesOpenApi } from '../support/openapi-check.js';
import { followFailure } from '../support/prg.js';

/**
 * The limits under bursts: attempts fired all at once over real HTTP against real Redis and the emulator, counted where
 * they land (the emulator's call counts). A limit that is checked first and counted after the answer lets a burst
 * through whole; these limits take their point before CloudBase is called, so no more than the configured number land.
 * Each describe runs its own gateway with its own numbers; requests name their client address with X-Forwarded-For
 * (TRUST_PROXY=loopback).
 */
const PASSWORD = 'Right-pony-Staple-42';
const gateways: TestGateway[] = [];

async function gateway(env: Record<string, string>, shareRedisWith?: TestGateway): Promise<TestGateway> {
  const gw = await startTestGateway({
    env: { TRUST_PROXY: 'loopback', LIMIT_LOGIN_BLOCK_S: '120', LIMIT_LOGIN_BLOCK_MAX_S: '600', ...env },
    ...(shareRedisWith ? { redisServer: shareRedisWith.redisServer } : {}),
  });
  gw.secrets.add(PASSWORD);
  gateways.push(gw);
  return gw;
}

afterAll(async () => {
  try {
    for (const gw of gateways) {
      gw.assertNoLeaks();
      assertMatchesOpenApi(gw.transcript);
    }
  } finally {
    // Newest first: a gateway that borrowed another's Redis closes before the owner stops it.
    for (const gw of gateways.reverse()) await gw.close();
  }
});

const calls = async (gw: TestGateway, key: string) => (await gw.emu.stats())[key] ?? 0;
const SIGNIN = 'POST /auth/v1/signin';
const ip = (n: number) => `198.51.${Math.floor(n / 250)}.${(n % 250) + 1}`;
/** An answer by its status; a failed form post's is the status of the error its page shows (below). */
interface Answered {
  status: number;
  headers: Record<string, string>;
  text: string;
}
const statuses = (rs: Answered[]) => rs.map((r) => r.status).sort((a, b) => a - b);
const count = (rs: Answered[], status: number) => rs.filter((r) => r.status === status).length;

/**
 * `n` browsers, each with the login form open (its CSRF token fetched), then all submitted at once. A failed sign-in
 * answers 303 back to the form (post/redirect/get): each browser then loads that page, and the answer counts as the
 * status of the error the page shows (`data-error-code`), with the 303's headers (Retry-After).
 */
async function formBurst(gw: TestGateway, n: number, fields: (i: number) => Record<string, string>, addr: (i: number) => string): Promise<Answered[]> {
  const armed = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const agent = gw.agent();
      return { agent, token: await csrfFrom(agent, '/login?lang=en'), i };
    }),
  );
  const posted = await Promise.all(
    armed.map(({ agent, token, i }) =>
      agent.post('/login').set('X-Forwarded-For', addr(i)).type('form').send({ _csrf: token, ...fields(i) }),
    ),
  );
  return Promise.all(
    posted.map(async (res, k) => {
      if (!isFailedSignIn(res)) return { status: res.status, headers: res.headers, text: res.text };
      const shown = await followFailure(armed[k]!.agent, res);
      return { status: shown.errorStatus ?? 0, headers: res.headers, text: shown.text };
    }),
  );
}

/** A sign-in form post that failed: its 303 leads back to the form (a success leads away from it). */
function isFailedSignIn(res: Response): boolean {
  return res.status === 303 && /^\/login(\?|$)/.test(String(res.headers.location));
}

/** Limit refusals so far, all kinds: a burst on one session shares one flash, so its 429s are counted where refused. */
async function refusals(gw: TestGateway): Promise<number> {
  const text = await gw.metrics.registry.metrics();
  return text
    .split('\n')
    .filter((l) => l.startsWith('rate_limit_rejections_total{'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** `n` JSON sign-ins at once, each from its own SPA. */
async function apiBurst(gw: TestGateway, n: number, body: (i: number) => object, addr: (i: number) => string) {
  return Promise.all(
    Array.from({ length: n }, (_, i) => spa(gw).call('post', '/api/session/login', body(i), { 'X-Forwarded-For': addr(i) })),
  );
}

describe('a burst of wrong passwords at one account from many addresses', () => {
  for (const [limit, burst] of [
    [4, 37],
    [2, 19],
  ] as const) {
    it(`reaches CloudBase ${limit} times, not ${burst} (LIMIT_LOGIN_FAILURES=${limit})`, async () => {
      const gw = await gateway({ LIMIT_LOGIN_FAILURES: String(limit), LIMIT_LOGIN_ACCOUNT_IP_FAILURES: '1000' });
      await gw.emu.createUser({ username: `target-${limit}`, password: PASSWORD });
      const before = await calls(gw, SIGNIN);
      const answers = await formBurst(gw, burst, (i) => ({ username: `target-${limit}`, password: `guess-${i}` }), ip);
      expect(await calls(gw, SIGNIN)).toBe(before + limit);
      // The attempts that reached CloudBase were told "wrong" (the last of them also when to retry); the rest, 429.
      expect(count(answers, 401)).toBe(limit - 1);
      expect(count(answers, 429)).toBe(burst - limit + 1);
      expect(answers.every((r) => r.status !== 429 || Number(r.headers['retry-after']) > 60)).toBe(true);

      // The right password from one more stranger is refused too, without a call.
      const late = await formBurst(gw, 1, () => ({ username: `TARGET-${limit}`, password: PASSWORD }), () => '203.0.113.77');
      expect(statuses(late)).toEqual([429]);
      expect(await calls(gw, SIGNIN)).toBe(before + limit);
    });
  }
});

describe('a burst split over two gateways that share Redis', () => {
  it('reaches CloudBase no more than LIMIT_LOGIN_FAILURES times in all', async () => {
    const env = { LIMIT_LOGIN_FAILURES: '5', LIMIT_LOGIN_ACCOUNT_IP_FAILURES: '1000' };
    const one = await gateway(env);
    const two = await gateway(env, one);
    const total = async () => (await calls(one, SIGNIN)) + (await calls(two, SIGNIN));
    const before = await total();
    const answers = await Promise.all(
      Array.from({ length: 44 }, (_, i) =>
        spa(i % 2 ? two : one).call('post', '/api/session/login', { username: 'both-ways', password: `p-${i}` }, { 'X-Forwarded-For': ip(i) }),
      ),
    );
    expect((await total()) - before).toBe(5);
    expect(count(answers, 429)).toBe(44 - 4);
  });
});

describe('a burst from one address across many accounts (JSON API), the right password among them', () => {
  it('reaches CloudBase no more than LIMIT_LOGIN_IP_FAILURES times', async () => {
    const gw = await gateway({ LIMIT_LOGIN_IP_FAILURES: '6', LIMIT_LOGIN_FAILURES: '1000', LIMIT_LOGIN_ACCOUNT_IP_FAILURES: '1000' });
    await gw.emu.createUser({ username: 'sprayed-31', password: PASSWORD });
    const before = await calls(gw, SIGNIN);
    const answers = await apiBurst(
      gw,
      61,
      (i) => ({ username: `sprayed-${i}`, password: i === 31 ? PASSWORD : 'Winter2026!' }),
      () => '192.0.2.44',
    );
    // No more than six wrong passwords reached CloudBase (the right one, if it got through, gave its point back).
    const wrongOnes = (await calls(gw, SIGNIN)) - before - count(answers, 200);
    expect(wrongOnes).toBeLessThanOrEqual(6);
    expect(wrongOnes).toBeGreaterThanOrEqual(5);
    expect(count(answers, 401)).toBeLessThanOrEqual(5);
    expect(count(answers, 429)).toBeGreaterThanOrEqual(55);
    for (const r of answers.filter((a) => a.status === 429)) expect(r.body.error.code).toBe('too_many_attempts');
    // Another address is not affected.
    const other = await apiBurst(gw, 1, () => ({ username: 'sprayed-31', password: PASSWORD }), () => '192.0.2.45');
    expect(statuses(other)).toEqual([200]);
  });
});

describe('strangers: per (account, address) tightly, per account loosely', () => {
  it('each address gets LIMIT_LOGIN_ACCOUNT_IP_FAILURES tries at an account, all addresses LIMIT_LOGIN_FAILURES', async () => {
    const gw = await gateway({ LIMIT_LOGIN_ACCOUNT_IP_FAILURES: '2', LIMIT_LOGIN_FAILURES: '5' });
    await gw.emu.createUser({ username: 'shared-name', password: PASSWORD });
    const before = await calls(gw, SIGNIN);
    const from = async (addr: string) =>
      apiBurst(gw, 23, (i) => ({ username: 'shared-name', password: `try-${addr}-${i}` }), () => addr);
    await from('203.0.113.10');
    expect(await calls(gw, SIGNIN)).toBe(before + 2);
    await from('203.0.113.11');
    expect(await calls(gw, SIGNIN)).toBe(before + 4);
    // The fifth try for the account is the last it allows, from whichever address.
    await from('203.0.113.12');
    expect(await calls(gw, SIGNIN)).toBe(before + 5);
    const fourth = await from('203.0.113.13');
    expect(count(fourth, 429)).toBe(23);
    expect(await calls(gw, SIGNIN)).toBe(before + 5);
  });
});

describe('a device that signed in before (OWASP device cookies)', () => {
  it('a browser with the device cookie signs in while strangers have the account blocked', async () => {
    const gw = await gateway({ LIMIT_LOGIN_FAILURES: '3', LIMIT_LOGIN_ACCOUNT_IP_FAILURES: '2', LIMIT_LOGIN_DEVICE_FAILURES: '4' });
    await gw.emu.createUser({ username: 'owner', password: PASSWORD });
    const owner = gw.agent();
    const signIn = async (username: string) => {
      const token = await csrfFrom(owner, '/login');
      return owner.post('/login').set('X-Forwarded-For', '100.64.0.1').type('form').send({ _csrf: token, username, password: PASSWORD });
    };
    // A signed-in browser is sent on from the sign-in form: the owner signs out between sign-ins (the device cookie stays).
    const signOut = async () => {
      const token = await csrfFrom(owner, '/logout');
      expect((await owner.post('/logout').set('X-Forwarded-For', '100.64.0.1').type('form').send({ _csrf: token })).status).toBe(303);
    };
    const first = await signIn('owner');
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = ((first.headers['set-cookie'] as unknown as string[]) ?? []).find((c) => c.startsWith('cbg.device='));
    expect(cookie).toMatch(/HttpOnly/i);
    // 180 days, as Max-Age and as Expires
    expect(cookie).toMatch(/Max-Age=15552000(;|$)/);
    const expires = Date.parse(/Expires=([^;]+)/.exec(cookie!)![1]!);
    expect(Math.abs(expires - (Date.now() + 15_552_000_000))).toBeLessThan(120_000);
    await signOut();

    // Strangers at many addresses use up the account's allowance (same address as the owner's included).
    await formBurst(gw, 41, (i) => ({ username: 'owner', password: `x${i}` }), (i) => (i === 0 ? '100.64.0.1' : ip(i)));
    const stranger = await formBurst(gw, 1, () => ({ username: 'owner', password: PASSWORD }), () => '100.64.0.2');
    expect(statuses(stranger)).toEqual([429]);

    const before = await calls(gw, SIGNIN);
    const again = await signIn('owner');
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/');
    expect(await calls(gw, SIGNIN)).toBe(before + 1);
    await signOut();

    // The device has a limit of its own: a burst from it reaches CloudBase LIMIT_LOGIN_DEVICE_FAILURES times.
    const token = await csrfFrom(owner, '/login');
    const refusedBefore = await refusals(gw);
    const mine = await Promise.all(
      Array.from({ length: 13 }, (_, i) =>
        owner.post('/login').set('X-Forwarded-For', '100.64.0.1').type('form').send({ _csrf: token, username: 'owner', password: `mine-${i}` }),
      ),
    );
    expect(await calls(gw, SIGNIN)).toBe(before + 1 + 4);
    expect(mine.every(isFailedSignIn)).toBe(true);
    expect((await refusals(gw)) - refusedBefore).toBe(13 - 3);
  });

  it('a native app sends its device_token back as X-Device-Token', async () => {
    const gw = await gateway({ LIMIT_LOGIN_FAILURES: '2', LIMIT_LOGIN_ACCOUNT_IP_FAILURES: '1' });
    await gw.emu.createUser({ username: 'app-owner', password: PASSWORD });
    const app = mobile(gw);
    const signedIn = await app.post('/api/session/login', { username: 'app-owner', password: PASSWORD });
    expect(signedIn.status).toBe(200);
    const deviceToken = signedIn.body.device_token as string;
    expect(deviceToken).toMatch(/^[\w-]{22}\.[\w-]{22}\.[\w-]{43}$/);
    expect(signedIn.headers['set-cookie']).toBeUndefined();

    await apiBurst(gw, 17, (i) => ({ username: 'app-owner', password: `no${i}` }), ip);
    const later = mobile(gw);
    const refused = await later.call('post', '/api/session/login', { username: 'app-owner', password: PASSWORD });
    expect(refused.status).toBe(429);
    // A forged token is no token.
    const forged = `${deviceToken.slice(0, 45)}${deviceToken.slice(45).split('').reverse().join('')}`;
    const bad = await later.call('post', '/api/session/login', { username: 'app-owner', password: PASSWORD }, { 'X-Device-Token': forged });
    expect(bad.status).toBe(429);
    const ok = await later.call('post', '/api/session/login', { username: 'app-owner', password: PASSWORD }, { 'X-Device-Token': deviceToken });
    expect(ok.status).toBe(200);
    expect(ok.body.device_token).toMatch(/^[\w-]{22}\./);
  });
});

describe('a signed-in session guessing the password (a stolen cookie)', () => {
  it('reaches CloudBase LIMIT_LOGIN_DEVICE_FAILURES times from a burst of password changes', async () => {
    const gw = await gateway({ LIMIT_LOGIN_DEVICE_FAILURES: '3' });
    await gw.emu.createUser({ username: 'stolen', password: PASSWORD });
    const thief = gw.agent();
    const token = await csrfFrom(thief, '/login');
    expect((await thief.post('/login').type('form').send({ _csrf: token, username: 'stolen', password: PASSWORD })).headers.location).toBe('/');
    const SUDO = 'POST /auth/v1/user/sudo';
    const before = await calls(gw, SUDO);
    const refusedBefore = await refusals(gw);
    const accountToken = await csrfFrom(thief, '/account?lang=en');
    const answers = await Promise.all(
      Array.from({ length: 23 }, (_, i) =>
        thief
          .post('/account/password?lang=en')
          .type('form')
          .send({ _csrf: accountToken, old_password: `maybe-${i}`, new_password: `Brand-new-pass-${i}` }),
      ),
    );
    expect(await calls(gw, SUDO)).toBe(before + 3);
    // Each failed change goes back to the account page (one session: one flash); the refusals are counted where made.
    expect(answers.every((r) => r.status === 303 && r.headers.location === '/account')).toBe(true);
    expect((await refusals(gw)) - refusedBefore).toBe(23 - 2);
  });
});

describe('sign-in failures look the same whether or not the account exists', () => {
  for (const floorMs of [650, 900]) {
    it(`same answer, same upstream calls, and no sooner than LIMIT_LOGIN_FAILURE_MIN_MS=${floorMs}`, async () => {
      const gw = await gateway({ LIMIT_LOGIN_FAILURE_MIN_MS: String(floorMs) });
      await gw.emu.createUser({ username: 'exists', password: PASSWORD });
      const timed = async (username: string) => {
        const before = await calls(gw, SIGNIN);
        const started = performance.now();
        const res = await spa(gw).post('/api/session/login', { username, password: 'not-it-9' });
        return { res, ms: performance.now() - started, upstream: (await calls(gw, SIGNIN)) - before };
      };
      const known = await timed('exists');
      const unknown = await timed('never-registered-7');
      expect([known.res.status, unknown.res.status]).toEqual([401, 401]);
      expect(unknown.res.body).toEqual(known.res.body);
      expect([known.upstream, unknown.upstream]).toEqual([1, 1]);
      // A lower bound only: a slow machine can make an answer later, never sooner.
      expect(known.ms).toBeGreaterThanOrEqual(floorMs - 5);
      expect(unknown.ms).toBeGreaterThanOrEqual(floorMs - 5);

      const page = async (username: string) =>
        (await formBurst(gw, 1, () => ({ username, password: 'not-it-9' }), () => '127.0.0.1'))[0]!;
      const [a, b] = [await page('exists'), await page('never-registered-7')];
      expect([a.status, b.status]).toEqual([401, 401]);
      const strip = (html: string, name: string) => html.replaceAll(name, 'NAME').replace(/name="_csrf" value="[^"]+"/g, '');
      expect(strip(b.text, 'never-registered-7')).toEqual(strip(a.text, 'exists'));
    });
  }
});

describe('the other limits under bursts', () => {
  it('SMS sends, code guesses and anonymous sign-ins land no more than their limits', async () => {
    const gw = await gateway({
      LIMIT_SMS_COOLDOWN_S: '0',
      LIMIT_SMS_PER_PHONE_HOUR: '3',
      LIMIT_SMS_PER_PHONE_DAY: '3',
      LIMIT_CODE_GUESSES: '3',
      LIMIT_ANONYMOUS_PER_IP_HOUR: '4',
    });
    const SEND = 'POST /auth/v1/verification';
    let before = await calls(gw, SEND);
    const sends = await Promise.all(
      Array.from({ length: 29 }, () => spa(gw).post('/api/session/sms/send', { phone_number: '+86 139 0000 5150', purpose: 'login' })),
    );
    expect(await calls(gw, SEND)).toBe(before + 3);
    expect(count(sends, 200)).toBe(3);

    const VERIFY = 'POST /auth/v1/verification/verify';
    const guesser = spa(gw);
    expect((await guesser.post('/api/session/sms/send', { phone_number: '+86 139 0000 5151', purpose: 'login' })).status).toBe(200);
    const code = await gw.emu.sms('+86 13900005151');
    const wrong = String((Number(code) + 7) % 1_000_000).padStart(6, '0');
    before = await calls(gw, VERIFY);
    await Promise.all(Array.from({ length: 17 }, () => guesser.post('/api/session/sms/verify', { verification_code: wrong })));
    expect(await calls(gw, VERIFY)).toBeLessThanOrEqual(before + 3);

    const ANON = 'POST /auth/v1/signin/anonymously';
    before = await calls(gw, ANON);
    const guests = await Promise.all(
      Array.from({ length: 19 }, () => spa(gw).call('post', '/api/session/anonymous', {}, { 'X-Forwarded-For': '198.18.0.9' })),
    );
    expect(await calls(gw, ANON)).toBe(before + 4);
    expect(count(guests, 429)).toBe(15);
  });
});
