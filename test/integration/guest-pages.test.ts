import type TestAgent from 'supertest/lib/agent.js';
import { csrfFrom, finishSuite, startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { sessionIdFromCookie } from '../support/sessions.js';
import { en, zhCN } from '../../src/i18n/messages.js';
import { publicSessionId } from '../../src/session/directory.js';
import { failedPost } from '../support/prg.js';

/**
 * The sign-in, sign-up, SMS and reset pages for people who are signed in already (sent on, their session kept), a
 * device whose session another one ended (told why on the sign-in page), and the one-screen phone + code form.
 */
let gw: TestGateway;
let nextNumber = 6100;
const newPhone = () => `136${String(nextNumber++).padStart(8, '0')}`;
const canonical = (national: string) => `+86 ${national}`;
const PASSWORD = 'Passw0rd!guest-pages';
const ANONYMOUS = 'POST /auth/v1/signin/anonymously';

/** Short, so a test can wait it out (by polling, never a fixed sleep). */
const COOLDOWN_S = 5;

beforeAll(async () => {
  gw = await startTestGateway({ env: { LIMIT_SMS_COOLDOWN_S: String(COOLDOWN_S) } });
  gw.secrets.add(PASSWORD);
  await gw.emu.createUser({ username: 'gp_alice', password: PASSWORD, name: 'Alice GP' });
  await gw.emu.createUser({ username: 'gp_bob', password: PASSWORD, name: 'Bob GP' });
});

afterAll(() => finishSuite(gw));

const calls = async (route: string) => (await gw.emu.stats())[route] ?? 0;

async function signedIn(username = 'gp_alice'): Promise<{ agent: TestAgent; sid: string }> {
  const agent = gw.agent();
  const res = await submitForm(agent, '/login', '/login', { username, password: PASSWORD });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/');
  return { agent, sid: sessionIdFromCookie(res.headers['set-cookie']) };
}

async function whoAmI(agent: TestAgent): Promise<{ sub: string; anonymous: boolean; name?: string } | undefined> {
  const res = await agent.get('/api/session');
  return (res.body as { user?: { sub: string; anonymous: boolean; name?: string } }).user;
}

describe('a signed-in person who opens a sign-in, sign-up, SMS or reset page', () => {
  it.each(['/login', '/signup', '/login/sms', '/password/reset'])('is sent home from %s, told they are signed in', async (path) => {
    const { agent } = await signedIn();
    const res = await agent.get(path);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?notice=already_signed_in');
    expect((await agent.get(`${res.headers.location}&lang=en`)).text).toContain(en['guest.alreadySignedIn']);
    expect((await agent.get(`${res.headers.location}&lang=zh-CN`)).text).toContain(zhCN['guest.alreadySignedIn']);
  });

  it.each([
    ['/account?tab=1', '/account?tab=1&notice=already_signed_in'],
    ['/account#x', '/account?notice=already_signed_in#x'],
    ['/login?returnTo=/account', '/?notice=already_signed_in'],
    ['/signup', '/?notice=already_signed_in'],
    ['//evil.example', '/?notice=already_signed_in'],
    ['https://evil.example/', '/?notice=already_signed_in'],
  ])('goes on to returnTo %j as %j (never back to a guest page, never off the site)', async (returnTo, location) => {
    const { agent } = await signedIn();
    const res = await agent.get(`/login?returnTo=${encodeURIComponent(returnTo)}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(location);
  });

  it('a guest (anonymous session) still gets the pages: signing in or up is how a guest upgrades', async () => {
    const agent = gw.agent();
    expect((await submitForm(agent, '/login', '/login/anonymous', {})).status).toBe(303);
    expect((await whoAmI(agent))?.anonymous).toBe(true);
    for (const path of ['/login', '/signup', '/login/sms', '/password/reset']) expect((await agent.get(path)).status).toBe(200);
    const res = await submitForm(agent, '/login', '/login', { username: 'gp_bob', password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(await whoAmI(agent)).toMatchObject({ anonymous: false, name: 'Bob GP' });
  });
});

describe('a signed-in browser that posts to a sign-in, sign-up, SMS or reset form (a stale tab)', () => {
  it.each([
    ['/login', { username: 'gp_bob', password: PASSWORD }],
    ['/login/sms/code', { phone_number: '13600000001' }],
    ['/login/sms', { verification_code: '123456' }],
    ['/login/sms/restart', {}],
    ['/signup/code', { phone_number: '13600000002' }],
    ['/signup/verify', { verification_code: '123456' }],
    ['/signup', { name: 'Someone Else', password: 'Other-Passw0rd' }],
    ['/signup/restart', {}],
    ['/password/reset/code', { phone_number: '13600000003' }],
    ['/password/reset', { verification_code: '123456', new_password: 'Other-Passw0rd' }],
    ['/password/reset/restart', {}],
  ])('POST %s changes nothing: no call upstream, the same session and person, sent on', async (path, fields) => {
    const { agent, sid } = await signedIn();
    const token = await csrfFrom(agent, '/account');
    const before = await gw.emu.stats();
    const res = await agent.post(path).type('form').send({ _csrf: token, returnTo: '/account', ...fields });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?notice=already_signed_in');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await gw.emu.stats()).toEqual(before);
    expect((await gw.store.read(sid))?.user?.name).toBe('Alice GP');
    expect(await whoAmI(agent)).toMatchObject({ anonymous: false, name: 'Alice GP' });
  });
});

describe('"continue as a guest" from a signed-in browser', () => {
  it('never swaps a registered session for a guest one', async () => {
    const { agent, sid } = await signedIn();
    const me = await whoAmI(agent);
    const before = await calls(ANONYMOUS);
    const res = await submitForm(agent, '/account', '/login/anonymous', { returnTo: '/account/sessions' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/sessions?notice=already_signed_in');
    expect(await calls(ANONYMOUS)).toBe(before);
    expect(await whoAmI(agent)).toEqual(me);
    expect((await gw.store.read(sid))?.auth?.sub).toBe(me!.sub);
    expect((await agent.get('/account?lang=en')).status).toBe(200);
  });

  it('keeps a guest the same guest (a second guest account would lose the first one’s data)', async () => {
    const agent = gw.agent();
    expect((await submitForm(agent, '/login', '/login/anonymous', {})).status).toBe(303);
    const guest = await whoAmI(agent);
    const before = await calls(ANONYMOUS);
    const again = await submitForm(agent, '/login', '/login/anonymous', {});
    expect(again.status).toBe(303);
    expect(await calls(ANONYMOUS)).toBe(before);
    expect(await whoAmI(agent)).toEqual(guest);
  });

  it('still signs in a browser that is not signed in', async () => {
    const agent = gw.agent();
    const before = await calls(ANONYMOUS);
    const res = await submitForm(agent, '/login', '/login/anonymous', { returnTo: '/account' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
    expect(await calls(ANONYMOUS)).toBe(before + 1);
    expect((await whoAmI(agent))?.anonymous).toBe(true);
  });
});

describe('a device whose session was ended from elsewhere', () => {
  /** Two browsers of one person (a phone account, so it can also reset its password). */
  async function twoDevices() {
    const phone = newPhone();
    const password = `Gp!passw0rd-${phone}`;
    gw.secrets.add(password);
    await gw.emu.createUser({ phone_number: canonical(phone), password, name: 'Two Devices' });
    const signIn = async () => {
      const agent = gw.agent();
      const res = await submitForm(agent, '/login', '/login', { username: phone, password });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
      return { agent, sid: sessionIdFromCookie(res.headers['set-cookie']) };
    };
    return { phone, here: await signIn(), there: await signIn() };
  }

  const noteKey = (sid: string) => gw.store.keys.ended(sid);

  it('"sign out other sessions": the other device lands on the sign-in page told why, once, in English', async () => {
    const { here, there } = await twoDevices();
    expect((await submitForm(here.agent, '/account/sessions', '/account/sessions/revoke-others', {})).headers.location).toBe('/account/sessions?notice=others_revoked');
    // Only the reason is kept, for no longer than the session could have stayed idle.
    expect(await gw.redis.get(noteKey(there.sid))).toBe('others');
    const ttl = await gw.redis.pttl(noteKey(there.sid));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(gw.config.session.idleTimeoutS * 1000);

    const account = await there.agent.get('/account?lang=en');
    expect(account.status).toBe(303);
    expect(account.headers.location).toBe('/login?notice=ended_others&returnTo=%2Faccount%3Flang%3Den');
    expect(await gw.redis.exists(noteKey(there.sid))).toBe(0);
    const login = await there.agent.get(account.headers.location as string);
    expect(login.status).toBe(200);
    expect(login.text).toContain(en['ended.others']);
    expect(login.text).toContain('name="returnTo" value="/account?lang=en"');
    // Once: the next page is an ordinary sign-in page.
    expect((await there.agent.get('/login?lang=en')).text).not.toContain(en['ended.others']);
    // The device that did it is still signed in, and told nothing of the kind.
    expect((await here.agent.get('/account?lang=en')).text).not.toContain(en['ended.others']);
  });

  it('"sign out everywhere": the other device opening the sign-in page is told why, in Chinese', async () => {
    const { here, there } = await twoDevices();
    expect((await submitForm(here.agent, '/account/sessions', '/account/sessions/revoke-all', {})).headers.location).toBe('/login?notice=signed_out_everywhere');
    const login = await there.agent.get('/login?lang=zh-CN');
    expect(login.status).toBe(200);
    expect(login.text).toContain(zhCN['ended.others']);
    // Once: the next page says nothing of it.
    expect((await there.agent.get('/login?lang=zh-CN')).text).not.toContain(zhCN['ended.others']);
  });

  it('ending one device from the sessions page tells that device', async () => {
    const { here, there } = await twoDevices();
    const action = `/account/sessions/${publicSessionId(there.sid)}/revoke`;
    expect((await here.agent.get('/account/sessions')).text).toContain(`action="${action}"`);
    expect((await submitForm(here.agent, '/account/sessions', action, {})).headers.location).toBe('/account/sessions?notice=session_revoked');
    expect((await there.agent.get('/?lang=en')).text).toContain(en['ended.others']);
  });

  it('a password reset: every device of the account is told the password was reset, in both languages', async () => {
    const { phone, here, there } = await twoDevices();
    const resetter = gw.agent();
    expect((await submitForm(resetter, '/password/reset', '/password/reset/code', { phone_number: phone })).status).toBe(303);
    const code = await gw.emu.sms(canonical(phone));
    const newPassword = `Gp!reset-${phone}`;
    gw.secrets.add(newPassword);
    expect((await submitForm(resetter, '/password/reset', '/password/reset', { verification_code: code, new_password: newPassword })).headers.location).toBe('/login?notice=password_reset');
    expect((await here.agent.get('/login?lang=en')).text).toContain(en['ended.reset']);
    expect((await there.agent.get('/login?lang=zh-CN')).text).toContain(zhCN['ended.reset']);
    // The resetting browser itself was never signed in: its page says only that the password was reset.
    expect((await resetter.get('/login?notice=password_reset&lang=en')).text).not.toContain(en['ended.reset']);
  });

  it('revoked at CloudBase (an administrator, say): told on the sign-in page once its refresh is refused', async () => {
    const { there } = await twoDevices();
    const stored = (await gw.store.read(there.sid))!;
    const revoked = await fetch(`${gw.emulator.url}/auth/v1/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-device-id': 'test-admin-device' },
      body: JSON.stringify({ token: stored.auth!.rt }),
    });
    expect(revoked.status).toBe(200);
    // Its access token is due, so the next page refreshes it, and CloudBase refuses.
    stored.auth!.exp = Date.now() - 1000;
    expect(await gw.store.write(there.sid, stored)).toBe('written');
    const account = await there.agent.get('/account');
    expect(account.status).toBe(303);
    const login = await there.agent.get(`${account.headers.location as string}&lang=en`);
    expect(login.text).toContain(en['ended.upstream']);
    expect(login.text).not.toContain(en['err.session_expired']);
  });

  it('signing out on the device itself says nothing of the kind', async () => {
    const { here } = await twoDevices();
    const out = await submitForm(here.agent, '/logout', '/logout', {});
    expect(out.headers.location).toBe('/login?notice=signed_out');
    const page = await here.agent.get('/login?notice=signed_out&lang=en');
    expect(page.text).toContain(en['logout.done']);
    for (const key of ['ended.others', 'ended.reset', 'ended.upstream'] as const) expect(page.text).not.toContain(en[key]);
  });

  it('a cookie naming an ended session under a forged signature learns nothing, and the note stays for its device', async () => {
    const { here, there } = await twoDevices();
    expect((await submitForm(here.agent, '/account/sessions', '/account/sessions/revoke-others', {})).headers.location).toBe('/account/sessions?notice=others_revoked');
    const forged = await gw.agent().get('/login?lang=en').set('Cookie', `${gw.config.session.cookieName}=${encodeURIComponent(`s:${there.sid}.forged`)}`);
    expect(forged.status).toBe(200);
    expect(forged.text).not.toContain(en['ended.others']);
    expect(await gw.redis.get(noteKey(there.sid))).toBe('others');
    expect((await there.agent.get('/login?lang=en')).text).toContain(en['ended.others']);
  });
});

