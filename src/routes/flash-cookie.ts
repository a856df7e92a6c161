import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const INFO = 'cbg flash cookie v1: aes-256-gcm';

/** One AES-256 key per SESSION_SECRET: the first seals, all open (rotation). */
export function flashKeys(secrets: readonly string[]): Buffer[] {
  return secrets.map((s) => Buffer.from(hkdfSync('sha256', s, Buffer.alloc(0), INFO, 32)));
}

/**
 * Seals a flash for a cookie: AES-256-GCM with a random IV, bound to the cookie's name. Authenticated, so a tampered
 * or forged cookie does not open; encrypted, so what a person typed is not readable from the cookie jar.
 */
export function sealFlash(plain: string, keys: readonly Buffer[], context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys[0]!, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The sealed flash's text, or undefined when no key opens it. */
export function openFlash(sealed: string, keys: readonly Buffer[], context: string): string | undefined {
  const blob = Buffer.from(sealed, 'base64url');
  if (blob.length < IV_BYTES + TAG_BYTES) return undefined;
  for (const key of keys) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
      return Buffer.concat([decipher.update(blob.subarray(IV_BYTES, blob.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      // not this key
    }
  }
  return undefined;
}
