import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';

/**
 * Device proofs (OWASP "device cookies"): after a good password, the browser (a cookie) or the app (`device_token`)
 * gets `<account key>.<nonce>.<mac>` for that account. Presenting it again later proves "this device signed in to this
 * account before", so its password attempts are judged on its own limit, not on the account's.
 *
 * Signed with a key derived from the first session secret and verified with every one, so rotating SESSION_SECRET keeps
 * proofs valid until the old secret is dropped. A value holds at most MAX_ENTRIES proofs (accounts shared on one device),
 * newest first.
 */
export const MAX_ENTRIES = 3;
const MAX_VALUE = 400;
const ENTRY = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export interface DeviceProofs {
  /** the nonce of a valid proof for this account in `value`, or undefined */
  verify(value: string | undefined, accountKey: string): string | undefined;
  /** `value` with a fresh proof for this account in front (its older proof and the oldest beyond the cap dropped) */
  issue(value: string | undefined, accountKey: string): string;
}

const NONCE_BYTES = 16;
const NONCE_POOL_BYTES = 4096;

/**
 * Nonces cut from a pool filled 4 KB at a time: a randomBytes(16) per sign-in costs ~2 µs (one native call each), the
 * pool ~0.1 µs. The bytes are the same CSPRNG's, each used once. One pool per set of device proofs, not per module.
 */
function noncePool(): () => string {
  let pool = Buffer.alloc(0);
  let used = 0;
  return () => {
    if (used + NONCE_BYTES > pool.length) {
      pool = randomFillSync(Buffer.allocUnsafe(NONCE_POOL_BYTES));
      used = 0;
    }
    const nonce = pool.toString('base64url', used, used + NONCE_BYTES);
    used += NONCE_BYTES;
    return nonce;
  };
}

export function createDeviceProofs(secrets: readonly string[]): DeviceProofs {
  if (secrets.length === 0) throw new TypeError('createDeviceProofs: at least one secret is needed');
  const freshNonce = noncePool();
  // A key of its own, so a device proof can never pass for any other signature made with the session secret.
  const keys = secrets.map((s) => createHmac('sha256', s).update('cbg device proof v1').digest());
  const mac = (key: Buffer, account: string, nonce: string) =>
    createHmac('sha256', key).update(`${account}.${nonce}`).digest();

  function entries(value: string | undefined): string[] {
    if (!value || value.length > MAX_VALUE) return [];
    return value.split('~').slice(0, MAX_ENTRIES);
  }

  function nonceOf(entry: string, accountKey: string): string | undefined {
    const m = ENTRY.exec(entry);
    if (!m || m[1] !== accountKey) return undefined;
    const given = Buffer.from(m[3]!, 'base64url');
    const ok = keys.some((k) => {
      const expected = mac(k, m[1]!, m[2]!);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    return ok ? m[2] : undefined;
  }

  return {
    verify(value, accountKey) {
      for (const e of entries(value)) {
        const nonce = nonceOf(e, accountKey);
        if (nonce) return nonce;
      }
      return undefined;
    },

    issue(value, accountKey) {
      const nonce = freshNonce();
      const fresh = `${accountKey}.${nonce}.${mac(keys[0]!, accountKey, nonce).toString('base64url')}`;
      const others = entries(value).filter((e) => ENTRY.test(e) && !e.startsWith(`${accountKey}.`));
      return [fresh, ...others].slice(0, MAX_ENTRIES).join('~');
    },
  };
}
