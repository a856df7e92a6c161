import { randomBytes, randomUUID } from 'node:crypto';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { finishApiSuite, RELAXED_LIMITS, spa, type SpaClient } from '../support/api.js';
import { sessionIdFromCookie } from '../support/sessions.js';
import { publicSessionId } from '../../src/session/directory.js';
import { createTokenCipher } from '../../src/session/token-cipher.js';
import { RedisUserIndex } from '../../src/session/user-index.js';

/**
 * What a user index entry holds in Redis: short enough (≤ 64 bytes, Redis's default `hash-max-listpack-value`) that a
 * user's index stays a listpack, which is what keeps Redis's memory per session low; still sealed to its own session,
 * readable across a key rotation, and entries an older gateway wrote (`<ms>:<text seal>`, `<ms>:`) still read.
 */
let gw: TestGateway;
let seq = 0;
/** A named key of 10 characters, the longest the entry's size is promised for with room to spare. */
const KEY_ID = 'idx-key-10';

beforeAll(async () => {
  gw = await startTestGateway({ env: { ...RELAXED_LIMITS, TOKEN_ENCRYPTION_KEYS: `${KEY_ID}:${randomBytes(32).toString('base64url')}` } });
});

afterAll(() => finishApiSuite(gw));

async function newUser(): Promise<{ username: string; password: string; sub: string }> {
  seq += 1;
  const user = { username: `indexed${seq}`, password: `Passw0rd!indexed-${seq}` };
  gw.secrets.add(user.password);
  const { sub } = await gw.emu.createUser(user);
  return { ...user, sub };
}

interface SignedIn {
  client: SpaClient;
  sid: string;
  did: string;
}

async function signIn(user: { username: string; password: string }): Promise<SignedIn> {
  const client = spa(gw);
  const res = await client.post('/api/session/login', { username: user.username, password: user.password });
  expect(res.status).toBe(200);
  const sid = sessionIdFromCookie(res.headers['set-cookie']);
  const did = (await gw.store.read(sid))?.did;
  if (!did) throw new Error('the signed-in session holds no device id');
  return { client, sid, did };
}

const indexKey = (sub: string) => `${gw.config.redis.keyPrefix}u:{${sub}}`;
const anotherIndex = (keys: { id?: string; key: string }[]) =>
  new RedisUserIndex({ client: gw.redis, prefix: gw.config.redis.keyPrefix, cipher: createTokenCipher(keys) });

it('an entry sealed under a key id of 11 characters is 64 bytes, one of 12 is over (what the config warning says)', async () => {
  const key = randomBytes(32).toString('base64url');
  const sub = `limit-${randomBytes(4).toString('hex')}`;
  const sizes: number[] = [];
  for (const id of ['k'.repeat(11), 'k'.repeat(12)]) {
    const sid = randomBytes(24).toString('base64url');
    await anotherIndex([{ id, key }]).add(sub, sid, Date.now(), 60_000, randomUUID());
    sizes.push((await gw.redis.hgetBuffer(indexKey(sub), sid))!.length);
  }
  expect(sizes).toEqual([64, 65]);
  await gw.redis.del(indexKey(sub));
});

it('a sign-in writes an entry of at most 64 bytes, and a user with a few sessions keeps a listpack index', async () => {
  const user = await newUser();
  const sessions = [];
  for (let i = 0; i < 4; i++) sessions.push(await signIn(user));
  const raw = await gw.redis.hgetallBuffer(indexKey(user.sub));
  expect(Object.keys(raw).sort()).toEqual(sessions.map((s) => s.sid).sort());
  for (const s of sessions) {
    expect(s.did).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(raw[s.sid]!.length).toBeLessThanOrEqual(64);
    expect(raw[s.sid]!.toString('latin1')).not.toContain(s.did);
  }
  expect(await gw.redis.call('OBJECT', 'ENCODING', indexKey(user.sub))).toBe('listpack');
  expect(await gw.index.devices(user.sub, sessions.map((s) => s.sid))).toEqual(sessions.map((s) => s.did));
});

