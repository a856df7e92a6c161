import session, { type CookieOptions, type SessionData } from 'express-session';
import type { RedisClient } from './redis.js';
import { storeUnavailable } from '../errors/app-error.js';
import { sessionKeys, type SessionKeys } from './keys.js';
import { defineScripts, failClosed } from './fail-closed.js';
import { parseRecord, parseView, serializeRecord, type SessionRecord, type SessionView } from './session-record.js';
import type { TokenCipher } from './token-cipher.js';
import type { RedisWrite } from './writes.js';
import { sessionChanged } from './version-cache.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Callback = (err?: any, data?: any) => void;

/** Session data as the store hands it out: `_v` is the version it was read at (compare-and-set on save). */
export type VersionedSession = SessionData & { _v?: number };

// Refuses to write a session that was destroyed (tombstone) or changed since it was read (version moved on),
// so a slow request can neither resurrect a logged-out session nor overwrite a newer one. Writing what is already
// there is a no-op (many requests adopting the same refreshed tokens). ARGV[5] is the sealed secrets ('' for none).
const CAS_SET = `
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local cur = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if cur ~= tonumber(ARGV[1]) then
  if cur > 0 then
    local now = redis.call('HMGET', KEYS[1], 'd', 'u', 'k')
    if now[1] == ARGV[2] and now[2] == ARGV[4] and (now[3] or '') == ARGV[5] then return cur end
  end
  return -2
end
local nv = cur + 1
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[1], 'v', nv, 'd', ARGV[2], 'u', ARGV[4], 'k', ARGV[5])
else
  redis.call('HSET', KEYS[1], 'v', nv, 'd', ARGV[2], 'u', ARGV[4])
  if cur > 0 then redis.call('HDEL', KEYS[1], 'k') end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return nv
`;

const DESTROY = `
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return 1
`;

export type { SessionView } from './session-record.js';

export type WriteOutcome = 'written' | 'destroyed' | 'conflict';

/** Builds the writes that store a session under an id no request has written yet; see `sessionCreator`. */
export type SessionCreator = (sid: string, sess: VersionedSession) => RedisWrite[];

/**
 * The writes that store a session under an id no request has written yet (sign-in's new id: no version to compare,
 * no tombstone to respect), as version 1 in the store's own format, for the caller to send with its other writes in
 * one round trip; sets sess._v. None when the session's limits have already passed.
 */
export function sessionCreator(opts: Pick<VersionedStoreOptions, 'prefix' | 'ttlMs' | 'cipher'> & { defaultCookie: string }): SessionCreator {
  const keys = sessionKeys(opts.prefix);
  return (sid, sess) => {
    const ttl = Math.floor(opts.ttlMs(sess));
    if (ttl <= 0) return [];
    const { _v: _ignored, ...data } = sess;
    const key = keys.session(sid);
    sess._v = 1;
    const record = serializeRecord(data, sid, opts.cipher, opts.defaultCookie);
    return [
      ['hset', key, 'v', 1, 'd', record.d, 'u', record.u, ...(record.k ? ['k', record.k] : [])],
      ['pexpire', key, ttl],
    ];
  };
}

export interface VersionedStoreOptions {
  client: RedisClient;
  prefix: string;
  /** How long the session may live from now, in ms (idle and absolute limits); <= 0 destroys it. */
  ttlMs: (sess: SessionData) => number;
  /** How long a destroyed session's tombstone blocks late writes. */
  tombstoneMs: number;
  onDroppedWrite?: (sid: string, outcome: Exclude<WriteOutcome, 'written'>) => void;
  /** Seals the session's tokens and other secrets in `d` (see sealed-session.ts). */
  cipher: TokenCipher;
  /** A session whose secrets no configured key opens was found, and ended. */
  onUnreadable?: () => void;
  /**
   * The session cookie's options as express-session is given them: a session whose cookie is just these is stored
   * without it, and given it back when read.
   */
  cookie?: CookieOptions;
}

/** The cookie options app.ts gives express-session, for a store made without them. */
const DEFAULT_COOKIE: CookieOptions = { httpOnly: true, sameSite: 'lax', secure: false, path: '/' };

interface ScriptedClient {
  casSet(sessionKey: string, tombKey: string, version: number, data: string, ttlMs: number, view: string, sealed: Buffer | string): Promise<number>;
  destroySession(sessionKey: string, tombKey: string, tombMs: number): Promise<number>;
}

/**
 * The session store, with versioned writes. Sessions are Redis hashes {v, d, u, k} (session-record.ts): `d` the JSON
 * of the session without its secrets, `u` its public view, `k` its tokens and other secrets sealed (AES-256-GCM).
 * express-session's touch is a no-op here: the session-policy middleware records activity at most once per half
 * idle window, which goes through the same compare-and-set.
 *
 * It implements express-session's required methods only (get, set, touch, destroy): the optional `all`, `length`,
 * `clear` (and connect-redis's `ids`) are left out on purpose, because a whole-keyspace walk has no right answer here
 * (hashes, tombstones, locks and indexes share the prefix) and nothing needs one. The refresh lock and the per-user
 * index are their own classes (refresh-lock.ts, user-index.ts).
 */
