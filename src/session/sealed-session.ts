import type { SessionData } from 'express-session';
import type { TokenCipher } from './token-cipher.js';

/**
 * The session's fields that can be used against CloudBase or the gateway — the access and refresh tokens, a flow's
 * verification id and token, a provider token waiting for a sign-up, a re-authentication's verification id and sudo
 * token, a captcha token, the CSRF secret, and the device id (CloudBase signs the same anonymous user in again for the
 * same x-device-id) — as [short name, field, sub-field].
 * They leave the stored JSON and travel sealed in its `x` field; everything else (expiry, profile, times) stays readable.
 */
const SEALED: readonly (readonly [string, string, string?])[] = [
  ['at', 'auth', 'at'],
  ['rt', 'auth', 'rt'],
  ['vid', 'flow', 'vid'],
  ['vt', 'flow', 'vtok'],
  ['pt', 'providerSignup', 'token'],
  ['rv', 'reauth', 'vid'],
  ['su', 'reauth', 'sudo'],
  ['ct', 'captcha', 'token'],
  ['cs', 'csrf'],
  ['di', 'did'],
];

const SEALED_FIELD = 'x';

export type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Moves the secrets out of a copy of the session: the copy without them (the session itself is left untouched) and
 * the secrets by short name (empty when there is none).
 */
export function takeSecrets(data: SessionData): { rest: Loose; secrets: Record<string, string> } {
  const rest: Loose = { ...data };
  const secrets: Record<string, string> = {};
  for (const [name, field, sub] of SEALED) {
    if (sub === undefined) {
      if (typeof rest[field] === 'string') {
        secrets[name] = rest[field];
        delete rest[field];
      }
      continue;
    }
    const holder = rest[field];
    if (!isObject(holder) || typeof holder[sub] !== 'string') continue;
    const copy: Loose = { ...holder };
    secrets[name] = copy[sub] as string;
    delete copy[sub];
    rest[field] = copy;
  }
  return { rest, secrets };
}

/** Puts opened secrets back where takeSecrets found them. */
export function restoreSecrets(sess: Loose, secrets: Record<string, string>): void {
  for (const [name, field, sub] of SEALED) {
    const value = secrets[name];
    if (value === undefined) continue;
    if (sub === undefined) sess[field] = value;
    else if (isObject(sess[field])) sess[field][sub] = value;
  }
}

/**
 * `d` as the first format stored it: the session's JSON with its secrets sealed to this session id, in base64 in its
 * `x` field. Deterministic for equal input. Sessions are now written in the compact format (session-record.ts); this
 * one is still read.
 */
export function serializeSession(data: SessionData, sid: string, cipher: TokenCipher): string {
  const { rest, secrets } = takeSecrets(data);
  if (Object.keys(secrets).length > 0) rest[SEALED_FIELD] = cipher.seal(JSON.stringify(secrets), sid);
  return JSON.stringify(rest);
}

/**
 * The session back from `d` of the first format, or 'unreadable' when its secrets do not open with any configured key
 * (a key removed from TOKEN_ENCRYPTION_KEYS, or the value tampered with or moved from another session). A `d` without
 * `x` (written before sealing existed, or holding no secret) is read as it is.
 */
export function parseSession(d: string, sid: string, cipher: TokenCipher): SessionData | 'unreadable' {
  const sess = JSON.parse(d) as Loose;
  const sealed = sess[SEALED_FIELD];
  if (sealed === undefined) return sess as unknown as SessionData;
  const plain = typeof sealed === 'string' ? cipher.open(sealed, sid) : undefined;
  if (plain === undefined) return 'unreadable';
  delete sess[SEALED_FIELD];
  restoreSecrets(sess, JSON.parse(plain) as Record<string, string>);
  return sess as unknown as SessionData;
}
