import { randomBytes, randomUUID } from 'node:crypto';
import type { SessionData } from 'express-session';
import { loadConfig } from '../../src/config/index.js';
import { parseSession, serializeSession } from '../../src/session/sealed-session.js';
import { createTokenCipher } from '../../src/session/token-cipher.js';
import { configProblems } from '../support/config.js';

const newKey = () => randomBytes(32).toString('base64url');
const K1 = newKey();
const K2 = newKey();
const SID = 'pQ3x-sid-of-the-session-under-test';
const SECRET = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlLW9mLXRoZS1hY2Nlc3MtdG9rZW4';

/** Sealed by the cipher as it was before its deflate settings changed (zlib's defaults), under key 7×32 bytes. */
const SEALED_WITH_DEFAULT_DEFLATE =
  'old.ARZXEd4BiNu3oIfpbpVUXFhCRxJi1snjlwsy3rEUUyNS3U-iwS6LLzulAgX0VhSWx8afnfZtHVJEZaOqy8OweK_pJjGKbCa8' +
  'A7gDIhkD_JXixBogN4Va4TA_ekomP_y9nfcJXsScoRl_6-x65OhcOs3yJ3wrfxWuGjeI5Uea2tyzgxQ2pR8EBIHAk3VVPBU2ABBu' +
  'wXXHAflzgzKtI9ftuZOunxmXMFOw_38OlMC4R9L2ctWv9hwTQyCv8VK-dPVRaMBHwGj-co_i94nbPeIB1YYW2l3KasubhwTGd2lK' +
  '_UX5wr-506agO2ekKNIDEiu9Z4Sed254IT3UNKukTKDWyoWsDEhXb9RAa83U_t2VoD45pDaLBLJseR09tjEq89E8oQvg2C6oEnDi' +
  '9wQwckVtxy7ZtlNK5Fm0AA2AuBBw4kO0msApEno0pGmmVFPwO3GBMsLJ-5_JW4GnsBkewWPoVTNuFP5_6zg9mOWMMiZUbUj-l8xL' +
  'DDCJIF7vnybfxmTkiX5rPAPjDHWWTf4qZ-ovdY3FgWqp9og91AdgimsHHvYbLNB7P45HBQJCBvA5lgV-FzRZHhWNYUEaLlB7CLKC' +
  'W8wgIn4tKrCo4H5NgYSy0JnB2kNViuewIumvV5hC1QnhE12B56D1v4gmUJ1Fv64pX5pSsx-974Y9p7GI0egMd47p9CX_fFJ9DYwt' +
  'dBl7aMV_StMxo2Q1HJ1thxIukwuInw1JcMdr24wU9EKCDP5C6juTC_mor0_iqDIeUcCAXP4jw6Uan3RH2wDCetjiGQiue3iHxnYp' +
  'FkIo-WN0BevFKKQMuuC4KH4XGolmKPMckQg6kcoRvYEPsrahfCNbjf6x7p290C2oFFQtaOeNZ8sgLoaAC2kraXbxy6-T4-VeagoE' +
  'IJAEZroV7Iq6nFdsRb_jibvNVw2mEyx08DB8hdwD7ZwgZ8UoHWCa5v3tjNqrxeygRmnU8gmBjv_GkuZ6G1EqHG-3rp3lTZOp3o4G' +
  '0RGFAY6Wo-iDVQoLMJZMukvMa8IhWlk-bOEW6Cj42zl2rRAk7DO7RiIYQ3KxqkQjsU-FrMgLk7U3P_vxJLlX9pAvAV2Q52cs6i6B' +
  'Eco_wNPPAQQPeUMrgvwg0f1fimzHvPpiwa48uck519-KrFDDTcBrqFv0AXJ7B45hpmeQn4DVIb1lsM0Aq9UNvh_CsYWltJTBkB94' +
  'ULUgb6cHkE81beikjgAYPR_Wtjd_wHvzAmJHD9A6NKQzwUsNrKjWGjI7xVKWoju5lewi1CS2LIbRXTPQ2lByILFDFOoueIvr-2mP' +
  '_Lo3wCVA6BVJV02PNk-B8O1c_1FJRzCGoTTif-zyeWL0HtAERzmvg0-AiwxnzHWQTNLaGdpomL7DgKJxhOZKzX5rfzSVljPGbiFe' +
  '3zJMnllIuJAAy51w-vejLum7bVBSQ4eWkKgqaHtaznUrqZkaGZI9wDhIgeOAfjLL30iLqM2MJwEZ2IOWYOUus-0JVm7hlP4CpGoc' +
  'rpQ4JEf-VJDtD2dIWMakOtl1pibkqKXtxCpF357U5rSs1L8O5kkkv7UbEdGL0bdnjvkOtRByowp5CuQ46aTzMydi28zp_8FoF05h' +
  '7Kw8I23Ns6XYBg6gYFTzOEP86JY6l8-EV9Mq8iCIEKktb_MtwTDxlK3O97CBnprPCK5968w8sy2Qf7c7L2ZsisANhuqT5PN9n7-N' +
  'HFRrQaBo62D6NHp6YsSH6uiorUhDtsj-g8pH5mLXFpBu2KmA6Wl6rFAQvt0xBIqBPXmnVFralWoaBLAkes8Y_z4xflnRL4hc3jf5' +
  'sC3GkcPOLa9L6vwqthqSHAMW2dWMxv58zSYFh7sdzYKYT6lSlz8Jpoy8R1aJIPc9QnCVoqmL7IWZpjx6nmVNWldusTrm_4YqmSuQ' +
  'iFInFh8zng';

