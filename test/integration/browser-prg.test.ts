import type TestAgent from 'supertest/lib/agent.js';
import { finishSuite, startTestGateway, submitForm, type TestGateway } from '../support/gateway.js';
import { COOKIES } from '../../src/config/cookies.js';
import { failedPost, limitCounters } from '../support/prg.js';

/**
 * Every browser form, failed: the post answers 303 to its page (post/redirect/get), the page shows the failure once
 * with the values as typed (never a password or code), a reload shows it clean, and the language link points at the
 * page, never at the POST route.
 */
let gw: TestGateway;
let nextNumber = 5000;
const newPhone = () => `139${String(nextNumber++).padStart(8, '0')}`;
let seq = 0;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterEach(async () => {
  await gw.emu.setConfig({ fail: {}, sms_cooldown_s: 0 });
});

afterAll(() => finishSuite(gw));

function secret(value: string): string {
  gw.secrets.add(value);
  return value;
}

async function signedInAgent(): Promise<{ agent: TestAgent; password: string; username: string }> {
  seq += 1;
  const username = `prg${seq}`;
  const password = secret(`Passw0rd!prg${seq}`);
  await gw.emu.createUser({ username, password, phone_number: `+86 ${newPhone()}`, name: `Prg ${seq}` });
  const agent = gw.agent();
  const res = await submitForm(agent, '/login', '/login', { username, password });
  expect(res.headers.location).toBe('/');
  return { agent, password, username };
}

/** An account made by an SMS code (no password), signed in by one; its phone as typed. */
async function smsOnlyAgent(): Promise<{ agent: TestAgent; phone: string }> {
  const phone = newPhone();
  await gw.emu.createUser({ phone_number: `+86 ${phone}` });
  const agent = gw.agent();
  expect((await submitForm(agent, '/login/sms', '/login/sms/code', { phone_number: phone })).status).toBe(303);
  expect((await submitForm(agent, '/login/sms', '/login/sms', { verification_code: await gw.emu.sms(`+86 ${phone}`) })).status).toBe(303);
  return { agent, phone };
}

/** A re-authentication code asked for under `base` (its page's form); returns the code sent to `phone`. */
async function reauthCodeSent(agent: TestAgent, base: string, phone: string): Promise<string> {
  expect((await submitForm(agent, base, `${base}/reauth/code`, {})).status).toBe(303);
  return gw.emu.sms(`+86 ${phone}`);
}

/** An SMS flow at its code step; returns the code the emulator sent. */
async function atCodeStep(agent: TestAgent, page: string, action: string, extra: Record<string, string> = {}): Promise<string> {
  const phone = newPhone();
  const sent = await submitForm(agent, page, action, { phone_number: phone, ...extra });
  expect(sent.status).toBe(303);
  return gw.emu.sms(`+86 ${phone}`);
}

function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

interface Case {
  name: string;
  /** an agent with whatever the form needs (a session, a flow) */
  setup: () => Promise<{ agent: TestAgent; password?: string; code?: string }>;
  page: string;
  action: string;
  fields: (ctx: { password?: string; code?: string }) => Record<string, string>;
  location: string;
  message: string;
  /** typed values the page shows again */
  kept?: string[];
  /** typed values the page never shows (beside every password and code typed) */
  never?: string[];
}

