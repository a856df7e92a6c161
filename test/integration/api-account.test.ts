import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectApiError, finishApiSuite, mobile, RELAXED_LIMITS, spa, type ApiClient } from '../support/api.js';

/** The account self-service API: profile edit (PATCH /api/session/user). */
let gw: TestGateway;

let seq = 0;
/** A fresh account per test: edits never cross tests. */
async function newPerson(): Promise<{ username: string; password: string; name: string }> {
  seq += 1;
  const p = { username: `prof${seq}`, password: `Passw0rd!prof-${seq}`, name: `Prof ${seq}` };
  gw.secrets.add(p.password);
  await gw.emu.createUser(p);
  return p;
}

async function signedIn(client: ApiClient, p: { username: string; password: string }): Promise<ApiClient> {
  const res = await client.post('/api/session/login', { username: p.username, password: p.password });
  expect(res.status).toBe(200);
  return client;
}

beforeAll(async () => {
  gw = await startTestGateway({ env: RELAXED_LIMITS });
});

afterEach(async () => {
  await gw.emu.setConfig({ fail: {} });
});

afterAll(() => finishApiSuite(gw));

describe('when a signed-in caller edits the profile over the API', () => {
  it('saves name, gender and picture; the session (lean read included) and CloudBase show them at once', async () => {
    const p = await newPerson();
    const app = await signedIn(spa(gw), p);
    const picture = 'https://img.example.com/me.png';
    const res = await app.call('patch', '/api/session/user', { name: '新名字 Ann', gender: 'FEMALE', picture });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ name: '新名字 Ann', username: p.username, picture });
    const now = await app.get('/api/session');
    expect(now.status).toBe(200);
    expect(now.body.user).toMatchObject({ name: '新名字 Ann', picture });
    const again = await signedIn(spa(gw), p);
    expect((await again.get('/api/session')).body.user).toMatchObject({ name: '新名字 Ann', picture });
  });

  it('changes the username after checking it is free; the new one signs in', async () => {
    const p = await newPerson();
    const app = await signedIn(spa(gw), p);
    const username = `${p.username}-renamed`;
    const res = await app.call('patch', '/api/session/user', { username });
    expect(res.status).toBe(200);
    expect(res.body.user.username).toBe(username);
    await signedIn(spa(gw), { username, password: p.password });
  });

  it('refuses a username another account has with 409 username_taken on the field, changing nothing', async () => {
    const other = await newPerson();
    const p = await newPerson();
    const app = await signedIn(spa(gw), p);
    const res = await app.call('patch', '/api/session/user', { username: other.username, name: 'Not saved' });
    expectApiError(res, 409, 'username_taken');
    expect(res.body.error.field).toBe('username');
    expect((await app.get('/api/session')).body.user).toMatchObject({ username: p.username, name: p.name });
  });

  it('keeps its own username without a conflict', async () => {
    const p = await newPerson();
    const app = await signedIn(spa(gw), p);
    const res = await app.call('patch', '/api/session/user', { username: p.username, name: 'Same username' });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ username: p.username, name: 'Same username' });
  });

  it('works in token mode and keeps the session token', async () => {
    const p = await newPerson();
    const app = mobile(gw);
    await signedIn(app, p);
    const token = app.token;
    const res = await app.call('patch', '/api/session/user', { name: 'Token Tom' });
    expect(res.status).toBe(200);
    expect(res.body.user.name).toBe('Token Tom');
    expect(app.token).toBe(token);
    expect((await app.get('/api/session')).body.user.name).toBe('Token Tom');
  });

  it.each([
    ['an empty body', {}, undefined],
    ['an unknown field', { nickname: 'x' }, 'nickname'],
    ['a picture that is not a web address', { picture: 'javascript:alert(1)' }, 'picture'],
    ['a data: picture', { picture: 'data:image/png;base64,AAAA' }, 'picture'],
    ['a gender CloudBase does not know', { gender: 'OTHER' }, 'gender'],
    ['a username breaking the rule', { username: '-bad' }, 'username'],
    ['a name too long', { name: 'n'.repeat(49) }, 'name'],
    ['a number for a name', { name: 7 }, 'name'],
  ])('refuses %s with 400 and changes nothing', async (_what, body, field) => {
    const p = await newPerson();
    const app = await signedIn(spa(gw), p);
    const res = await app.call('patch', '/api/session/user', body);
    expectApiError(res, 400, 'invalid_input');
    if (field) expect(res.body.error.field).toBe(field);
    expect((await app.get('/api/session')).body.user.name).toBe(p.name);
  });

  it('is 401 when signed out, and 403 without X-CSRF in cookie mode', async () => {
    expectApiError(await spa(gw).call('patch', '/api/session/user', { name: 'x' }), 401, 'not_signed_in');
    const p = await newPerson();
    const app = await signedIn(spa(gw), p);
    const res = await (app as ReturnType<typeof spa>).agent.patch('/api/session/user').set('Accept', 'application/json').send({ name: 'x' });
    expectApiError(res, 403, 'csrf_failed');
  });

  it('answers a CloudBase failure clearly and keeps the session as it was', async () => {
    const p = await newPerson();
    const app = await signedIn(spa(gw), p);
    await gw.emu.setConfig({ fail: { 'POST /auth/v1/user/basic/edit': 'unavailable' } });
    const res = await app.call('patch', '/api/session/user', { name: 'Lost' });
    expectApiError(res, 503, 'upstream_unavailable');
    expect((await app.get('/api/session')).body.user.name).toBe(p.name);
  });
});

