import Tokens from 'csrf';
import cookieSignature from 'cookie-signature';
import supertest from 'supertest';
import { csrfFrom, startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { COOKIES } from '../../src/config/cookies.js';

/**
 * Visitors who only open a form cost nothing in Redis: their CSRF secret lives in a signed, short-lived cookie, so a
 * flood of form views cannot fill Redis. The forms still work, and the cookie is only as good as its signature, its
 * age and its owner.
 */
let gw: TestGateway;
const PASSWORD = 'Passw0rd!prelogin';
const FORM_PAGES = ['/login', '/signup', '/login/sms', '/password/reset', '/login?returnTo=%2Faccount'];
const tokens = new Tokens({ saltLength: 12, secretLength: 18 });

beforeAll(async () => {
  gw = await startTestGateway();
  await gw.emu.createUser({ username: 'visitor', phone_number: '+86 13700000042', password: PASSWORD });
  gw.secrets.add(PASSWORD);
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

const setCookies = (res: { headers: Record<string, unknown> }) => (res.headers['set-cookie'] as string[] | undefined) ?? [];
const pair = (res: { headers: Record<string, unknown> }, name: string) => setCookies(res).find((c) => c.startsWith(`${name}=`))?.split(';')[0];
const tokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/** A pre-login cookie made the way the gateway makes it, with any secret, time and signing key. */
function forgedCookie(secret: string, issuedMs: number, key = gw.config.session.secrets[0]!): string {
  return `cbg.csrf=${encodeURIComponent(cookieSignature.sign(`${secret}.${issuedMs}`, key))}`;
}

function postLogin(cookie: string | undefined, token: string) {
  const req = supertest(gw.server).post('/login').type('form');
  if (cookie) req.set('Cookie', cookie);
  return req.send({ _csrf: token, username: 'visitor', password: PASSWORD });
}

it('a flood of 600 form views from cookieless visitors writes nothing to Redis', async () => {
  const before = await gw.redis.dbsize();
  for (let i = 0; i < 600; i += 30) {
    const views = await Promise.all(Array.from({ length: 30 }, (_, j) => supertest(gw.server).get(FORM_PAGES[(i + j) % FORM_PAGES.length]!)));
    for (const res of views) {
      expect(res.status).toBe(200);
      expect(pair(res, COOKIES.session)).toBeUndefined();
      expect(pair(res, 'cbg.csrf')).toBeDefined();
    }
  }
  expect(await gw.redis.dbsize()).toBe(before);
});

/** Keys other than tombstones (a sign-in leaves one for the id it replaces) and abuse-limit counters. */
async function storedKeys(): Promise<number> {
  const keys = await gw.redis.keys(`${gw.config.redis.keyPrefix}*`);
  return keys.filter((k) => /^(s|u):\{[^}]+\}$/.test(k.slice(gw.config.redis.keyPrefix.length))).length;
}

it('the form still signs in, and only then is a session stored', async () => {
  const before = await storedKeys();
  const agent = gw.agent();
  const res = await submitForm(agent, '/login', '/login', { username: 'visitor', password: PASSWORD });
  expect(res.status).toBe(303);
  expect(pair(res, COOKIES.session)).toBeDefined();
  expect((await agent.get('/account/sessions')).status).toBe(200);
  expect(await storedKeys()).toBe(before + 2); // the session and the user's index
});

it('refuses a token with another visitor’s cookie, with no cookie, or with a cookie not signed by the gateway', async () => {
  const mine = await supertest(gw.server).get('/login');
  const theirs = await supertest(gw.server).get('/login');
  const token = tokenOf(mine.text);
  expect((await postLogin(pair(theirs, 'cbg.csrf'), token)).status).toBe(403);
  expect((await postLogin(undefined, token)).status).toBe(403);

  const secret = tokens.secretSync();
  expect((await postLogin(forgedCookie(secret, Date.now(), 'not-the-gateway-secret-000000000000'), tokens.create(secret))).status).toBe(403);
  // The signed value, with its secret swapped for the attacker's: the signature no longer matches.
  const signed = decodeURIComponent(pair(mine, 'cbg.csrf')!.slice('cbg.csrf='.length));
  const swapped = `cbg.csrf=${encodeURIComponent(signed.replace(/^[^.]+/, secret))}`;
  expect((await postLogin(swapped, tokens.create(secret))).status).toBe(403);
  // The untouched pair still works.
  expect((await postLogin(pair(mine, 'cbg.csrf'), token)).status).toBe(303);
});

it('refuses a cookie older than the idle timeout, whatever the browser kept', async () => {
  const secret = tokens.secretSync();
  const idleMs = gw.config.session.idleTimeoutS * 1000;
  expect((await postLogin(forgedCookie(secret, Date.now() - idleMs - 5_000), tokens.create(secret))).status).toBe(403);
  expect((await postLogin(forgedCookie(secret, Date.now() - 5_000), tokens.create(secret))).status).toBe(303);
});

it('a signed-in session takes only its own secret, not a pre-login cookie planted beside it', async () => {
  const victim = gw.agent();
  expect((await submitForm(victim, '/login', '/login', { username: 'visitor', password: PASSWORD })).headers.location).toBe('/');
  const attacker = await supertest(gw.server).get('/login');
  const res = await victim
    .post('/account/sessions/revoke-others')
    .set('Cookie', pair(attacker, 'cbg.csrf')!)
    .type('form')
    .send({ _csrf: tokenOf(attacker.text) });
  expect(res.status).toBe(403);
  // Its own token still works.
  const ok = await victim.post('/account/sessions/revoke-others').type('form').send({ _csrf: await csrfFrom(victim, '/account/sessions') });
  expect(ok.status).toBe(303);
});

it('an SMS flow, which needs server state, stores one small record that expires with the idle timeout', async () => {
  const sessionKeys = async () => new Set((await gw.redis.keys(`${gw.config.redis.keyPrefix}s:{*}`)).filter((k) => !k.endsWith(':t')));
  const before = await sessionKeys();
  const sent = await submitForm(gw.agent(), '/login/sms', '/login/sms/code', { phone_number: '13700000042' });
  expect(sent.status).toBe(303);
  const added = [...(await sessionKeys())].filter((k) => !before.has(k));
  expect(added).toHaveLength(1);
  const ttl = await gw.redis.pttl(added[0]!);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(gw.config.session.idleTimeoutS * 1000);
  expect(Number(await gw.redis.call('MEMORY', 'USAGE', added[0]!, 'SAMPLES', '0'))).toBeLessThan(1024);
});
