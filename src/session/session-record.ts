import type { SessionData } from 'express-session';
import type { PublicUser } from './types.js';
import type { TokenCipher } from './token-cipher.js';
import { parseSession, restoreSecrets, takeSecrets, type Loose } from './sealed-session.js';

/**
 * How a session is laid out in its Redis hash (besides the version `v`), compact format 2:
 *
 * - `u`: `2|<created>|<seen>|<flags>|<user>`: the times (epoch ms) the limits are checked on, flags `a` (signed in)
 *   and `t` (token mode), and the user exactly as `GET /api/session` shows it (JSON, every field, null when unknown),
 *   so the hot read checks the limits on small numbers and sends the user's bytes as stored.
 * - `d`: the rest of the session as JSON, without what `u` holds (times, user), without express-session's cookie
 *   when it is the configured default (it is rebuilt on read), and with its secrets taken out; `x` then names the key
 *   that sealed them ('' for an unnamed key).
 * - `k`: the secrets (sealed-session.ts lists them), one seal over all of them, as raw bytes.
 *
 * Format 1 (before): `u` was the JSON of the view (it starts with `{`), `d` the whole session with its secrets sealed
 * in base64 in `d.x`. Sessions in format 1 are still read; the next write stores them in format 2.
 */
export interface SessionRecord {
  d: string;
  u: string;
  /** absent when the session holds no secret */
  k?: Buffer;
}

export const RECORD_FORMAT = '2';

/** What a session read shows. */
export interface SessionView {
  created?: number;
  seen?: number;
  signedIn: boolean;
  token: boolean;
  user?: PublicUser;
}

/** The head of a format 2 `u`: the limits' inputs and the user's answer JSON ('' when the session has no user). */
export interface ViewHead {
  created: number | undefined;
  seen: number | undefined;
  signedIn: boolean;
  token: boolean;
  userJson: string;
}

/** The user as the JSON API answers it: every field in a fixed order, null when unknown. */
export function answerUser(u: PublicUser) {
  return {
    sub: u.sub,
    name: u.name ?? null,
    username: u.username ?? null,
    email: u.email ?? null,
    phone_number: u.phone_number ?? null,
    picture: u.picture ?? null,
    anonymous: u.anonymous,
  };
}

/** The same as stored for `GET /api/session` to send as it is. */
export function answerUserJson(u: PublicUser): string {
  return JSON.stringify(answerUser(u));
}

function publicUserOf(json: string): PublicUser {
  const answer = JSON.parse(json) as Record<string, unknown>;
  const user: Loose = {};
  for (const [key, value] of Object.entries(answer)) if (value !== null) user[key] = value;
  return user as unknown as PublicUser;
}

/** What the record keeps outside its JSON (`u`: times and the user), and the cookie when it is the configured default. */
const RECORD_OMITS: ReadonlySet<string> = new Set(['created', 'seen', 'user']);
const RECORD_OMITS_WITH_COOKIE: ReadonlySet<string> = new Set([...RECORD_OMITS, 'cookie']);

/** The fields to store for a session (deterministic for equal input: rewriting an unchanged session is a no-op). */
export function serializeRecord(data: SessionData, sid: string, cipher: TokenCipher, defaultCookie: string): SessionRecord {
  const defaultCookieOnly = data.cookie !== undefined && JSON.stringify(data.cookie) === defaultCookie;
  const { rest, secrets } = takeSecrets(data, defaultCookieOnly ? RECORD_OMITS_WITH_COOKIE : RECORD_OMITS);
  let k: Buffer | undefined;
  if (Object.keys(secrets).length > 0) {
    const sealed = cipher.sealBytes(JSON.stringify(secrets), sid);
    rest.x = sealed.keyId ?? '';
    k = sealed.blob;
  }
  const flags = `${data.auth ? 'a' : ''}${data.tok ? 't' : ''}`;
  const u = `${RECORD_FORMAT}|${data.created ?? ''}|${data.seen ?? ''}|${flags}|${data.user ? answerUserJson(data.user) : ''}`;
  return { d: JSON.stringify(rest), u, ...(k ? { k } : {}) };
}

/** A non-negative decimal integer from s[from, to), or undefined for an empty or malformed one. */
function decimal(s: string, from: number, to: number): number | undefined {
  if (to <= from || to - from > 16) return undefined;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n;
}

/** The head of a format 2 `u` without parsing any JSON; undefined for format 1 or anything malformed. */
export function viewHead(u: string): ViewHead | undefined {
  if (u.charCodeAt(0) !== 50 /* '2' */ || u.charCodeAt(1) !== 124 /* '|' */) return undefined;
  const a = u.indexOf('|', 2);
  const b = a < 0 ? -1 : u.indexOf('|', a + 1);
  const c = b < 0 ? -1 : u.indexOf('|', b + 1);
  if (c < 0) return undefined;
  let signedIn = false;
  let token = false;
  for (let i = b + 1; i < c; i++) {
    const f = u.charCodeAt(i);
    if (f === 97 /* a */) signedIn = true;
    else if (f === 116 /* t */) token = true;
  }
  return { created: decimal(u, 2, a), seen: decimal(u, a + 1, b), signedIn, token, userJson: u.slice(c + 1) };
}

/** The view of either format's `u`. */
export function parseView(u: string): SessionView {
  const head = viewHead(u);
  if (!head) return JSON.parse(u) as SessionView;
  return {
    ...(head.created !== undefined ? { created: head.created } : {}),
    ...(head.seen !== undefined ? { seen: head.seen } : {}),
    signedIn: head.signedIn,
    token: head.token,
    ...(head.userJson ? { user: publicUserOf(head.userJson) } : {}),
  };
}

/**
 * The session back from its stored fields (either format), or 'unreadable' when its secrets do not open with any
 * configured key (a key removed from TOKEN_ENCRYPTION_KEYS, or the value tampered with or moved from another session).
 */
export function parseRecord(record: SessionRecord, sid: string, cipher: TokenCipher, defaultCookie: string): SessionData | 'unreadable' {
  const head = viewHead(record.u);
  if (!head) return parseSession(record.d, sid, cipher);
  const sess = JSON.parse(record.d) as Loose;
  if (sess.x !== undefined || record.k !== undefined) {
    const plain = typeof sess.x === 'string' && record.k ? cipher.openBytes(record.k, sess.x || undefined, sid) : undefined;
    if (plain === undefined) return 'unreadable';
    delete sess.x;
    restoreSecrets(sess, JSON.parse(plain) as Record<string, string>);
  }
  if (sess.cookie === undefined) sess.cookie = JSON.parse(defaultCookie);
  if (head.created !== undefined) sess.created = head.created;
  if (head.seen !== undefined) sess.seen = head.seen;
  if (head.userJson) sess.user = publicUserOf(head.userJson);
  return sess as unknown as SessionData;
}
