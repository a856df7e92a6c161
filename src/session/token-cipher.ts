import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** One entry of TOKEN_ENCRYPTION_KEYS: 32 key bytes (base64url here), optionally named. */
export interface TokenKeySpec {
  readonly id?: string;
  readonly key: string;
}

/**
 * Authenticated encryption of a session's secrets (AES-256-GCM), bound to a context (the session id) so a sealed value
 * copied into another session does not open there.
 */
export interface TokenCipher {
  seal(plain: string, context: string): string;
  /** undefined when no configured key opens it (key removed, tampered, other context) */
  open(sealed: string, context: string): string | undefined;
  /** The same seal as raw bytes and the id of the key that made it (for a binary field: no base64). */
  sealBytes(plain: string, context: string): SealedBytes;
  /** Opens what sealBytes made; `keyId` as it returned it. */
  openBytes(blob: Buffer, keyId: string | undefined, context: string): string | undefined;
  /** The same keys sealing short values compactly (see createCompactCipher). */
  readonly compact: CompactCipher;
}

export interface SealedBytes {
  keyId?: string;
  blob: Buffer;
}

interface ImportedKey {
  id?: string;
  enc: KeyObject;
  iv: KeyObject;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT_DEFLATE = 1;
/** What seal accepts and open inflates at most (tokens are a few KB), so what was sealed always opens. */
const MAX_PLAIN_BYTES = 256 * 1024;
/**
 * The deflater's window and state: zlib's defaults (a 32 KB window, memLevel 8) allocate about 256 KB per call, which
 * the garbage collector then counts against every sign-in; sealed secrets are about a kilobyte, so a 2 KB window and
 * a small hash table deflate them to the same size with 16 KB. The stream stays plain raw deflate: the default
 * inflater opens it, and every value sealed before this change.
 */
const DEFLATE = { windowBits: 11, memLevel: 4 } as const;

function importKey(spec: TokenKeySpec): ImportedKey {
  const raw = Buffer.from(spec.key, 'base64url');
  if (raw.length !== 32) throw new TypeError(`token key${spec.id ? ` "${spec.id}"` : ''} must be 32 bytes, got ${raw.length}`);
  const derive = (info: string) => createSecretKey(Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), info, 32)));
  return { ...(spec.id ? { id: spec.id } : {}), enc: derive('cbg session seal v1: aes-256-gcm'), iv: derive('cbg session seal v1: iv') };
}

/**
 * AES-256-GCM under `key` with a synthetic IV: an HMAC, under the key's own IV key, of `ivHead` and the plaintext.
 * Returns the parts `iv ‖ ciphertext ‖ tag` for the caller to frame.
 */