export class VersionedRedisStore extends session.Store {
  readonly keys: SessionKeys;
  private readonly redis: RedisClient & ScriptedClient;
  private readonly ttlMs: (sess: SessionData) => number;
  private readonly tombstoneMs: number;
  private readonly onDroppedWrite: VersionedStoreOptions['onDroppedWrite'];
  private readonly cipher: TokenCipher;
  private readonly onUnreadable: VersionedStoreOptions['onUnreadable'];
  /** JSON of the cookie express-session gives a new session: not stored when a session's is the same (a field, not a
   * method: what serializeRecord needs from the store to write a session outside `write`, e.g. in a pipeline) */
  readonly defaultCookie: string;

  constructor(opts: VersionedStoreOptions) {
    super();
    this.keys = sessionKeys(opts.prefix);
    this.ttlMs = opts.ttlMs;
    this.tombstoneMs = opts.tombstoneMs;
    this.onDroppedWrite = opts.onDroppedWrite;
    this.cipher = opts.cipher;
    this.onUnreadable = opts.onUnreadable;
    this.defaultCookie = JSON.stringify(new (session.Cookie as unknown as new (o: CookieOptions) => object)(opts.cookie ?? DEFAULT_COOKIE));
    defineScripts(opts.client, { casSet: { keys: 2, lua: CAS_SET }, destroySession: { keys: 2, lua: DESTROY } });
    this.redis = opts.client as RedisClient & ScriptedClient;
    failClosed(this, ['read', 'readView', 'write', 'remove']);
  }

  /**
   * Reads a session with its version, or null. A session whose secrets cannot be opened (its key was removed) is
   * signed out: it is ended here, so its public view stops saying "signed in" too.
   */
  async read(sid: string): Promise<VersionedSession | null> {
    const [v, d, u, k] = await this.redis.hmgetBuffer(this.keys.session(sid), 'v', 'd', 'u', 'k');
    if (!v || !d) return null;
    const record: SessionRecord = { d: d.toString('utf8'), u: u ? u.toString('utf8') : '', ...(k ? { k } : {}) };
    const sess = parseRecord(record, sid, this.cipher, this.defaultCookie);
    if (sess === 'unreadable') {
      await this.remove(sid);
      this.onUnreadable?.();
      return null;
    }
    const versioned: VersionedSession = sess;
    versioned._v = Number(v.toString('latin1'));
    return versioned;
  }

  /** The public view only (no tokens, a fraction of the bytes), or null. */
  async readView(sid: string): Promise<SessionView | null> {
    const [v, u] = await this.redis.hmget(this.keys.session(sid), 'v', 'u');
    return v && u ? parseView(u) : null;
  }

  /** Compare-and-set write; updates sess._v on success. */
  async write(sid: string, sess: VersionedSession): Promise<WriteOutcome> {
    const ttl = Math.floor(this.ttlMs(sess));
    if (ttl <= 0) {
      await this.remove(sid);
      return 'destroyed';
    }
    const { _v: version = 0, ...data } = sess;
    const record = serializeRecord(data, sid, this.cipher, this.defaultCookie);
    const key = this.keys.session(sid);
    let result: number;
    try {
      result = await this.redis.casSet(key, this.keys.tombstone(sid), version, record.d, ttl, record.u, record.k ?? '');
    } finally {
      // what this process changed is never served from its version cache again (other instances hear it from Redis)
      sessionChanged(this.redis, key);
    }
    if (result > 0) {
      sess._v = result;
      return 'written';
    }
    const outcome = result === -1 ? 'destroyed' : 'conflict';
    this.onDroppedWrite?.(sid, outcome);
    return outcome;
  }

  /** Deletes the session and leaves a tombstone so a late write cannot bring it back. */
  async remove(sid: string): Promise<void> {
    const key = this.keys.session(sid);
    try {
      await this.redis.destroySession(key, this.keys.tombstone(sid), this.tombstoneMs);
    } finally {
      sessionChanged(this.redis, key);
    }
  }

  override get(sid: string, cb: Callback): void {
    settle(this.read(sid), cb);
  }

  override set(sid: string, sess: SessionData, cb?: Callback): void {
    settle(
      this.write(sid, sess).then(() => undefined),
      cb,
    );
  }

  override touch(_sid: string, _sess: SessionData, cb?: Callback): void {
    cb?.();
  }

  override destroy(sid: string, cb?: Callback): void {
    settle(this.remove(sid), cb);
  }
}

/**
 * Hands express-session the outcome; Redis failures leave the store as one AppError (503), so every surface fails
 * closed the same way. express-session always passes a callback; without one there is nobody to tell.
 */
function settle<T>(p: Promise<T>, cb?: Callback): void {
  p.then(
    (value) => cb?.(null, value),
    (cause: unknown) => cb?.(storeUnavailable(cause)),
  );
}