describe('when a signed-in caller reads the sign-in history over the API', () => {
  it('lists sign-ins newest first, marks this session\'s, and pages through all of them with next_cursor', async () => {
    const p = await newPerson();
    const others = 22;
    for (let i = 0; i < others; i += 1) await signedIn(spa(gw), p);
    const app = await signedIn(spa(gw), p);
    const first = await app.get('/api/session/history');
    expect(first.status).toBe(200);
    expect(first.body.entries).toHaveLength(20);
    expect(first.body.entries[0]).toMatchObject({ current: true, id: expect.any(String), device: expect.any(String) });
    expect(first.body.entries.filter((e: { current: boolean }) => e.current)).toHaveLength(1);
    const times = first.body.entries.map((e: { created_at: string }) => Date.parse(e.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(typeof first.body.next_cursor).toBe('string');
    const second = await app.get(`/api/session/history?cursor=${encodeURIComponent(first.body.next_cursor)}`);
    expect(second.status).toBe(200);
    expect(second.body.entries).toHaveLength(others + 1 - 20);
    expect(second.body.next_cursor).toBeNull();
    const ids = new Set([...first.body.entries, ...second.body.entries].map((e: { id: string }) => e.id));
    expect(ids.size).toBe(others + 1);
  });

  it('shows only this account\'s sign-ins, in token mode too', async () => {
    const a = await newPerson();
    const b = await newPerson();
    await signedIn(spa(gw), b);
    const app = mobile(gw);
    await signedIn(app, a);
    const res = await app.get('/api/session/history');
    expect(res.status).toBe(200);
    expect(res.body.entries).toHaveLength(1);
    expect(res.body.entries[0].current).toBe(true);
  });

  it('is 401 when signed out and 400 for a cursor that is not one', async () => {
    expectApiError(await spa(gw).get('/api/session/history'), 401, 'not_signed_in');
    const app = await signedIn(spa(gw), await newPerson());
    const res = await app.get(`/api/session/history?cursor=${'%0a'}`);
    expectApiError(res, 400, 'invalid_input');
    expect(res.body.error.field).toBe('cursor');
  });
});

describe('when a signed-in caller signs out everywhere over the API', () => {
  const revokeAllCalls = async () => (await gw.emu.stats())['DELETE /auth/v1/user/revoke/all'] ?? 0;

  it('ends every session of the user, cookie and token alike, this one included, and CloudBase\'s all at once', async () => {
    const p = await newPerson();
    const bystander = await newPerson();
    const theirs = await signedIn(spa(gw), bystander);
    const browsers = await Promise.all([1, 2, 3].map(() => signedIn(spa(gw), p)));
    const apps = [mobile(gw), mobile(gw)];
    for (const app of apps) await signedIn(app, p);
    const me = await signedIn(spa(gw), p);
    const sub = (await me.get('/api/session')).body.user.sub as string;
    expect(await gw.index.members(sub)).toHaveLength(6);
    const before = await revokeAllCalls();
    const revokedBefore = (await gw.emu.stats())['POST /auth/v1/revoke'] ?? 0;
    const res = await me.post('/api/sessions/revoke-all');
    expect(res.status).toBe(204);
    expect(await revokeAllCalls()).toBe(before + 1);
    // CloudBase ended them all at once: no session's tokens were revoked one by one.
    expect((await gw.emu.stats())['POST /auth/v1/revoke'] ?? 0).toBe(revokedBefore);
    for (const client of [me, ...browsers, ...apps]) expect((await client.get('/api/session')).status).toBe(401);
    expect((await theirs.get('/api/session')).status).toBe(200);
    expect(await gw.index.members(sub)).toEqual([]);
  });

  it('still ends every gateway session when CloudBase fails, revoking their tokens one by one', async () => {
    const p = await newPerson();
    const other = await signedIn(mobile(gw), p);
    const me = await signedIn(spa(gw), p);
    const revokedBefore = (await gw.emu.stats())['POST /auth/v1/revoke'] ?? 0;
    await gw.emu.setConfig({ fail: { 'DELETE /auth/v1/user/revoke/all': 'unavailable' } });
    expect((await me.post('/api/sessions/revoke-all')).status).toBe(204);
    expect((await gw.emu.stats())['POST /auth/v1/revoke'] ?? 0).toBe(revokedBefore + 2);
    expect((await other.get('/api/session')).status).toBe(401);
    expect((await me.get('/api/session')).status).toBe(401);
  });

  it('is 401 when signed out, and 403 without X-CSRF in cookie mode (nothing ended)', async () => {
    expectApiError(await spa(gw).post('/api/sessions/revoke-all'), 401, 'not_signed_in');
    const me = (await signedIn(spa(gw), await newPerson())) as ReturnType<typeof spa>;
    expectApiError(await me.agent.post('/api/sessions/revoke-all').set('Accept', 'application/json'), 403, 'csrf_failed');
    expect((await me.get('/api/session')).status).toBe(200);
  });
});

describe('a guest who signs up', () => {
  it.each([['cookie', spa], ['token', mobile]] as const)('keeps the same sub (%s mode): the guest becomes the registered account', async (_mode, make) => {
    const app = make(gw);
    const guest = await app.post('/api/session/anonymous', {});
    expect(guest.status).toBe(200);
    expect(guest.body.user.anonymous).toBe(true);
    const sub = guest.body.user.sub as string;
    seq += 1;
    const phone = `1370000${String(seq).padStart(4, '0')}`;
    expect((await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'signup' })).status).toBe(200);
    const code = await gw.emu.sms(`+86 ${phone}`);
    const verified = await app.post('/api/session/sms/verify', { verification_code: code });
    expect(verified.body.next).toBe('signup');
    const password = `Passw0rd!guest-${seq}`;
    gw.secrets.add(password);
    const res = await app.post('/api/session/signup', { name: 'Was a guest', username: `guest${seq}`, password });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ sub, anonymous: false, name: 'Was a guest', phone_number: `+86 ${phone}` });
    // The same account signs in with its new password: CloudBase agrees it is the guest's sub.
    const again = await signedIn(spa(gw), { username: `guest${seq}`, password });
    expect((await again.get('/api/session')).body.user.sub).toBe(sub);
  });

  it('a signed-out sign-up gets a new sub (the upgrade is only for a guest session)', async () => {
    const guest = await spa(gw).post('/api/session/anonymous', {});
    const app = spa(gw);
    seq += 1;
    const phone = `1370000${String(seq).padStart(4, '0')}`;
    await app.post('/api/session/sms/send', { phone_number: phone, purpose: 'signup' });
    await app.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(`+86 ${phone}`) });
    const res = await app.post('/api/session/signup', {});
    expect(res.status).toBe(200);
    expect(res.body.user.sub).not.toBe(guest.body.user.sub);
  });
});