function flipBit(sealed: string, at: number): string {
  const dot = sealed.indexOf('.');
  const blob = Buffer.from(sealed.slice(dot + 1), 'base64url');
  blob[at] = blob[at]! ^ 0x01;
  return `${sealed.slice(0, dot + 1)}${blob.toString('base64url')}`;
}

describe('the token cipher', () => {
  describe('with one key', () => {
    const cipher = createTokenCipher([{ id: 'k1', key: K1 }]);

    it('opens what it sealed, and the sealed text holds none of the plaintext', () => {
      const sealed = cipher.seal(SECRET, SID);
      expect(sealed).toMatch(/^k1\.[A-Za-z0-9_-]+$/);
      // the token's own JSON header (random ciphertext may hold a short run like 'eyJ' by chance: one run in ~2,000 did)
      expect(sealed).not.toContain(SECRET.slice(0, 12));
      expect(sealed).not.toContain(SECRET.slice(-20));
      expect(cipher.open(sealed, SID)).toBe(SECRET);
    });

    it('seals equal input to equal text (the store compares written values), different input differently', () => {
      expect(cipher.seal(SECRET, SID)).toBe(cipher.seal(SECRET, SID));
      expect(cipher.seal(SECRET, SID)).not.toBe(cipher.seal(`${SECRET}x`, SID));
      expect(cipher.seal(SECRET, SID)).not.toBe(cipher.seal(SECRET, `${SID}x`));
      const ivOf = (s: string) => Buffer.from(s.slice(3), 'base64url').subarray(1, 13).toString('hex');
      expect(ivOf(cipher.seal('a', SID))).not.toBe(ivOf(cipher.seal('b', SID)));
    });

    it('refuses a value moved to another session', () => {
      expect(cipher.open(cipher.seal(SECRET, SID), 'another-session-id')).toBeUndefined();
    });

    it('refuses any flipped bit: format byte, IV, ciphertext or tag', () => {
      const sealed = cipher.seal(SECRET, SID);
      const length = Buffer.from(sealed.slice(3), 'base64url').length;
      for (let at = 0; at < length; at++) expect(cipher.open(flipBit(sealed, at), SID)).toBeUndefined();
    });

    it('refuses truncated, extended, re-labelled and malformed values without throwing', () => {
      const sealed = cipher.seal(SECRET, SID);
      for (const bad of [
        '',
        '.',
        'k1.',
        'k1',
        sealed.slice(0, -4),
        `${sealed}AAAA`,
        sealed.replace(/^k1\./, 'k2.'),
        sealed.replace(/^k1\./, ''),
        `k1.${'A'.repeat(40)}`,
        'k1.not base64!',
        `k1.${'_'.repeat(100_000)}`,
      ]) {
        expect(cipher.open(bad, SID)).toBeUndefined();
      }
    });
  });

  it('seals the largest value it accepts so that it opens, and refuses a larger one', () => {
    const cipher = createTokenCipher([{ key: K1 }]);
    const largest = 'a'.repeat(256 * 1024);
    expect(cipher.open(cipher.seal(largest, SID), SID)).toBe(largest);
    expect(() => cipher.seal(`${largest}a`, SID)).toThrow(RangeError);
  });

  it('opens what was sealed with zlib\'s default deflate settings (before the smaller window)', () => {
    // 6,000 characters whose second half repeats the first: the old seal points 3,000 bytes back, past today's window.
    let x = 1;
    let half = '';
    for (let i = 0; i < 3000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      half += 'abcdefghijklmnopqrstuvwxyz0123456789'[x % 36];
    }
    const cipher = createTokenCipher([{ id: 'old', key: Buffer.alloc(32, 7).toString('base64url') }]);
    expect(cipher.open(SEALED_WITH_DEFAULT_DEFLATE, 'sid-before-the-change')).toBe(half + half);
    const resealed = cipher.seal(half + half, 'sid-before-the-change');
    expect(cipher.open(resealed, 'sid-before-the-change')).toBe(half + half);
    expect(cipher.open(cipher.seal(SECRET, SID), SID)).toBe(SECRET);
  });

  it('refuses what another key sealed', () => {
    const sealed = createTokenCipher([{ id: 'k1', key: K1 }]).seal(SECRET, SID);
    expect(createTokenCipher([{ id: 'k1', key: K2 }]).open(sealed, SID)).toBeUndefined();
    const unnamed = createTokenCipher([{ key: K1 }]).seal(SECRET, SID);
    expect(createTokenCipher([{ key: K2 }]).open(unnamed, SID)).toBeUndefined();
  });

  describe('when keys are rotated', () => {
    const before = createTokenCipher([{ id: 'old', key: K1 }]);
    const during = createTokenCipher([
      { id: 'new', key: K2 },
      { id: 'old', key: K1 },
    ]);
    const after = createTokenCipher([{ id: 'new', key: K2 }]);

    it('opens what the old key sealed and seals with the new one', () => {
      const old = before.seal(SECRET, SID);
      expect(during.open(old, SID)).toBe(SECRET);
      const resealed = during.seal(SECRET, SID);
      expect(resealed.startsWith('new.')).toBe(true);
      expect(after.open(resealed, SID)).toBe(SECRET);
    });

    it('no longer opens the old key’s values once it is removed', () => {
      expect(after.open(before.seal(SECRET, SID), SID)).toBeUndefined();
    });

    it('tries every unnamed key', () => {
      const sealed = createTokenCipher([{ key: K1 }]).seal(SECRET, SID);
      expect(createTokenCipher([{ key: K2 }, { key: K1 }]).open(sealed, SID)).toBe(SECRET);
    });
  });

  it('refuses a key that is not 32 bytes at start-up', () => {
    expect(() => createTokenCipher([{ key: randomBytes(16).toString('base64url') }])).toThrow(/32 bytes/);
    expect(() => createTokenCipher([])).toThrow(/at least one key/);
  });
});

