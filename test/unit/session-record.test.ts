import { randomBytes } from 'node:crypto';
import type { SessionData } from 'express-session';
import { parseRecord, parseView, serializeRecord, viewHead } from '../../src/session/session-record.js';
import { serializeSession, takeSecrets } from '../../src/session/sealed-session.js';
import { createTokenCipher } from '../../src/session/token-cipher.js';
import { mapsProbe } from '../support/maps-probe.js';

const cipher = createTokenCipher([{ id: 'k1', key: randomBytes(32).toString('base64url') }]);
const SID = 'record-sid-0123456789abcdef';
const COOKIE = { originalMaxAge: null, expires: null, secure: true, httpOnly: true, path: '/', sameSite: 'lax' };
const DEFAULT_COOKIE = JSON.stringify(COOKIE);
const ACCESS = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlLW9mLXRoZS1hY2Nlc3MtdG9rZW4';

const signedIn = (): SessionData =>
  ({
    cookie: { ...COOKIE },
    created: 1_700_000_000_000,
    seen: 1_700_000_100_000,
    did: 'device-id-0123456789',
    csrf: 'csrf-secret-value-0123',
    auth: { at: ACCESS, rt: 'refresh-token-value-0123456789', exp: 3, lt: 7200, sub: 'u1', sc: 'openid' },
    user: { sub: 'u1', name: 'Ann "the" Åsa', phone_number: '+86 13800000000', anonymous: false },
    ua: 'Mozilla/5.0',
    ip: '127.0.0.1',
  }) as unknown as SessionData;