describe('when a signed-in caller changes phone or email over the API', () => {
  const newPhone = () => {
    seq += 1;
    return `1350000${String(seq).padStart(4, '0')}`;
  };
  const emailCode = async (email: string) => {
    const res = await fetch(`${gw.emulator.url}/__emulator/sms?email=${encodeURIComponent(email)}`);
    return String(((await res.json()) as { verification_code: unknown }).verification_code);
  };

  it('changes the phone after the code and the password; the session and a new sign-in show it', async () => {
    const p = await newPerson();
    const app = await signedIn(spa(gw), p);
    const phone = newPhone();
    const sent = await app.post('/api/session/contact/send', { phone_number: phone });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ expires_in: expect.any(Number) });
    const res = await app.post('/api/session/contact/verify', { verification_code: await gw.emu.sms(`+86 ${phone}`), password: p.password });
    expect(res.status).toBe(200);
    expect(res.body.user.phone_number).toBe(`+86 ${phone}`);
    expect((await app.get('/api/session')).body.user.phone_number).toBe(`+86 ${phone}`);
    await signedIn(spa(gw), { username: phone, password: p.password });
  });

  it('changes the email in token mode', async () => {
    const p = await newPerson();
    const app = mobile(gw);
    await signedIn(app, p);
    const email = `${p.username}@new.example.com`;
    expect((await app.post('/api/session/contact/send', { email })).status).toBe(200);
    const res = await app.post('/api/session/contact/verify', { verification_code: await emailCode(email), password: p.password });
    expect(res.status).toBe(200);
    expect(res.body.user.email).toBe(email);
  });

  it('refuses a phone of another account with 409 contact_taken, changing nothing here', async () => {
    const phone = newPhone();
    await gw.emu.createUser({ username: `owner${seq}`, phone_number: `+86 ${phone}` });
    const p = await newPerson();
    const app = await signedIn(spa(gw), p);
    expect((await app.post('/api/session/contact/send', { phone_number: phone })).status).toBe(200);
    const res = await app.post('/api/session/contact/verify', { verification_code: await gw.emu.sms(`+86 ${phone}`), password: p.password });
    expectApiError(res, 409, 'contact_taken');
    expect(res.body.error.message).toMatch(/another account/);
    expect((await app.get('/api/session')).body.user.phone_number).toBeNull();
    expectApiError(await app.post('/api/session/contact/verify', { verification_code: '123456', password: p.password }), 409, 'flow_expired');
  });

  it('a wrong password keeps the proven code (only the password is retried); a wrong code is invalid_code', async () => {
    const p = await newPerson();
    const app = await signedIn(spa(gw), p);
    const phone = newPhone();
    await app.post('/api/session/contact/send', { phone_number: phone });
    const code = await gw.emu.sms(`+86 ${phone}`);
    const wrongCode = code === '000000' ? '111111' : '000000';
    const bad = await app.post('/api/session/contact/verify', { verification_code: wrongCode, password: p.password });
    expectApiError(bad, 400, 'invalid_code');
    expect(bad.body.error.field).toBe('verification_code');
    expectApiError(await app.post('/api/session/contact/verify', { verification_code: code, password: 'Wrong-passw0rd' }), 403, 'wrong_password');
    const res = await app.post('/api/session/contact/verify', { verification_code: code, password: p.password });
    expect(res.status).toBe(200);
    expect(res.body.user.phone_number).toBe(`+86 ${phone}`);
  });

  it.each([
    ['both contacts', { phone_number: '13500000001', email: 'a@b.example' }, undefined],
    ['neither', {}, undefined],
    ['a phone that is not one', { phone_number: '12345' }, 'phone_number'],
    ['an email that is not one', { email: 'not-an-email' }, 'email'],
  ])('send refuses %s with 400', async (_what, body, field) => {
    const app = await signedIn(spa(gw), await newPerson());
    const res = await app.post('/api/session/contact/send', body);
    expect(res.status).toBe(400);
    if (field) expect(res.body.error.field).toBe(field);
  });

  it('is 401 signed out, 403 for a guest, 409 flow_expired for a verify without a code sent', async () => {
    expectApiError(await spa(gw).post('/api/session/contact/send', { phone_number: newPhone() }), 401, 'not_signed_in');
    const guest = spa(gw);
    await guest.post('/api/session/anonymous', {});
    expectApiError(await guest.post('/api/session/contact/send', { phone_number: newPhone() }), 403, 'forbidden');
    const p = await newPerson();
    const app = await signedIn(spa(gw), p);
    expectApiError(await app.post('/api/session/contact/verify', { verification_code: '123456', password: p.password }), 409, 'flow_expired');
  });

  it('a contact flow is not an SMS sign-in flow: the SMS sign-in verify refuses it', async () => {
    const app = await signedIn(spa(gw), await newPerson());
    const phone = newPhone();
    await app.post('/api/session/contact/send', { phone_number: phone });
    expectApiError(await app.post('/api/session/sms/verify', { verification_code: await gw.emu.sms(`+86 ${phone}`) }), 409, 'flow_expired');
  });
});
