import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** The RS256 key pair the emulator signs access tokens with; generated at start, never persisted. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { kid: randomUUID(), privateKey, publicKey };
}

/** Signs the claims as given: the caller sets iat/exp from its own clock. */
export function signJwt(key: SigningKey, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.privateKey);
}

/**
 * Checks the signature and, unless `ignoreExpiry`, the expiry against the caller's clock.
 * Returns undefined for anything that does not verify.
 */
export async function verifyJwt(
  key: SigningKey,
  token: string,
  nowMs: number,
  ignoreExpiry = false,
): Promise<JWTPayload | undefined> {
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: ['RS256'],
      currentDate: new Date(nowMs),
      // jose has no "skip exp" switch; a huge tolerance does the same for revocation of expired tokens.
      clockTolerance: ignoreExpiry ? 10 * 365 * 24 * 3600 : 0,
    });
    return payload;
  } catch {
    return undefined;
  }
}

export async function publicJwks(key: SigningKey): Promise<{ keys: JWK[] }> {
  const jwk = await exportJWK(key.publicKey);
  return { keys: [{ ...jwk, kid: key.kid, alg: 'RS256', use: 'sig' }] };
}
