import type { RedisClient } from './redis.js';
import { sessionKeys, type SessionKeys } from './keys.js';
import { defineScripts, failClosed } from './fail-closed.js';

/**
 * Why a session was ended by something other than its own device: another of the user's sessions ("sign out other
 * sessions", "everywhere", a password change, a deletion, ending one device), a password reset, or CloudBase
 * refusing its refresh token (revoked upstream, e.g. by an administrator). The device finds out on its next page.
 */
export type EndReason = 'others' | 'reset' | 'upstream';
const REASONS: readonly string[] = ['others', 'reset', 'upstream'] satisfies EndReason[];

/** Read once: the message is shown on one page, then the note is gone. */
const TAKE = `
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v
`;

interface ScriptedClient {
  takeEndNote(key: string): Promise<string | null>;
}

/**
 * One short key per ended session (`<prefix>s:{<sid>}:end`, the reason's word, in the session's slot), living no longer
 * than the session could have lived idle: after that the device would have been signed out anyway. Nothing about the
 * user is kept, only the reason, and only a holder of the session's signed cookie can read it.
 */
export class RedisEndNotes {
  private readonly keys: SessionKeys;
  private readonly redis: RedisClient & ScriptedClient;

  constructor(opts: { client: RedisClient; prefix: string }) {
    this.keys = sessionKeys(opts.prefix);
    defineScripts(opts.client, { takeEndNote: { keys: 1, lua: TAKE } });
    this.redis = opts.client as RedisClient & ScriptedClient;
    failClosed(this, ['note', 'take']);
  }

  async note(sids: readonly string[], reason: EndReason, ttlMs: number): Promise<void> {
    await Promise.all(sids.map((sid) => this.redis.set(this.keys.ended(sid), reason, 'PX', Math.max(1, Math.floor(ttlMs)))));
  }

  /** The reason left for this session id, once; undefined when there is none (or it is not one we write). */
  async take(sid: string): Promise<EndReason | undefined> {
    const v = await this.redis.takeEndNote(this.keys.ended(sid));
    return v !== null && REASONS.includes(v) ? (v as EndReason) : undefined;
  }
}