describe('the compact cipher (short values such as a device id)', () => {
  const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';
  const cipher = createTokenCipher([{ id: 'key-2026-a', key: K1 }]).compact;

  it('packs a lowercase UUID to 16 bytes: 46 bytes sealed plus the key id, and opens it exactly', () => {
    const sealed = cipher.seal(UUID, SID);
    expect(sealed.length).toBe(46 + 'key-2026-a'.length);
    expect(sealed.toString('latin1')).not.toContain(Buffer.from(UUID.replaceAll('-', ''), 'hex').toString('latin1'));
    expect(cipher.open(sealed, SID)).toBe(UUID);
    expect(createTokenCipher([{ key: K1 }]).compact.seal(randomUUID(), SID).length).toBe(46);
  });

  it('keeps any other text as it is, an upper-case UUID included', () => {
    for (const plain of [UUID.toUpperCase(), `${UUID}x`, 'app-device-0123456789', 'ünïcødé-device-☃', '']) {
      const sealed = cipher.seal(plain, SID);
      expect(cipher.open(sealed, SID)).toBe(plain);
    }
    expect(cipher.seal('app-device-0123456789', SID).length).toBe(30 + 'key-2026-a'.length + 'app-device-0123456789'.length);
  });

  it('is deterministic, and different for another value or context', () => {
    expect(cipher.seal(UUID, SID).equals(cipher.seal(UUID, SID))).toBe(true);
    expect(cipher.seal(UUID, SID).equals(cipher.seal(randomUUID(), SID))).toBe(false);
    expect(cipher.seal(UUID, SID).equals(cipher.seal(UUID, `${SID}x`))).toBe(false);
  });

  it('refuses another context, any flipped bit, truncation, extension and garbage', () => {
    for (const plain of [UUID, 'app-device-0123456789']) {
      const sealed = cipher.seal(plain, SID);
      expect(cipher.open(sealed, 'another-session-id')).toBeUndefined();
      for (let at = 0; at < sealed.length; at++) {
        for (const bit of [0x01, 0x80]) {
          const bad = Buffer.from(sealed);
          bad[at] = bad[at]! ^ bit;
          expect(cipher.open(bad, SID)).toBeUndefined();
        }
      }
      for (let n = 0; n < sealed.length; n++) expect(cipher.open(sealed.subarray(0, n), SID)).toBeUndefined();
      expect(cipher.open(Buffer.concat([sealed, Buffer.from([0])]), SID)).toBeUndefined();
    }
    for (const bad of [Buffer.alloc(0), Buffer.from([2]), Buffer.from([2, 200]), randomBytes(60), Buffer.from('1700000000000:abc')]) {
      expect(cipher.open(bad, SID)).toBeUndefined();
    }
  });

  it('does not open a token seal, nor does the token cipher open a compact seal', () => {
    const both = createTokenCipher([{ key: K1 }]);
    expect(both.compact.open(Buffer.from(both.seal(UUID, SID), 'base64url'), SID)).toBeUndefined();
    expect(both.open(both.compact.seal(UUID, SID).toString('base64url'), SID)).toBeUndefined();
  });

  it('follows key rotation: old key ids open, the first key seals, a removed key no longer opens', () => {
    const before = createTokenCipher([{ id: 'old', key: K1 }]).compact;
    const during = createTokenCipher([
      { id: 'new', key: K2 },
      { id: 'old', key: K1 },
    ]).compact;
    const after = createTokenCipher([{ id: 'new', key: K2 }]).compact;
    const old = before.seal(UUID, SID);
    expect(during.open(old, SID)).toBe(UUID);
    expect(after.open(old, SID)).toBeUndefined();
    expect(after.open(during.seal(UUID, SID), SID)).toBe(UUID);
    expect(createTokenCipher([{ id: 'old', key: K2 }]).compact.open(old, SID)).toBeUndefined();
    const unnamed = createTokenCipher([{ key: K1 }]).compact.seal(UUID, SID);
    expect(createTokenCipher([{ key: K2 }, { key: K1 }]).compact.open(unnamed, SID)).toBe(UUID);
    expect(during.open(unnamed, SID)).toBeUndefined();
  });
});