const CASES: Case[] = [
  {
    name: 'SMS sign-in, the phone step',
    setup: async () => ({ agent: gw.agent() }),
    page: '/login/sms?lang=en&returnTo=%2Faccount',
    action: '/login/sms/code',
    fields: () => ({ phone_number: '12345', returnTo: '/account' }),
    location: '/login/sms?returnTo=%2Faccount',
    message: 'Enter a mainland China mobile number',
    kept: ['value="12345"'],
  },
  {
    name: 'SMS sign-in, the code step',
    setup: async () => {
      const agent = gw.agent();
      return { agent, code: await atCodeStep(agent, '/login/sms', '/login/sms/code', { returnTo: '/account/sessions' }) };
    },
    page: '/login/sms?lang=en',
    action: '/login/sms',
    fields: ({ code }) => ({ verification_code: wrongCode(code!) }),
    location: '/login/sms?returnTo=%2Faccount%2Fsessions',
    message: 'The code is wrong or has expired.',
    kept: ['name="verification_code"'],
  },
  {
    name: 'SMS sign-in, the email form',
    setup: async () => ({ agent: gw.agent() }),
    page: '/login/sms?lang=en&returnTo=%2Faccount',
    action: '/login/sms/code',
    fields: () => ({ email: 'kept@@example.com', returnTo: '/account' }),
    location: '/login/sms?returnTo=%2Faccount',
    message: 'Enter a valid email address.',
    kept: ['value="kept@@example.com"'],
  },
  {
    name: 'sign-up, the email form',
    setup: async () => ({ agent: gw.agent() }),
    page: '/signup?lang=en',
    action: '/signup/code',
    fields: () => ({ email: 'signup-kept@' }),
    location: '/signup',
    message: 'Enter a valid email address.',
    kept: ['value="signup-kept@"', 'Step 1 of 2'],
  },
  {
    name: 'password reset, the email form',
    setup: async () => ({ agent: gw.agent() }),
    page: '/password/reset?lang=en',
    action: '/password/reset/code',
    fields: () => ({ email: 'reset-kept.example.com' }),
    location: '/password/reset',
    message: 'Enter a valid email address.',
    kept: ['value="reset-kept.example.com"'],
  },
  {
    name: 'sign-up, the code step',
    setup: async () => {
      const agent = gw.agent();
      return { agent, code: await atCodeStep(agent, '/signup', '/signup/code') };
    },
    page: '/signup?lang=en',
    action: '/signup/verify',
    fields: ({ code }) => ({ verification_code: wrongCode(code!) }),
    location: '/signup',
    message: 'The code is wrong or has expired.',
    kept: ['Step 1 of 2'],
  },
  {
    name: 'sign-up, the profile step',
    setup: async () => {
      const agent = gw.agent();
      const code = await atCodeStep(agent, '/signup', '/signup/code');
      expect((await submitForm(agent, '/signup', '/signup/verify', { verification_code: code })).status).toBe(303);
      return { agent };
    },
    page: '/signup?lang=en',
    action: '/signup',
    fields: () => ({ name: 'Typed Name', username: `typed${nextNumber}`, password: secret('zzweakzzpw') }),
    location: '/signup',
    message: 'Choose a stronger password',
    kept: ['value="Typed Name"', 'Step 2 of 2'],
  },
  {
    name: 'password reset, the phone step',
    setup: async () => ({ agent: gw.agent() }),
    page: '/password/reset?lang=en',
    action: '/password/reset/code',
    fields: () => ({ phone_number: 'not-a-phone' }),
    location: '/password/reset',
    message: 'Enter a mainland China mobile number',
    kept: ['value="not-a-phone"'],
  },
  {
    name: 'password reset, the new password',
    setup: async () => {
      const agent = gw.agent();
      const phone = newPhone();
      await gw.emu.createUser({ phone_number: `+86 ${phone}`, password: secret('Reset-old-passw0rd') });
      expect((await submitForm(agent, '/password/reset', '/password/reset/code', { phone_number: phone })).status).toBe(303);
      return { agent, code: await gw.emu.sms(`+86 ${phone}`) };
    },
    page: '/password/reset?lang=en',
    action: '/password/reset',
    fields: ({ code }) => ({ verification_code: wrongCode(code!), new_password: secret('Reset-passw0rd-x') }),
    location: '/password/reset',
    message: 'The code is wrong or has expired.',
  },
  {
    name: 'a sign-in ticket',
    setup: async () => ({ agent: gw.agent() }),
    page: '/login?lang=en',
    action: '/login/ticket',
    fields: () => ({ ticket: secret('not-a-ticket-at-all'), returnTo: '/account' }),
    location: '/login?returnTo=%2Faccount',
    message: 'This sign-in ticket is invalid',
  },
  {
    name: 'changing the password',
    setup: async () => signedInAgent(),
    page: '/account?lang=en',
    action: '/account/password',
    fields: () => ({ old_password: secret('Not-the-passw0rd'), new_password: secret('Next-passw0rd-1') }),
    location: '/account',
    message: 'The current password is incorrect.',
  },
  {
    name: 'deleting the account',
    setup: async () => signedInAgent(),
    page: '/account?lang=en',
    action: '/account/delete',
    fields: () => ({ password: secret('Not-the-passw0rd-2') }),
    location: '/account',
    message: 'The current password is incorrect.',
  },
  {
    name: 'the profile',
    setup: async () => signedInAgent(),
    page: '/account/profile?lang=en',
    action: '/account/profile',
    fields: () => ({ name: 'Kept Name', username: 'kept-user', gender: 'MALE', picture: 'not a url' }),
    location: '/account/profile',
    message: 'address',
    kept: ['value="Kept Name"', 'value="kept-user"', 'value="not a url"'],
  },
  {
    name: 'a new contact',
    setup: async () => signedInAgent(),
    page: '/account/contact?lang=en',
    action: '/account/contact/code',
    fields: () => ({ phone_number: '555-kept', email: '' }),
    location: '/account/contact',
    message: 'Enter a mainland China mobile number',
    kept: ['value="555-kept"'],
  },
  {
    name: 'a re-authentication code on the account page',
    setup: async () => {
      const { agent, phone } = await smsOnlyAgent();
      return { agent, code: await reauthCodeSent(agent, '/account', phone) };
    },
    page: '/account?lang=en',
    action: '/account/reauth',
    fields: ({ code }) => ({ verification_code: wrongCode(code!) }),
    location: '/account',
    message: 'The code is wrong or has expired.',
    kept: ['action="/account/reauth"'],
  },
  {
    name: 'asking for a re-authentication code while CloudBase is away',
    setup: async () => {
      const { agent } = await smsOnlyAgent();
      await gw.emu.setConfig({ fail: { 'POST /auth/v1/verification': 'unavailable' } });
      return { agent };
    },
    page: '/account?lang=en',
    action: '/account/reauth/code',
    fields: () => ({}),
    location: '/account',
    message: 'The sign-in service is not reachable right now.',
  },
  {
    name: 'a re-authentication code on the contact page',
    setup: async () => {
      const { agent, phone } = await smsOnlyAgent();
      expect((await submitForm(agent, '/account/contact', '/account/contact/code', { phone_number: newPhone() })).status).toBe(303);
      return { agent, code: await reauthCodeSent(agent, '/account/contact', phone) };
    },
    page: '/account/contact?lang=en',
    action: '/account/contact/reauth',
    fields: ({ code }) => ({ verification_code: wrongCode(code!) }),
    location: '/account/contact',
    message: 'The code is wrong or has expired.',
    kept: ['action="/account/contact/reauth"'],
  },
  {
    name: 'signing a device out',
    setup: async () => signedInAgent(),
    page: '/account/sessions?lang=en',
    action: '/account/sessions/no-such-session/revoke',
    fields: () => ({}),
    location: '/account/sessions',
    message: 'not found',
  },
];

