import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import request, { type Response } from 'supertest';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';

const PASSWORD = 'Passw0rd!';
let emu: RunningEmulator;
const lines: string[] = [];
const api = () => request(emu.url);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function expectError(res: Response, status: number, error: string): void {
  expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
}

type Contact = { phone_number: string } | { email: string };

async function verificationToken(contact: Contact): Promise<string> {
  const sent = await api().post('/auth/v1/verification').send({ ...contact, target: 'ANY' }).expect(200);
  const code = (await api().get('/__emulator/sms').query(contact).expect(200)).body.verification_code;
  const verified = await api()
    .post('/auth/v1/verification/verify')
    .send({ verification_id: sent.body.verification_id, verification_code: code })
    .expect(200);
  return verified.body.verification_token as string;
}

async function signUp(contact: Contact, extra: Record<string, unknown> = {}): Promise<{ access_token: string; sub: string }> {
  const verification_token = await verificationToken(contact);
  return (await api().post('/auth/v1/signup').send({ ...contact, verification_token, password: PASSWORD, ...extra }).expect(200)).body;
}

async function sudo(token: string): Promise<string> {
  return (await api().post('/auth/v1/user/sudo').set(bearer(token)).send({ password: PASSWORD }).expect(200)).body.sudo_token;
}

const me = async (token: string) => (await api().get('/auth/v1/user/me').set(bearer(token)).expect(200)).body;

beforeAll(async () => {
  emu = await startTestEmulator({ log: (line) => lines.push(line) });
});

afterAll(async () => {
  await emu.close();
});

beforeEach(async () => {
  lines.length = 0;
  await api().post('/__emulator/reset').expect(200);
  await api().put('/__emulator/config').send({ sms_cooldown_s: 0 }).expect(200);
});

describe('email as a second channel', () => {
  it('sends "mail" (printed and queryable), signs up, signs in by code and resets by email', async () => {
    const email = 'Mail.User@Example.com';
    const user = await signUp({ email });
    expect(lines.some((l) => l.includes('Email to mail.user@example.com'))).toBe(true);
    expect((await me(user.access_token)).email).toBe('mail.user@example.com');
    const signin = await api().post('/auth/v1/signin').send({ verification_token: await verificationToken({ email }) }).expect(200);
    expect(signin.body.sub).toBe(user.sub);
    await api()
      .post('/auth/v1/reset')
      .send({ email, verification_token: await verificationToken({ email }), new_password: 'Other0ne!x' })
      .expect(200);
    await api().post('/auth/v1/signin').send({ username: 'mail.user@example.com', password: 'Other0ne!x' }).expect(200);
  });
});

describe('when a user edits the profile at the emulator', () => {
  it('edits nickname, username, gender and avatar, shown when the user is read, under its own names', async () => {
    const user = await signUp({ phone_number: '+86 13800000001' });
    await api()
      .post('/auth/v1/user/basic/edit')
      .set(bearer(user.access_token))
      .send({ nickname: '小明', username: 'xiaoming', gender: 'MALE', avatar_url: 'https://example.com/a.png' })
      .expect(200, {});
    expect(await me(user.access_token)).toMatchObject({ name: '小明', username: 'xiaoming', gender: 'MALE', picture: 'https://example.com/a.png' });
    expect((await api().get('/auth/v1/checkIfUserExist').query({ username: 'xiaoming' }).expect(200)).body).toEqual({ exist: true });
    expect((await api().get('/auth/v1/checkIfUserExist').query({ username: 'nobody' }).expect(200)).body).toEqual({ exist: false });
  });

  it('refuses a taken username, a bad gender, and no Bearer — changing nothing', async () => {
    const a = await signUp({ phone_number: '+86 13800000001' }, { username: 'taken' });
    const b = await signUp({ phone_number: '+86 13800000002' }, { name: 'Bee' });
    const edit = (body: object, token = b.access_token) => api().post('/auth/v1/user/basic/edit').set(bearer(token)).send(body);
    expectError(await edit({ username: 'taken', nickname: 'Changed' }), 409, 'username_already_exists');
    expectError(await edit({ gender: 'OTHER' }), 400, 'invalid_argument');
    expectError(await api().post('/auth/v1/user/basic/edit').send({ nickname: 'x' }), 401, 'unauthenticated');
    expect(await me(b.access_token)).toMatchObject({ name: 'Bee', username: '' });
    await edit({ username: 'taken' }, a.access_token).expect(200);
  });
});