describe('a stored session', () => {
  const cipher = createTokenCipher([{ id: 'k1', key: K1 }]);
  const session = (): SessionData =>
    ({
      cookie: { originalMaxAge: null },
      created: 1,
      seen: 2,
      did: 'device-id-0123456789',
      csrf: 'csrf-secret-value-0123',
      auth: { at: SECRET, rt: 'refresh-token-value-0123456789', exp: 3, sub: 'u1', sc: 'openid' },
      user: { sub: 'u1', name: 'Ann', anonymous: false },
      flow: { purpose: 'signup', phone: '+86 13800000000', vid: 'verification-id-value', vtok: 'verification-token-value' },
      captcha: { id: 'c1', token: 'captcha-token-value', img: 'data:image/png;base64,AAAA' },
      tok: 'hash-of-the-session-token-secret',
    }) as unknown as SessionData;

  it('keeps its tokens, flow tokens, CSRF secret and device id only sealed, the rest readable', () => {
    const d = serializeSession(session(), SID, cipher);
    for (const secret of [SECRET, 'refresh-token-value', 'verification-id-value', 'verification-token-value', 'captcha-token-value', 'csrf-secret-value', 'device-id']) {
      expect(d).not.toContain(secret);
    }
    expect(JSON.parse(d)).toMatchObject({ auth: { exp: 3, sub: 'u1' }, user: { name: 'Ann' }, flow: { phone: '+86 13800000000' }, x: expect.stringMatching(/^k1\./) });
  });

  it('reads back exactly as it was, and serialising leaves the live session untouched', () => {
    const live = session();
    const d = serializeSession(live, SID, cipher);
    expect(live).toEqual(session());
    expect(parseSession(d, SID, cipher)).toEqual(session());
  });

  it('with no secret at all has no sealed part', () => {
    const d = serializeSession({ cookie: {}, created: 1, seen: 1 } as unknown as SessionData, SID, cipher);
    expect(JSON.parse(d)).not.toHaveProperty('x');
  });

  it('is unreadable under another key or another session id', () => {
    const d = serializeSession(session(), SID, cipher);
    expect(parseSession(d, SID, createTokenCipher([{ id: 'k1', key: K2 }]))).toBe('unreadable');
    expect(parseSession(d, 'other-sid', cipher)).toBe('unreadable');
    expect(parseSession(JSON.stringify({ ...JSON.parse(d), x: 42 }), SID, cipher)).toBe('unreadable');
  });

  it('written before sealing existed is read as it is', () => {
    const plain = JSON.stringify(session());
    expect(parseSession(plain, SID, cipher)).toEqual(session());
  });
});