describe.each(CASES)('when a post of $name fails', (c) => {
  it('answers 303 to its page, which shows the failure once with the values as typed and no secret', async () => {
    const ctx = await c.setup();
    const fields = c.fields(ctx);
    const shown = await failedPost(ctx.agent, c.page, c.action, fields);
    expect(shown.location).toBe(c.location);
    expect(shown.post.headers['cache-control']).toBe('no-store');
    expect(shown.post.text).not.toContain('<form');
    expect(shown.text.toLowerCase()).toContain(c.message.toLowerCase());
    expect(shown.text).toMatch(/<title>Error: /);
    expect(shown.errorCode).toBeDefined();
    for (const kept of c.kept ?? []) expect(shown.text).toContain(kept);
    for (const [name, value] of Object.entries(fields)) {
      if (/password|code|ticket/.test(name) && value) {
        expect(shown.text).not.toContain(value);
        expect(JSON.stringify(shown.post.headers)).not.toContain(value);
      }
    }
    // The language link goes to the page (its returnTo kept), never to the POST route.
    const lang = /<a href="([^"]+)"[^>]* class="lang"/.exec(shown.text)?.[1]?.replaceAll('&amp;', '&');
    expect(lang).toBe(`${c.location}${c.location.includes('?') ? '&' : '?'}lang=zh-CN`);

    const reload = await ctx.agent.get(c.location);
    expect(reload.status).toBe(200);
    expect(reload.text).not.toContain('data-error-summary');
    expect(reload.text).not.toContain('aria-invalid="true"');
    for (const kept of (c.kept ?? []).filter((k) => k.startsWith('value='))) expect(reload.text).not.toContain(kept);
  });
});