describe('the compact session record (format 2)', () => {
  it('reads back exactly as it was, cookie included, and leaves the live session untouched', () => {
    const live = signedIn();
    const record = serializeRecord(live, SID, cipher, DEFAULT_COOKIE);
    expect(live).toEqual(signedIn());
    expect(parseRecord(record, SID, cipher, DEFAULT_COOKIE)).toEqual(signedIn());
  });

  it('stores the default cookie, the user and the times once, and the secrets only sealed, as raw bytes', () => {
    const record = serializeRecord(signedIn(), SID, cipher, DEFAULT_COOKIE);
    const d = JSON.parse(record.d) as Record<string, unknown>;
    expect(Object.keys(d).sort()).toEqual(['auth', 'ip', 'ua', 'x']);
    expect(d.x).toBe('k1');
    expect(d.auth).toEqual({ exp: 3, lt: 7200, sub: 'u1', sc: 'openid' });
    expect(record.u.startsWith('2|1700000000000|1700000100000|a|{"sub":"u1","name":"Ann \\"the\\" Åsa"')).toBe(true);
    const all = `${record.d}${record.u}${record.k!.toString('latin1')}`;
    for (const secret of [ACCESS.slice(-20), 'refresh-token-value', 'csrf-secret-value', 'device-id-0123']) expect(all).not.toContain(secret);
    expect(Buffer.isBuffer(record.k)).toBe(true);
  });

  it("keeps the session's own field order in `d`, the sealed part's name last", () => {
    const record = serializeRecord(signedIn(), SID, cipher, DEFAULT_COOKIE);
    expect(Object.keys(JSON.parse(record.d) as object)).toEqual(['auth', 'ua', 'ip', 'x']);
    expect(Object.keys((JSON.parse(record.d) as { auth: object }).auth)).toEqual(['exp', 'lt', 'sub', 'sc']);
  });

  it('takes only string secrets, leaves holders without one as they are, and never touches the session', () => {
    const flow = { purpose: 'login', vid: 42, vtok: 'verification-token' };
    const reauth = { vid: 7 };
    const live = { ...signedIn(), flow, reauth, did: 9 } as unknown as SessionData;
    const { rest, secrets } = takeSecrets(live, new Set(['user']));
    expect(secrets).toEqual({ at: ACCESS, rt: 'refresh-token-value-0123456789', vt: 'verification-token', cs: 'csrf-secret-value-0123' });
    expect(rest.flow).toEqual({ purpose: 'login', vid: 42 });
    expect(rest.reauth).toBe(reauth);
    expect(rest.did).toBe(9);
    expect(rest).not.toHaveProperty('user');
    expect(rest).toHaveProperty('created');
    expect(flow.vtok).toBe('verification-token');
    expect((live as unknown as { auth: { at: string } }).auth.at).toBe(ACCESS);
  });

  it('builds its copies with fast properties and one V8 map per shape (no delete, no per-write map)', async () => {
    expect(await mapsProbe('record-maps-probe')).toEqual({ copies: 6, fast: true, shared: true });
  });

  it('keeps a cookie that is not the default (a maxAge) in the session', () => {
    const withMaxAge = { ...signedIn(), cookie: { ...COOKIE, originalMaxAge: 60_000, expires: '2030-01-01T00:00:00.000Z' } } as unknown as SessionData;
    const record = serializeRecord(withMaxAge, SID, cipher, DEFAULT_COOKIE);
    expect(JSON.parse(record.d).cookie).toMatchObject({ originalMaxAge: 60_000 });
    expect(parseRecord(record, SID, cipher, DEFAULT_COOKIE)).toEqual(withMaxAge);
  });

  it('is the same bytes when written twice (the store’s “already there” no-op depends on it)', () => {
    const first = serializeRecord(signedIn(), SID, cipher, DEFAULT_COOKIE);
    const again = serializeRecord(parseRecord(first, SID, cipher, DEFAULT_COOKIE) as SessionData, SID, cipher, DEFAULT_COOKIE);
    expect(again.d).toBe(first.d);
    expect(again.u).toBe(first.u);
    expect(again.k!.equals(first.k!)).toBe(true);
  });

  it('has no sealed part when the session holds no secret, and no user part when it has no user', () => {
    const visitor = { cookie: { ...COOKIE }, created: 5, seen: 6, flow: { purpose: 'login', phone: '+86 13800000000' } } as unknown as SessionData;
    const record = serializeRecord(visitor, SID, cipher, DEFAULT_COOKIE);
    expect(record.k).toBeUndefined();
    expect(JSON.parse(record.d)).not.toHaveProperty('x');
    expect(record.u).toBe('2|5|6||');
    expect(parseRecord(record, SID, cipher, DEFAULT_COOKIE)).toEqual(visitor);
    expect(parseView(record.u)).toEqual({ created: 5, seen: 6, signedIn: false, token: false });
  });

  it('is unreadable under another key, another session id, or with its key name or bytes changed', () => {
    const record = serializeRecord(signedIn(), SID, cipher, DEFAULT_COOKIE);
    expect(parseRecord(record, SID, createTokenCipher([{ id: 'k1', key: randomBytes(32).toString('base64url') }]), DEFAULT_COOKIE)).toBe('unreadable');
    expect(parseRecord(record, 'another-sid', cipher, DEFAULT_COOKIE)).toBe('unreadable');
    expect(parseRecord({ ...record, d: record.d.replace('"x":"k1"', '"x":"k2"') }, SID, cipher, DEFAULT_COOKIE)).toBe('unreadable');
    const flipped = Buffer.from(record.k!);
    flipped[20] = flipped[20]! ^ 1;
    expect(parseRecord({ ...record, k: flipped }, SID, cipher, DEFAULT_COOKIE)).toBe('unreadable');
    const { k: _dropped, ...withoutK } = record;
    expect(parseRecord(withoutK, SID, cipher, DEFAULT_COOKIE)).toBe('unreadable');
  });

  it('still reads format 1 (the whole session in `d`, its secrets in base64 in `d.x`, a JSON view in `u`)', () => {
    const old = { d: serializeSession(signedIn(), SID, cipher), u: JSON.stringify({ created: 1, seen: 2, signedIn: true, token: false, user: { sub: 'u1', anonymous: false } }) };
    expect(parseRecord(old, SID, cipher, DEFAULT_COOKIE)).toEqual(signedIn());
    expect(viewHead(old.u)).toBeUndefined();
    expect(parseView(old.u)).toEqual({ created: 1, seen: 2, signedIn: true, token: false, user: { sub: 'u1', anonymous: false } });
  });

  it.each([
    ['format 1', '{"created":1}'],
    ['another format', '3|1|2|a|{}'],
    ['too few parts', '2|1|2'],
    ['empty', ''],
  ])('has no head for %s', (_what, u) => {
    expect(viewHead(u)).toBeUndefined();
  });

  it('reads flags and times from the head, and leaves a malformed time undefined', () => {
    expect(viewHead('2|12|34|at|{"sub":"x"}')).toEqual({ created: 12, seen: 34, signedIn: true, token: true, userJson: '{"sub":"x"}' });
    expect(viewHead('2|1x|-5|t|')).toEqual({ created: undefined, seen: undefined, signedIn: false, token: true, userJson: '' });
  });
});