describe('TOKEN_ENCRYPTION_KEYS', () => {
  const base = { NODE_ENV: 'test', SESSION_SECRET: 'a-session-secret-of-enough-length-0123' };
  const problemsOf = configProblems;
  const prod = {
    NODE_ENV: 'production',
    SESSION_SECRET: randomBytes(36).toString('base64url'),
    REDIS_URL: 'redis://127.0.0.1:6379',
    CLOUDBASE_ENV_ID: 'prod-env',
    CLOUDBASE_CLIENT_ID: 'client',
    CLOUDBASE_CLIENT_SECRET: 'secret',
    PUBLIC_ORIGIN: 'https://app.example.com',
  };

  it('takes base64 and base64url keys, named or not, in order', () => {
    const b64 = randomBytes(32).toString('base64');
    const url = newKey();
    const config = loadConfig({ ...base, TOKEN_ENCRYPTION_KEYS: ` 2026b:${url} , ${b64}` });
    expect(config.tokenKeys).toEqual([{ id: '2026b', key: url }, { key: Buffer.from(b64, 'base64').toString('base64url') }]);
    expect(config.warnings.join('\n')).not.toMatch(/TOKEN_ENCRYPTION_KEYS/);
  });

  it('is required in production', () => {
    expect(problemsOf(prod)).toEqual([expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS is required in production/)]);
    expect(problemsOf({ ...prod, TOKEN_ENCRYPTION_KEYS: newKey() })).toEqual([]);
  });

  it.each([
    ['text in base64', Buffer.from('change-me-to-32-random-bytes-000').toString('base64')],
    ['one byte repeated', Buffer.alloc(32, 7).toString('base64')],
    ['a short pattern repeated', Buffer.from('0123456789abcdef'.repeat(4), 'hex').toString('base64')],
  ])('refuses a placeholder key in production: %s', (_what, key) => {
    expect(problemsOf({ ...prod, TOKEN_ENCRYPTION_KEYS: `k:${key}` })).toEqual([expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: entry 1 is not random/)]);
  });

  it('is derived from SESSION_SECRET outside production, with a warning, and the same for every instance', () => {
    const a = loadConfig(base);
    const b = loadConfig(base);
    expect(a.tokenKeys).toHaveLength(1);
    expect(a.tokenKeys).toEqual(b.tokenKeys);
    expect(Buffer.from(a.tokenKeys[0]!.key, 'base64url')).toHaveLength(32);
    expect(a.warnings).toContainEqual(expect.stringMatching(/TOKEN_ENCRYPTION_KEYS is not set.*derived from SESSION_SECRET/));
    expect(loadConfig({ ...base, SESSION_SECRET: 'another-session-secret-0123456789' }).tokenKeys).not.toEqual(a.tokenKeys);
  });

  it.each([
    ['a short key', randomBytes(16).toString('base64'), /entry 1 must be 32 random bytes/],
    ['a long key', randomBytes(33).toString('base64'), /entry 1 must be 32 random bytes/],
    ['hex', randomBytes(32).toString('hex'), /entry 1 must be 32 random bytes/],
    ['an empty entry', `${newKey()},`, /entry 2 is empty/],
    ['a bad id', `bad id:${newKey()}`, /entry 1: its id may hold only/],
    ['an id used twice', `k:${newKey()},k:${newKey()}`, /entry 2: the id "k" is used twice/],
  ])('refuses %s, naming the variable and the entry but never the key', (_what, value, message) => {
    const problems = problemsOf({ ...base, TOKEN_ENCRYPTION_KEYS: value });
    expect(problems).toEqual([expect.stringMatching(message)]);
    expect(problems[0]).toMatch(/^TOKEN_ENCRYPTION_KEYS/);
    for (const part of value.split(/[,:]/)) if (part.length > 8) expect(problems[0]).not.toContain(part);
  });
});