describe('when a user changes phone or email at the emulator', () => {
  it('changes the phone with a sudo token and a verification token for the new phone', async () => {
    const user = await signUp({ phone_number: '+86 13800000001' });
    const newPhone = { phone_number: '+86 13900000009' };
    const patch = (body: object) => api().patch('/auth/v1/user/contact').set(bearer(user.access_token)).send(body);
    const token = await verificationToken(newPhone);
    expectError(await patch({ ...newPhone, verification_token: token }), 403, 'permission_denied');
    expectError(await patch({ phone_number: '+86 13900000008', verification_token: token, sudo_token: await sudo(user.access_token) }), 400, 'invalid_argument');
    await patch({ ...newPhone, verification_token: token, sudo_token: await sudo(user.access_token) }).expect(200, {});
    expect((await me(user.access_token)).phone_number).toBe('+86 13900000009');
    expectError(await patch({ ...newPhone, verification_token: token, sudo_token: await sudo(user.access_token) }), 400, 'invalid_argument');
  });

  it('refuses a contact of another user by default; TRANSFER moves it', async () => {
    const a = await signUp({ email: 'a@example.com' });
    await signUp({ email: 'b@example.com' }, { username: 'bee' });
    const patch = async (extra: object) =>
      api()
        .patch('/auth/v1/user/contact')
        .set(bearer(a.access_token))
        .send({ email: 'b@example.com', verification_token: await verificationToken({ email: 'b@example.com' }), sudo_token: await sudo(a.access_token), ...extra });
    expectError(await patch({}), 409, 'already_exists');
    expect((await patch({ conflict_resolution: 'TRANSFER' })).status).toBe(200);
    expect((await me(a.access_token)).email).toBe('b@example.com');
    const bUser = await api().post('/auth/v1/signin').send({ username: 'bee', password: PASSWORD }).expect(200);
    expect((await me(bUser.body.access_token)).email).toBe('');
  });
});

describe('history and devices', () => {
  it('pages the sign-in history newest first, with device, IP and user agent', async () => {
    const user = await signUp({ phone_number: '+86 13800000001' });
    for (const device of ['device-aaaaaaaaaaaaaaaa', 'device-bbbbbbbbbbbbbbbb']) {
      await api().post('/auth/v1/signin').set('x-device-id', device).set('user-agent', 'Test/1.0').send({ username: '+86 13800000001', password: PASSWORD }).expect(200);
    }
    const page = (query: object) => api().get('/auth/v1/user/security/history').set(bearer(user.access_token)).query(query);
    const first = await page({ 'query[action]': 'USER_LOGIN', limit: 2 }).expect(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.data[0]).toEqual({
      id: expect.any(String),
      ip: expect.stringMatching(/127\.0\.0\.1/),
      user_agent: 'Test/1.0',
      client_id: expect.any(String),
      device_id: 'device-bbbbbbbbbbbbbbbb',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      meta: { from: 'phone' },
    });
    const second = await page({ 'query[action]': 'USER_LOGIN', limit: 2, page_token: first.body.next_page_token }).expect(200);
    expect(second.body.data).toHaveLength(1);
    expect(second.body.next_page_token).toBeUndefined();
    expectError(await page({ limit: 0 }), 400, 'invalid_argument');
  });

  it('ending one device ends only that device\'s sessions of the user', async () => {
    await signUp({ phone_number: '+86 13800000001' });
    const signIn = (device: string) =>
      api().post('/auth/v1/signin').set('x-device-id', device).send({ username: '+86 13800000001', password: PASSWORD }).expect(200);
    const phone = (await signIn('device-phone-0000000001')).body;
    const laptop = (await signIn('device-laptop-000000001')).body;
    await api().delete('/auth/v1/user/authorized/devices/device-phone-0000000001').set(bearer(laptop.access_token)).expect(200, {});
    expectError(await api().get('/auth/v1/user/me').set(bearer(phone.access_token)), 401, 'unauthenticated');
    await me(laptop.access_token);
  });
});

describe('bad input on the new endpoints', () => {
  it('answers invalid_argument (never 500) for wrong types and missing fields', async () => {
    const user = await signUp({ phone_number: '+86 13800000001' });
    const cases: [string, string, object?][] = [
      ['post', '/auth/v1/provider/token', { provider_id: 'github', provider_code: 42 }],
      ['post', '/auth/v1/provider/token', { provider_id: 'github' }],
      ['post', '/auth/v1/signin/with/provider', { provider_token: ['x'] }],
      ['post', '/auth/v1/signin/custom', { ticket: { a: 1 } }],
      ['post', '/auth/v1/user/provider/bind', {}],
      ['post', '/auth/v1/user/basic/edit', { gender: 1 }],
      ['post', '/auth/v1/user/basic/edit', { username: 'x' }],
      ['patch', '/auth/v1/user/contact', { phone_number: '+86 13900000001' }],
      ['patch', '/auth/v1/user/contact', { email: 'a@b.co', verification_token: 'v', sudo_token: 's', conflict_resolution: 'MERGE' }],
      ['get', '/auth/v1/user/security/history?limit=abc'],
      ['get', '/auth/v1/user/security/history?page_token=-1'],
      ['get', '/auth/v1/checkIfUserExist'],
    ];
    for (const [method, path, payload] of cases) {
      const req = method === 'get' ? api().get(path) : method === 'patch' ? api().patch(path).send(payload) : api().post(path).send(payload);
      const res = await req.set(bearer(user.access_token));
      expect({ path, payload, status: res.status, error: res.body.error }).toEqual({ path, payload, status: 400, error: 'invalid_argument' });
    }
    expectError(await api().get('/auth/v1/provider/uri').query({ provider_id: 'github' }), 400, 'invalid_argument');
  });
});
