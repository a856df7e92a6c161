import type { Redis } from 'ioredis';
import { batchedHashReads, type HashFieldReader } from './batched-reads.js';
import { RecentMap } from './recent-map.js';
import type { RedisClient } from './redis.js';

/** A session's version (its hash's `v`), or null when the session is gone. */
export type VersionReply = (err: Error | null, version: number | null) => void;

export interface SessionVersions {
  /** The version of the session stored under `key` (a session hash's key): from the cache when it holds it. */
  read(key: string, reply: VersionReply): void;
  /** This process wrote or ended the session under `key`: its cached version is dropped at once. */
  changed(key: string): void;
  /** Whether versions are being cached right now (false: every read goes to Redis). */
  readonly caching: boolean;
  readonly size: number;
}

/** Session versions kept per process (a key and a number each). */
export const VERSION_CACHE_ENTRIES = 10_000;
const INVALIDATIONS = '__redis__:invalidate';

const perClient = new WeakMap<RedisClient, SessionVersions>();

/**
 * The session versions of one Redis client, read through Redis's server-assisted client-side caching where the client
 * is a single server: a read costs no Redis call while Redis has not said the session changed. One per client (the
 * proxy's lean path reads through it, the session store drops what this process writes).
 * On a Cluster every read is a Redis read (a tracking connection per node is not worth its complexity here).
 */
export function sessionVersions(redis: RedisClient): SessionVersions {
  let versions = perClient.get(redis);
  if (!versions) {
    versions = redis.isCluster ? uncached(batchedHashReads(redis)) : new TrackedVersions(redis as Redis, VERSION_CACHE_ENTRIES);
    perClient.set(redis, versions);
  }
  return versions;
}

/** Drops this process's cached version of the session under `key` (no-op when the client caches none). */
export function sessionChanged(redis: RedisClient, key: string): void {
  perClient.get(redis)?.changed(key);
}

function uncached(readHash: HashFieldReader): SessionVersions {
  return {
    read: (key, reply) => readHash(key, 'v', (err, v) => reply(err, v ? Number(v) : null)),
    changed: () => undefined,
    caching: false,
    size: 0,
  };
}

/**
 * Redis's client-side caching in its default mode (https://redis.io/docs/latest/develop/reference/client-side-caching/):
 * versions are read on a connection of their own (`reads`) with `CLIENT TRACKING ON REDIRECT <id>`, so Redis
 * remembers the keys it read and pushes the name of each one that changes, is deleted, expires or is evicted to
 * the `__redis__:invalidate` channel of another connection (`invalidations`). The client's other connections are
 * not tracked: the limiters' and the session read's keys would fill Redis's tracking table for nothing.
 *
 * The races: a read in flight when its key is invalidated returns a value that must not be kept, so each read marks
 * its key pending with a token, and only a reply whose token is still there is cached (an invalidation, a local
 * change or a reset removes it). When either connection drops, or Redis says it flushed (a null message), the whole
 * cache goes and reads go to Redis uncached until tracking is on again on live connections.
 */
class TrackedVersions implements SessionVersions {
  private readonly versions: RecentMap<string, number>;
  private readonly pending = new Map<string, object>();
  private readonly readHash: HashFieldReader;
  private readonly reads: Redis;
  private readonly invalidations: Redis;
  private tracking = false;
  /** which connection pair tracking was asked for: a reset makes an older answer void */
  private epoch = 0;
  /** the invalidations connection's client id while it is subscribed */
  private redirectId: number | undefined;
  /** counts the invalidations connection's lives: a subscription finished for an older one is void */
  private subscriptions = 0;
  private ended = false;

  constructor(redis: Redis, max: number) {
    this.versions = new RecentMap(max);
    this.invalidations = redis.duplicate({ connectionName: 'gateway-version-invalidations', autoResubscribe: false, enableOfflineQueue: false, lazyConnect: true });
    this.reads = redis.duplicate({ connectionName: 'gateway-version-reads', lazyConnect: true });
    this.readHash = batchedHashReads(this.reads);
    this.invalidations.on('messageBuffer', (_channel: Buffer, keys: Buffer[] | null) => this.invalidated(keys));
    this.invalidations.on('ready', () => this.subscribe());
    this.reads.on('ready', () => this.track());
    this.invalidations.on('close', () => {
      this.redirectId = undefined;
      this.subscriptions++;
      this.reset();
    });
    this.reads.on('close', () => this.reset());
    // the main client reports Redis being down; these two only stop caching meanwhile
    this.invalidations.on('error', () => undefined);
    this.reads.on('error', () => undefined);
    // They live as long as the client they were made from.
    redis.once('end', () => {
      this.ended = true;
      this.reset();
      this.invalidations.disconnect();
      this.reads.disconnect();
    });
    this.invalidations.connect().catch(() => undefined);
    this.reads.connect().catch(() => undefined);
  }

  get caching(): boolean {
    return this.tracking;
  }

  get size(): number {
    return this.versions.size;
  }

  read(key: string, reply: VersionReply): void {
    const cached = this.versions.get(key);
    if (cached !== undefined) return reply(null, cached);
    const token = this.tracking ? {} : undefined;
    if (token) this.pending.set(key, token);
    this.readHash(key, 'v', (err, v) => {
      const version = v ? Number(v) : null;
      if (token && this.pending.get(key) === token) {
        this.pending.delete(key);
        if (!err && version !== null) this.versions.set(key, version);
      }
      reply(err, version);
    });
  }

  changed(key: string): void {
    this.versions.delete(key);
    this.pending.delete(key);
  }

  private invalidated(keys: Buffer[] | null): void {
    if (!Array.isArray(keys)) return this.flush(); // FLUSHALL / FLUSHDB
    for (const key of keys) this.changed(key.toString());
  }

  private flush(): void {
    this.versions.clear();
    this.pending.clear();
  }

  private reset(): void {
    this.tracking = false;
    this.epoch++;
    this.flush();
  }

  private subscribe(): void {
    const life = this.subscriptions;
    this.invalidations
      .client('ID')
      .then(async (id) => {
        await this.invalidations.subscribe(INVALIDATIONS);
        if (life !== this.subscriptions) return;
        this.redirectId = id;
        this.track();
      })
      .catch(() => {
        // not subscribed: start this connection over (its close resets the cache) unless the client was closed
        if (!this.ended) this.invalidations.disconnect(true);
      });
  }

  /** Tracking on for the reads connection, redirected to the live invalidations connection. */
  private track(): void {
    const id = this.redirectId;
    if (id === undefined || this.invalidations.status !== 'ready' || this.reads.status !== 'ready') return;
    const epoch = this.epoch;
    this.reads
      .client('TRACKING', 'ON', 'REDIRECT', String(id))
      .then(() => {
        if (epoch === this.epoch && id === this.redirectId) this.tracking = true;
      })
      .catch(() => undefined);
  }
}