describe('when a page is answered to a POST (a refused CSRF token)', () => {
  it.each([
    ['/login/sms/code', '/login/sms?returnTo=%2Faccount&lang=zh-CN'],
    ['/signup/verify', '/signup?returnTo=%2Faccount&lang=zh-CN'],
    ['/password/reset/code', '/password/reset?returnTo=%2Faccount&lang=zh-CN'],
    ['/login/anonymous', '/login?returnTo=%2Faccount&lang=zh-CN'],
    ['/logout', '/?returnTo=%2Faccount&lang=zh-CN'],
  ])('the language link of the error page for %s points at its GET page', async (action, href) => {
    const res = await gw.agent().post(`${action}?lang=en`).type('form').send({ _csrf: 'forged', returnTo: '/account' });
    expect(res.status).toBe(403);
    expect(res.text).toContain(`href="${href.replaceAll('&', '&amp;')}"`);
  });
});

describe('when the page after a failed sign-in is reloaded', () => {
  it('moves no attempt counter, however often, and the next attempt is judged as the second', async () => {
    const { username } = await signedInAgent();
    const agent = gw.agent();
    const { location } = await failedPost(agent, '/login', '/login', { username, password: secret('Wrong-prg-1') });
    const before = await limitCounters(gw, 'login');
    for (let i = 0; i < 8; i++) expect((await agent.get(location)).status).toBe(200);
    expect(await limitCounters(gw, 'login')).toEqual(before);
  });
});

/** How many stored sessions hold `text` in their data. */
async function sessionsHolding(text: string): Promise<number> {
  let n = 0;
  for (const key of await gw.redis.keys('*')) {
    if ((await gw.redis.type(key)) !== 'hash') continue;
    if ((await gw.redis.hget(key, 'd'))?.includes(text)) n += 1;
  }
  return n;
}

describe('when a flash is kept in the session (a visitor with one)', () => {
  it('shows it once and leaves no flash behind in the session', async () => {
    const agent = gw.agent();
    const code = await atCodeStep(agent, '/login/sms', '/login/sms/code');
    const post = await submitForm(agent, '/login/sms', '/login/sms', { verification_code: wrongCode(code) });
    expect(post.status).toBe(303);
    // No flash cookie: the visitor has a session, and the flash is in it.
    expect(((post.headers['set-cookie'] as unknown as string[] | undefined) ?? []).some((c) => c.startsWith(`${COOKIES.flash}=`))).toBe(false);
    expect(await sessionsHolding('"flash"')).toBe(1);
    const page = await agent.get('/login/sms?lang=en');
    expect(page.text).toContain('The code is wrong or has expired.');
    expect(await sessionsHolding('"flash"')).toBe(0);
    expect((await agent.get('/login/sms?lang=en')).text).not.toContain('The code is wrong or has expired.');
  });
});
