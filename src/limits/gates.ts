import { Cluster } from 'ioredis';
import type { RedisClient } from '../session/redis.js';
import { storeUnavailable } from '../errors/app-error.js';
import { runBatches, runWrites, type PendingWrites, type RedisWrite, type WriteBatch } from '../session/writes.js';

/**
 * The counters behind the password limits, per gate (a limit and the key it judges this attempt by): `f` the attempts
 * in the window, `s` the strikes (how many times the attempts crossed the limit; a day), `b` the block (its TTL is the
 * wait). A gate's three keys share one hash tag, so they live in one Redis Cluster slot.
 *
 * All of an attempt's gates are checked and taken in one Lua step on a single Redis (one round trip; on a Cluster one
 * step per gate, in parallel, the passes of a refused attempt given back), and the writes that settle it go out in one
 * pipeline. Redis counts the commands a script runs, so the common case is kept short: one EXISTS over every block,
 * then one command per gate (SET NX for a counter a success cleared, INCR for one a success gave its point back to).
 */
export interface Gate<Kind extends string = string> {
  /** the limit: names the keys, and what a refusal counts as */
  kind: Kind;
  key: string;
  /** attempts in the window before each further one needs the block */
  threshold: number;
  /**
   * A success gives this gate its point back rather than clearing it (the address's limit), so its counter is usually
   * there already: counted with INCR first (one command), where a cleared gate's is made with SET NX (one command).
   */
  kept?: boolean;
}

export interface GateTimes {
  windowMs: number;
  blockMs: number;
  blockMaxMs: number;
}

/** Every gate passed (`blockMs[i]` > 0: gate i's block was taken to get through), or the longest wait and its gate. */
export type Entry = { blockMs: number[] } | { refused: number; waitMs: number };

/** How a pass ends: the gate starts afresh (`clear`), or its point (and block and strike, if taken) is given back. */
export interface SettleOp {
  gate: Gate;
  op: 'clear' | 'giveBack';
  blockMs: number;
}

export interface GateStore {
  enter(gates: Gate[]): Promise<Entry>;
  settle(ops: SettleOp[]): Promise<void>;
  /** The same writes, left to the caller to send with its own (in this process: done now, nothing left). */
  settleLater(ops: SettleOp[]): PendingWrites | undefined;
}

const STRIKES_MS = 24 * 3600 * 1000;
/** A block found without a TTL (never written so) still makes the attempt wait. */
const NO_TTL_WAIT_MS = 1000;

// KEYS: f, s, b per gate. ARGV: windowMs, blockMs, blockMaxMs, strikesMs, then each gate's threshold, then each gate's
// '1' when its counter is usually there (INCR, and a new window when it starts again from nothing) or '0' (SET NX).
// Returns {0, blockMs per gate} when every gate let the attempt through, {1, gate, waitMs} when one refused (nothing
// taken). Past its threshold a gate's block is taken (no block exists: checked above, in the same atomic step).
const ENTER = `
local n = #KEYS / 3
local blocks = {}
for i = 1, n do blocks[i] = KEYS[3 * i] end
if redis.call('EXISTS', unpack(blocks)) > 0 then
  local worst, at = 0, 0
  for i = 1, n do
    local ms = redis.call('PTTL', KEYS[3 * i])
    if ms == -1 then ms = ${NO_TTL_WAIT_MS} end
    if ms > worst then worst, at = ms, i end
  end
  if at > 0 then return {1, at, worst} end
end
local out = {0}
for i = 1, n do
  local f, s, b = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  local count = 1
  if ARGV[4 + n + i] == '1' then
    count = redis.call('INCR', f)
    if count == 1 then redis.call('PEXPIRE', f, ARGV[1]) end
  elseif redis.call('SET', f, '1', 'PX', ARGV[1], 'NX', 'GET') then
    count = redis.call('INCR', f)
  end
  local blockMs = 0
  if count >= tonumber(ARGV[4 + i]) then
    local strikes = tonumber(redis.call('GET', s) or '0')
    blockMs = math.floor(math.min(tonumber(ARGV[2]) * 2 ^ math.min(math.max(strikes, 0), 30), tonumber(ARGV[3])))
    redis.call('SET', b, '1', 'PX', blockMs)
    if redis.call('INCR', s) == 1 then redis.call('PEXPIRE', s, ARGV[4]) end
  end
  out[i + 1] = blockMs
end
return out
`;

interface EnterClient {
  limitsEnter(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

async function orUnavailable<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw storeUnavailable(e);
  }
}

