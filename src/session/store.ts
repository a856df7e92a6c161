import session, { type SessionData } from 'express-session';
import type { PublicUser } from './types.js';
import type { RedisClient } from './redis.js';
import { storeUnavailable } from '../errors/app-error.js';
import { sessionKeys, type SessionKeys } from './keys.js';
import { defineScripts, failClosed } from './fail-closed.js';
import { parseSession, serializeSession } from './sealed-session.js';
import type { TokenCipher } from './token-cipher.js';
import type { RedisWrite } from './writes.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Callback = (err?: any, data?: any) => void;

/** Session data as the store hands it out: `_v` is the version it was read at (compare-and-set on save). */
export type VersionedSession = SessionData & { _v?: number };

// Refuses to write a session that was destroyed (tombstone) or changed since it was read (version moved on),
// so a slow request can neither resurrect a logged-out session nor overwrite a newer one. Writing what is already
// there is a no-op (many requests adopting the same refreshed tokens).
const CAS_SET = `
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local cur = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if cur ~= tonumber(ARGV[1]) then
  if cur > 0 and redis.call('HGET', KEYS[1], 'd') == ARGV[2] then return cur end
  return -2
end
local nv = cur + 1
redis.call('HSET', KEYS[1], 'v', nv, 'd', ARGV[2], 'u', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return nv
`;

const DESTROY = `
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return 1
`;

/**
 * What a session read shows, stored beside the full session (field `u`) in the same atomic write, so the hot read
 * neither fetches nor parses the tokens.
 */
export interface SessionView {
  created?: number;
  seen?: number;
  signedIn: boolean;
  token: boolean;
  user?: PublicUser;
}

function publicView(s: SessionData): SessionView {
  return { created: s.created, seen: s.seen, signedIn: !!s.auth, token: !!s.tok, ...(s.user ? { user: s.user } : {}) };
}

export type WriteOutcome = 'written' | 'destroyed' | 'conflict';

/** Builds the writes that store a session under an id no request has written yet; see `sessionCreator`. */
export type SessionCreator = (sid: string, sess: VersionedSession) => RedisWrite[];

/**
 * The writes that store a session under an id no request has written yet (sign-in's new id: no version to compare,
 * no tombstone to respect), as version 1 in the store's own format, for the caller to send with its other writes in
 * one round trip; sets sess._v. None when the session's limits have already passed.
 */
export function sessionCreator(opts: Pick<VersionedStoreOptions, 'prefix' | 'ttlMs' | 'cipher'>): SessionCreator {
  const keys = sessionKeys(opts.prefix);
  return (sid, sess) => {
    const ttl = Math.floor(opts.ttlMs(sess));
    if (ttl <= 0) return [];
    const { _v: _ignored, ...data } = sess;
    const key = keys.session(sid);
    sess._v = 1;
    return [
      ['hset', key, 'v', 1, 'd', serializeSession(data, sid, opts.cipher), 'u', JSON.stringify(publicView(data))],
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
}

interface ScriptedClient {
  casSet(sessionKey: string, tombKey: string, version: number, data: string, ttlMs: number, view: string): Promise<number>;
  destroySession(sessionKey: string, tombKey: string, tombMs: number): Promise<number>;
}

/**
 * The session store, with versioned writes. Sessions are Redis hashes {v, d, u}; `d` is the JSON of the session with
 * its tokens and other secrets sealed (AES-256-GCM), `u` its public view.
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

  constructor(opts: VersionedStoreOptions) {
    super();
    this.keys = sessionKeys(opts.prefix);
    this.ttlMs = opts.ttlMs;
    this.tombstoneMs = opts.tombstoneMs;
    this.onDroppedWrite = opts.onDroppedWrite;
    this.cipher = opts.cipher;
    this.onUnreadable = opts.onUnreadable;
    defineScripts(opts.client, { casSet: { keys: 2, lua: CAS_SET }, destroySession: { keys: 2, lua: DESTROY } });
    this.redis = opts.client as RedisClient & ScriptedClient;
    failClosed(this, ['read', 'readView', 'write', 'remove']);
  }

  /**
   * Reads a session with its version, or null. A session whose secrets cannot be opened (its key was removed) is
   * signed out: it is ended here, so its public view stops saying "signed in" too.
   */
  async read(sid: string): Promise<VersionedSession | null> {
    const [v, d] = await this.redis.hmget(this.keys.session(sid), 'v', 'd');
    if (!v || !d) return null;
    const sess = parseSession(d, sid, this.cipher);
    if (sess === 'unreadable') {
      await this.remove(sid);
      this.onUnreadable?.();
      return null;
    }
    const versioned: VersionedSession = sess;
    versioned._v = Number(v);
    return versioned;
  }

  /** The public view only (no tokens, a fraction of the bytes), or null: what a session read needs. */
  async readView(sid: string): Promise<SessionView | null> {
    const [v, u] = await this.redis.hmget(this.keys.session(sid), 'v', 'u');
    return v && u ? (JSON.parse(u) as SessionView) : null;
  }

  /** Compare-and-set write; updates sess._v on success. */
  async write(sid: string, sess: VersionedSession): Promise<WriteOutcome> {
    const ttl = Math.floor(this.ttlMs(sess));
    if (ttl <= 0) {
      await this.remove(sid);
      return 'destroyed';
    }
    const { _v: version = 0, ...data } = sess;
    const result = await this.redis.casSet(
      this.keys.session(sid),
      this.keys.tombstone(sid),
      version,
      serializeSession(data, sid, this.cipher),
      ttl,
      JSON.stringify(publicView(data)),
    );
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
    await this.redis.destroySession(this.keys.session(sid), this.keys.tombstone(sid), this.tombstoneMs);
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