it('reads entries an older gateway wrote (`<ms>:<text seal>`, `<ms>:`) beside new ones, in sign-in order', async () => {
  const user = await newUser();
  const [a, b, c, current] = [await signIn(user), await signIn(user), await signIn(user), await signIn(user)];
  const cipher = createTokenCipher(gw.config.tokenKeys);
  const t0 = Date.now() - 60_000;
  // a: old text seal, b: old with no device, c: the new form, current: as its sign-in wrote it (newest).
  await gw.redis.hset(indexKey(user.sub), a.sid, `${t0 + 3000}:${cipher.seal(a.did, `device:${a.sid}`)}`, b.sid, `${t0 + 2000}:`);
  await gw.index.add(user.sub, c.sid, t0 + 1000, 60_000, c.did);
  expect((await gw.redis.hget(indexKey(user.sub), a.sid))!.length).toBeGreaterThan(64);

  expect(await gw.index.page(user.sub, undefined, 10)).toEqual([
    [current.sid, expect.any(Number)],
    [a.sid, t0 + 3000],
    [b.sid, t0 + 2000],
    [c.sid, t0 + 1000],
  ]);
  expect(await gw.index.page(user.sub, t0 + 3000, 10)).toEqual([
    [b.sid, t0 + 2000],
    [c.sid, t0 + 1000],
  ]);
  expect(await gw.index.at(user.sub, t0 + 2000)).toEqual([b.sid]);
  expect(await gw.index.devices(user.sub, [a.sid, b.sid, c.sid, current.sid, 'not-indexed'])).toEqual([a.did, undefined, c.did, current.did, undefined]);

  const list = await current.client.get('/api/sessions');
  expect(list.status).toBe(200);
  expect((list.body as { sessions: { id: string }[] }).sessions.map((s) => s.id)).toEqual([current, a, b, c].map((s) => publicSessionId(s.sid)));
});

it('a device id copied to another session’s entry does not open there, in either form', async () => {
  const user = await newUser();
  const [a, b] = [await signIn(user), await signIn(user)];
  const cipher = createTokenCipher(gw.config.tokenKeys);
  const key = indexKey(user.sub);
  const newForm = (await gw.redis.hgetBuffer(key, a.sid))!;
  await gw.redis.hset(key, b.sid, newForm);
  expect(await gw.index.devices(user.sub, [a.sid, b.sid])).toEqual([a.did, undefined]);
  await gw.redis.hset(key, b.sid, `${Date.now()}:${cipher.seal(a.did, `device:${a.sid}`)}`);
  expect(await gw.index.devices(user.sub, [b.sid])).toEqual([undefined]);
  // A device id sealed as the session's own data (not as a device of this session) does not open either.
  await gw.redis.hset(key, b.sid, `${Date.now()}:${cipher.seal(a.did, b.sid)}`);
  expect(await gw.index.devices(user.sub, [b.sid])).toEqual([undefined]);
});

it('keeps a device id that is not a UUID as it is', async () => {
  const user = await newUser();
  const did = 'native-app-device-0123456789';
  await gw.index.add(user.sub, 'sid-native', Date.now(), 60_000, did);
  await gw.index.add(user.sub, 'sid-no-device', Date.now(), 60_000);
  expect(await gw.index.devices(user.sub, ['sid-native', 'sid-no-device'])).toEqual([did, undefined]);
  expect((await gw.redis.hgetBuffer(indexKey(user.sub), 'sid-no-device'))!.length).toBe(7);
});

it('still opens entries sealed under an older key after a rotation, and not once the key is removed', async () => {
  const user = await newUser();
  const s = await signIn(user);
  const next = { id: 'next', key: randomBytes(32).toString('base64url') };
  const rotated = anotherIndex([next, ...gw.config.tokenKeys]);
  expect(await rotated.devices(user.sub, [s.sid])).toEqual([s.did]);
  await rotated.add(user.sub, 'sid-after-rotation', Date.now(), 60_000, s.did);
  expect(await anotherIndex([next]).devices(user.sub, [s.sid, 'sid-after-rotation'])).toEqual([undefined, s.did]);
  expect(await gw.index.devices(user.sub, ['sid-after-rotation'])).toEqual([undefined]);
  // An entry whose key is gone still pages: only its device is lost.
  expect((await anotherIndex([next]).page(user.sub, undefined, 10)).map(([sid]) => sid).sort()).toEqual([s.sid, 'sid-after-rotation'].sort());
});

it('reads a page of the device list with its tie in one read, the same as page() then at()', async () => {
  const sub = `ties-${Date.now()}`;
  const times = [5000, 4000, 3000, 3000, 3000, 2000, 1000, 1000];
  for (const [i, at] of times.entries()) await gw.index.add(sub, `sid-${i}`, at, 60_000);
  for (const before of [undefined, 5000, 3000, 2000, 1000]) {
    for (const count of [1, 2, 3, 4, 5, 8, 9]) {
      const got = await gw.index.page(sub, before, count + 1);
      let expected: { sids: string[]; next?: number };
      if (got.length <= count) expected = { sids: got.map(([sid]) => sid) };
      else {
        const last = got[count - 1]![1];
        const page = got.slice(0, count).map(([sid]) => sid);
        const ties = (await gw.index.at(sub, last)).filter((sid) => !page.includes(sid));
        expected = { sids: [...page, ...ties], next: last };
      }
      const untied = await gw.index.pageUntied(sub, before, count);
      expect({ ...untied, sids: [...untied.sids].sort() }).toEqual({ ...expected, sids: [...expected.sids].sort() });
      expect(untied.sids.slice(0, Math.min(count, untied.sids.length))).toEqual(got.slice(0, count).map(([sid]) => sid));
    }
  }
  await gw.redis.del(indexKey(sub));
});