export function redisGates(client: RedisClient, keyPrefix: string, times: GateTimes): GateStore {
  if (!('limitsEnter' in client)) client.defineCommand('limitsEnter', { lua: ENTER });
  const redis = client as RedisClient & EnterClient;
  const clustered = client instanceof Cluster;
  const keysOf = (g: Gate) => {
    const base = `${keyPrefix}rl:${g.kind}:{${g.key}}`;
    return { f: `${base}:f`, s: `${base}:s`, b: `${base}:b` };
  };

  async function enterTogether(gates: Gate[]): Promise<Entry> {
    const keys = gates.flatMap((g) => {
      const k = keysOf(g);
      return [k.f, k.s, k.b];
    });
    const args = [times.windowMs, times.blockMs, times.blockMaxMs, STRIKES_MS, ...gates.map((g) => g.threshold), ...gates.map((g) => (g.kept ? 1 : 0))];
    const r = await orUnavailable(redis.limitsEnter(keys.length, ...keys, ...args));
    return r[0] === 1 ? { refused: r[1]! - 1, waitMs: r[2]! } : { blockMs: r.slice(1) };
  }

  function settleWrites(ops: SettleOp[]): WriteBatch {
    const writes: RedisWrite[] = [];
    const cleared: string[] = [];
    const decremented: { key: string; ttlMs: number }[] = [];
    for (const { gate, op, blockMs } of ops) {
      const k = keysOf(gate);
      if (op === 'clear') {
        if (clustered) writes.push(['del', k.f, k.s, k.b]);
        else cleared.push(k.f, k.s, k.b);
        continue;
      }
      decremented.push({ key: k.f, ttlMs: times.windowMs });
      if (blockMs > 0) {
        writes.push(['del', k.b]);
        decremented.push({ key: k.s, ttlMs: STRIKES_MS });
      }
    }
    if (cleared.length) writes.push(['del', ...cleared]);
    const first = writes.length;
    for (const d of decremented) writes.push(['decr', d.key]);
    return {
      writes,
      async settled(replies) {
        // A counter that expired while its attempt was in flight came back as a negative one without a TTL: give it one.
        const orphans = decremented.filter((_, i) => Number(replies[first + i]) < 0);
        await runWrites(client, orphans.map((o): RedisWrite => ['pexpire', o.key, o.ttlMs, 'NX']));
      },
    };
  }

  const store: GateStore = {
    async enter(gates) {
      if (gates.length === 0) return { blockMs: [] };
      if (!clustered) return enterTogether(gates);
      // One step per gate (each its own slot); a refusal gives back what the other gates took.
      const each = await Promise.all(gates.map((g) => enterTogether([g])));
      const refused = each
        .map((e, i) => ({ i, waitMs: 'refused' in e ? e.waitMs : 0 }))
        .filter((r) => r.waitMs > 0)
        .sort((x, y) => y.waitMs - x.waitMs)[0];
      if (!refused) return { blockMs: each.map((e) => ('blockMs' in e ? e.blockMs[0]! : 0)) };
      await store.settle(
        each.flatMap((e, i) => ('blockMs' in e ? [{ gate: gates[i]!, op: 'giveBack' as const, blockMs: e.blockMs[0]! }] : [])),
      );
      return { refused: refused.i, waitMs: refused.waitMs };
    },

    async settle(ops) {
      await runBatches(client, [settleWrites(ops)]);
    },

    settleLater(ops) {
      const batch = settleWrites(ops);
      return { flush: () => runBatches(client, [batch]), ...batch };
    },
  };
  return store;
}

/** The same rules in this process (the development store and unit tests): one map, expiry checked on access. */
export function memoryGates(times: GateTimes, now: () => number = () => Date.now()): GateStore {
  const values = new Map<string, { n: number; until: number }>();
  const get = (key: string) => {
    const e = values.get(key);
    if (e && e.until <= now()) values.delete(key);
    return values.get(key);
  };
  const incr = (key: string, ttlMs: number, by = 1) => {
    const e = get(key);
    if (e) e.n += by;
    else values.set(key, { n: by, until: now() + ttlMs });
    return get(key)!.n;
  };
  const k = (g: Gate, part: string) => `${g.kind}:${g.key}:${part}`;

  function apply(ops: SettleOp[]): void {
    for (const { gate, op, blockMs } of ops) {
      if (op === 'clear') {
        for (const part of ['f', 's', 'b']) values.delete(k(gate, part));
        continue;
      }
      incr(k(gate, 'f'), times.windowMs, -1);
      if (blockMs > 0) {
        values.delete(k(gate, 'b'));
        incr(k(gate, 's'), STRIKES_MS, -1);
      }
    }
  }

  return {
    enter(gates) {
      let worst: { refused: number; waitMs: number } | undefined;
      gates.forEach((g, i) => {
        const b = get(k(g, 'b'));
        const ms = b ? b.until - now() : 0;
        if (ms > 0 && (!worst || ms > worst.waitMs)) worst = { refused: i, waitMs: ms };
      });
      if (worst) return Promise.resolve(worst);
      const blockMs = gates.map((g) => {
        if (incr(k(g, 'f'), times.windowMs) < g.threshold) return 0;
        const strikes = Math.max(0, get(k(g, 's'))?.n ?? 0);
        const ms = Math.floor(Math.min(times.blockMs * 2 ** Math.min(strikes, 30), times.blockMaxMs));
        values.set(k(g, 'b'), { n: 1, until: now() + ms });
        incr(k(g, 's'), STRIKES_MS);
        return ms;
      });
      return Promise.resolve({ blockMs });
    },

    settle(ops) {
      apply(ops);
      return Promise.resolve();
    },

    settleLater(ops) {
      apply(ops);
      return undefined;
    },
  };
}