describe('phone and code on one screen, without JavaScript', () => {
  const masked = (national: string) => `+86 ${national.slice(0, 3)}****${national.slice(7)}`;
  const sends = async () => (await gw.emu.stats())['POST /auth/v1/verification'] ?? 0;
  /** The inputs and buttons of the page's one form, as a browser would submit them. */
  const formOf = (html: string) => /<form method="post" action="([^"]+)" novalidate data-phone-code>([\s\S]*?)<\/form>/.exec(html);

  it.each([
    ['/login/sms', '/login/sms/code', 'en'],
    ['/signup/verify', '/signup/code', 'zh-CN'],
    ['/password/reset', '/password/reset/code', 'en'],
  ] as const)('%s: the phone field has "get code" beside it, sending to %s, and the code field is on the same form (%s)', async (action, send, l) => {
    const page = action === '/signup/verify' ? '/signup' : action;
    const res = await gw.agent().get(`${page}?lang=${l}`);
    const form = formOf(res.text);
    expect(form?.[1]).toBe(action);
    const body = form![2]!;
    const t = l === 'en' ? en : zhCN;
    expect(body).toMatch(new RegExp(`<input id="f-phone_number" name="phone_number" type="tel"[^>]* autofocus>\\s*<button type="submit" class="secondary get-code" formaction="${send.replace(/\//g, '\\/')}" formnovalidate data-send-code data-cooldown="0" aria-describedby="resend-when">${t['sms.getCode']}</button>`));
    expect(body).toContain('name="verification_code"');
    expect(body).not.toMatch(/id="f-verification_code"[^>]* autofocus/);
    // Enter in a field sends the form itself: its first submit button is its own (hidden) one, not "get code".
    expect(body.indexOf('<button type="submit" hidden tabindex="-1">')).toBeLessThan(body.indexOf('data-send-code'));
    if (action === '/password/reset') expect(body).toContain('name="new_password"');
  });

  it('"get code" sends, and the same screen comes back with the number filled in, the code field ready and the cooldown stated', async () => {
    const phone = newPhone();
    const password = `Gp!one-screen-${phone}`;
    gw.secrets.add(password);
    await gw.emu.createUser({ phone_number: canonical(phone), password, name: 'One Screen' });
    const agent = gw.agent();
    const before = await sends();
    // The whole form, as the "get code" button submits it (the empty code field and the page's returnTo included).
    const sent = await submitForm(agent, '/login/sms', '/login/sms/code', { phone_number: phone, verification_code: '', returnTo: '/account' });
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toBe('/login/sms');
    expect(await sends()).toBe(before + 1);

    for (const l of ['en', 'zh-CN'] as const) {
      const t = l === 'en' ? en : zhCN;
      const page = await agent.get(`/login/sms?lang=${l}`);
      const body = formOf(page.text)![2]!;
      expect(body).toContain(`value="${canonical(phone)}"`);
      expect(body).toContain('<input type="hidden" name="returnTo" value="/account">');
      expect(body).toMatch(/<input id="f-verification_code"[^>]* autofocus>/);
      expect(body).not.toMatch(/<input id="f-phone_number"[^>]* autofocus/);
      expect(body).toContain(t['sms.sent'].replace('{phone}', masked(phone)));
      expect(body).toMatch(new RegExp(`data-cooldown="[1-${COOLDOWN_S}]" aria-describedby="resend-when">${t['sms.resend']}</button>`));
      expect(body).toMatch(l === 'en' ? /You can ask for a new code after \d\d:\d\d:\d\d/ : /\d\d:\d\d:\d\d( \S+)? 之后可以重新获取验证码。/);
      expect(body).toContain('<span class="visually-hidden" role="status" data-cooldown-status></span>');
    }

    // Too early: the same button is refused with the cooldown message, nothing is sent, the screen stays as it was.
    const early = await failedPost(agent, '/login/sms?lang=en', '/login/sms/code', { phone_number: phone, verification_code: '', returnTo: '/account' });
    expect(early.errorStatus).toBe(429);
    expect(Number(early.post.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(early.text).toContain(en['err.resend_too_soon']);
    expect(formOf(early.text)![2]).toContain(`value="${phone}"`);
    expect(await sends()).toBe(before + 1);

    // Once the cooldown is over the page says nothing of a wait, and the button sends a new code.
    let later = await agent.get('/login/sms?lang=en');
    for (const deadline = Date.now() + 30_000; !later.text.includes('data-cooldown="0"'); later = await agent.get('/login/sms?lang=en')) {
      if (Date.now() > deadline) throw new Error('the cooldown never ended');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(later.text).not.toContain('You can ask for a new code after');
    // The abuse limiter keeps its own copy of the cooldown in Redis: it may end a moment after the page's. A refused
    // send is a 303 back to the page too, but with the wait (Retry-After); a sent one has none.
    let again = await submitForm(agent, '/login/sms', '/login/sms/code', { phone_number: phone, verification_code: '', returnTo: '/account' });
    for (const deadline = Date.now() + 10_000; again.headers['retry-after'] !== undefined && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      again = await submitForm(agent, '/login/sms', '/login/sms/code', { phone_number: phone, verification_code: '', returnTo: '/account' });
    }
    expect(again.status).toBe(303);
    expect(again.headers['retry-after']).toBeUndefined();
    expect(await sends()).toBe(before + 2);

    // The sign-in button sends the same form, the number in it too, and lands where the flow began.
    const code = await gw.emu.sms(canonical(phone));
    const signedIn = await submitForm(agent, '/login/sms', '/login/sms', { phone_number: canonical(phone), verification_code: code });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/account');
    expect(await whoAmI(agent)).toMatchObject({ anonymous: false, name: 'One Screen' });
  });

  it('a number that is not one comes back on the same screen, as typed, marked on its field', async () => {
    const res = await failedPost(gw.agent(), '/signup?lang=en', '/signup/code', { phone_number: '12345', verification_code: '' });
    expect(res.errorStatus).toBe(400);
    expect(res.location).toBe('/signup');
    const body = formOf(res.text)![2]!;
    expect(body).toMatch(/<input id="f-phone_number" name="phone_number" type="tel" value="12345"[^>]* aria-invalid="true" autofocus>/);
    expect(body).toContain(en['err.invalid_phone']);
  });

  it('sign-up: code and number on one screen, then the profile', async () => {
    const phone = newPhone();
    const agent = gw.agent();
    expect((await submitForm(agent, '/signup', '/signup/code', { phone_number: phone, verification_code: '' })).status).toBe(303);
    const verified = await submitForm(agent, '/signup', '/signup/verify', { phone_number: phone, verification_code: await gw.emu.sms(canonical(phone)) });
    expect(verified.status).toBe(303);
    const profile = await agent.get('/signup?lang=en');
    expect(profile.text).toContain('action="/signup" novalidate');
    expect(profile.text).toContain(en['signup.stepProfile']);
  });

  it('reset: number, code and new password on one screen', async () => {
    const phone = newPhone();
    gw.secrets.add(`Gp!old-${phone}`);
    await gw.emu.createUser({ phone_number: canonical(phone), password: `Gp!old-${phone}` });
    const agent = gw.agent();
    expect((await submitForm(agent, '/password/reset', '/password/reset/code', { phone_number: phone, verification_code: '', new_password: '' })).status).toBe(303);
    const page = await agent.get('/password/reset?lang=en');
    expect(formOf(page.text)![2]).toContain(en['reset.codeSentIfKnown'].replace('{phone}', masked(phone)));
    const newPassword = `Gp!new-${phone}`;
    gw.secrets.add(newPassword);
    const done = await submitForm(agent, '/password/reset', '/password/reset', { phone_number: phone, verification_code: await gw.emu.sms(canonical(phone)), new_password: newPassword });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/login?notice=password_reset');
    expect((await submitForm(gw.agent(), '/login', '/login', { username: phone, password: newPassword })).headers.location).toBe('/');
  });
});
