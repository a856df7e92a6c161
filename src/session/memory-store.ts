import session, { type SessionData } from 'express-session';
import type { VersionedSession, WriteOutcome } from './store.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Callback = (err?: any, data?: any) => void;

export interface MemoryStoreOptions {
  /** How long the session may live from now, in ms (idle and absolute limits); <= 0 destroys it. */
  ttlMs: (sess: SessionData) => number;
  /** How long a destroyed session's tombstone blocks late writes. */
  tombstoneMs: number;
  now: () => number;
  onDroppedWrite?: (sid: string, outcome: Exclude<WriteOutcome, 'written'>) => void;
}

interface Entry {
  v: number;
  d: string;
  expires: number;
}

/** Expired entries are swept once every this many writes, so abandoned sessions do not pile up. */
const SWEEP_EVERY = 256;

/**
 * The development store (no `REDIS_URL`): one process's sessions, with the Redis store's write rules. A destroyed
 * session leaves a tombstone, so a slow request that ends after the sign-out cannot bring the session back; writes are
 * compare-and-set on a version, so an old copy never overwrites a newer one.
 */
export class DevMemoryStore extends session.Store {
  private readonly sessions = new Map<string, Entry>();
  private readonly tombstones = new Map<string, number>();
  private readonly now: () => number;
  private writes = 0;

  constructor(private readonly opts: MemoryStoreOptions) {
    super();
    this.now = opts.now;
  }

  private entry(sid: string): Entry | undefined {
    const e = this.sessions.get(sid);
    if (e && e.expires <= this.now()) {
      this.sessions.delete(sid);
      return undefined;
    }
    return e;
  }

  private tombstoned(sid: string): boolean {
    const until = this.tombstones.get(sid);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.tombstones.delete(sid);
    return false;
  }

  private sweep(): void {
    const now = this.now();
    for (const [sid, e] of this.sessions) if (e.expires <= now) this.sessions.delete(sid);
    for (const [sid, until] of this.tombstones) if (until <= now) this.tombstones.delete(sid);
  }

  read(sid: string): VersionedSession | null {
    const e = this.entry(sid);
    if (!e) return null;
    const sess = JSON.parse(e.d) as VersionedSession;
    sess._v = e.v;
    return sess;
  }

  write(sid: string, sess: VersionedSession): WriteOutcome {
    if (++this.writes % SWEEP_EVERY === 0) this.sweep();
    const ttl = Math.floor(this.opts.ttlMs(sess));
    if (ttl <= 0) {
      this.remove(sid);
      return 'destroyed';
    }
    const { _v: version = 0, ...data } = sess;
    const json = JSON.stringify(data);
    const cur = this.entry(sid);
    let outcome: WriteOutcome = 'written';
    if (this.tombstoned(sid)) outcome = 'destroyed';
    else if ((cur?.v ?? 0) !== version) {
      if (cur && cur.d === json) sess._v = cur.v;
      else outcome = 'conflict';
    } else {
      const v = (cur?.v ?? 0) + 1;
      this.sessions.set(sid, { v, d: json, expires: this.now() + ttl });
      sess._v = v;
    }
    if (outcome !== 'written') this.opts.onDroppedWrite?.(sid, outcome);
    return outcome;
  }

  remove(sid: string): void {
    this.sessions.delete(sid);
    this.tombstones.set(sid, this.now() + this.opts.tombstoneMs);
  }

  override get(sid: string, cb: Callback): void {
    cb(null, this.read(sid));
  }

  override set(sid: string, sess: SessionData, cb?: Callback): void {
    this.write(sid, sess);
    cb?.();
  }

  /** Activity is recorded by the session policy through `set`, as with Redis. */
  override touch(_sid: string, _sess: SessionData, cb?: Callback): void {
    cb?.();
  }

  override destroy(sid: string, cb?: Callback): void {
    this.remove(sid);
    cb?.();
  }
}