function sivSeal(key: ImportedKey, aad: Buffer, ivHead: Buffer, plain: Buffer): Buffer[] {
  const iv = createHmac('sha256', key.iv).update(ivHead).update(plain).digest().subarray(0, IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.enc, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  return [iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()];
}

/** Opens `iv ‖ ciphertext ‖ tag` (the whole of `sealed`) under `key`; undefined when it does not authenticate. */
function gcmOpen(key: ImportedKey, aad: Buffer, sealed: Buffer): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.enc, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/**
 * Keys are imported once here; the first seals, all open. Sealing is deterministic — the IV is an HMAC of the context
 * and the plaintext under a key of its own (the SIV construction) — so sealing the same secrets twice gives the same
 * bytes: the store's "writing what is already there is a no-op" compare keeps working, and two different plaintexts
 * share an IV only with the odds of a random 96-bit IV colliding. The plaintext is deflated first: the sealed secrets
 * are all issued by CloudBase or the gateway (nothing a client chooses sits beside them), so compression reveals
 * nothing, and it wins back the size base64 adds.
 *
 * Format: `[<key id>.]base64url(format byte ‖ iv ‖ ciphertext ‖ tag)`.
 */
export function createTokenCipher(specs: readonly TokenKeySpec[]): TokenCipher {
  if (specs.length === 0) throw new TypeError('createTokenCipher needs at least one key');
  const keys = specs.map(importKey);
  const sealer = keys[0]!;

  function openWith(key: ImportedKey, blob: Buffer, context: string): string | undefined {
    if (blob.length < 1 + IV_BYTES + TAG_BYTES || blob[0] !== FORMAT_DEFLATE) return undefined;
    const packed = gcmOpen(key, Buffer.from(context, 'utf8'), blob.subarray(1));
    if (!packed) return undefined;
    try {
      return inflateRawSync(packed, { maxOutputLength: MAX_PLAIN_BYTES }).toString('utf8');
    } catch {
      return undefined;
    }
  }

  function sealBytes(plain: string, context: string): Buffer {
    const bytes = Buffer.from(plain, 'utf8');
    if (bytes.length > MAX_PLAIN_BYTES) throw new RangeError(`refusing to seal ${bytes.length} bytes (at most ${MAX_PLAIN_BYTES})`);
    const packed = deflateRawSync(bytes, DEFLATE);
    const aad = Buffer.from(context, 'utf8');
    const ivHead = Buffer.concat([Buffer.from([aad.length >> 8, aad.length & 0xff]), aad]);
    return Buffer.concat([Buffer.from([FORMAT_DEFLATE]), ...sivSeal(sealer, aad, ivHead, packed)]);
  }

  function openBytes(blob: Buffer, id: string | undefined, context: string): string | undefined {
    for (const key of keys) {
      if (key.id !== id) continue;
      const plain = openWith(key, blob, context);
      if (plain !== undefined) return plain;
    }
    return undefined;
  }

  return {
    seal(plain, context) {
      return `${sealer.id ? `${sealer.id}.` : ''}${sealBytes(plain, context).toString('base64url')}`;
    },
    open(sealed, context) {
      const dot = sealed.indexOf('.');
      const id = dot >= 0 ? sealed.slice(0, dot) : undefined;
      const text = sealed.slice(dot + 1);
      if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
      return openBytes(Buffer.from(text, 'base64url'), id, context);
    },
    sealBytes(plain, context) {
      const blob = sealBytes(plain, context);
      return sealer.id ? { keyId: sealer.id, blob } : { blob };
    },
    openBytes(blob, keyId, context) {
      return openBytes(blob, keyId, context);
    },
    compact: createCompactCipher(keys),
  };
}

/**
 * A seal for short values in tight places (a user index entry must stay under Redis's 64-byte listpack limit): the
 * same keys, AES-256-GCM and SIV-style IV as the token cipher, but no deflate (nothing to win on a few bytes), the key
 * id inside the bytes, and a `randomUUID()`-shaped value packed to its 16 bytes. A gateway device id seals to 46 bytes
 * plus its key id's length.
 */
export interface CompactCipher {
  seal(plain: string, context: string): Buffer;
  /** undefined when no configured key opens it (key removed, tampered, other context, not a compact seal) */
  open(blob: Buffer, context: string): string | undefined;
}

const COMPACT_UUID = 2;
const COMPACT_UTF8 = 3;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const packUuid = (uuid: string) => Buffer.from(uuid.replaceAll('-', ''), 'hex');
function unpackUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The format byte is authenticated with the context, so a packed UUID cannot be reread as text (nor the reverse). */
function compactAad(format: number, context: string): Buffer {
  const ctx = Buffer.from(context, 'utf8');
  return Buffer.concat([Buffer.from([format, ctx.length >> 8, ctx.length & 0xff]), ctx]);
}

/**
 * Format: `format byte ‖ key id length ‖ key id (UTF-8, empty for an unnamed key) ‖ iv (12) ‖ ciphertext ‖ tag (16)`;
 * format 2 is a lowercase UUID as 16 bytes, 3 any other text as UTF-8. Deterministic like the token cipher's seal.
 */
function createCompactCipher(keys: readonly ImportedKey[]): CompactCipher {
  const sealer = keys[0]!;
  const sealerId = Buffer.from(sealer.id ?? '', 'utf8');
  if (sealerId.length > 255) throw new RangeError('token key id longer than 255 bytes');

  return {
    seal(plain, context) {
      const format = UUID.test(plain) ? COMPACT_UUID : COMPACT_UTF8;
      const bytes = format === COMPACT_UUID ? packUuid(plain) : Buffer.from(plain, 'utf8');
      if (bytes.length > MAX_PLAIN_BYTES) throw new RangeError(`refusing to seal ${bytes.length} bytes (at most ${MAX_PLAIN_BYTES})`);
      const aad = compactAad(format, context);
      return Buffer.concat([Buffer.from([format, sealerId.length]), sealerId, ...sivSeal(sealer, aad, aad, bytes)]);
    },
    open(blob, context) {
      const format = blob[0];
      if (format !== COMPACT_UUID && format !== COMPACT_UTF8) return undefined;
      const idEnd = 2 + (blob[1] ?? 0);
      const body = blob.length - idEnd - IV_BYTES - TAG_BYTES;
      if (blob.length < 2 || body < 0 || (format === COMPACT_UUID && body !== 16)) return undefined;
      const id = idEnd > 2 ? blob.toString('utf8', 2, idEnd) : undefined;
      const aad = compactAad(format, context);
      const sealed = blob.subarray(idEnd);
      for (const key of keys) {
        if (key.id !== id) continue;
        const bytes = gcmOpen(key, aad, sealed); // when not, another key of the same id may open it
        if (bytes) return format === COMPACT_UUID ? unpackUuid(bytes) : bytes.toString('utf8');
      }
      return undefined;
    },
  };
}
