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

/** The sealed fields that are strings of the session itself, and the sub-fields sealed in each holder field. */
const TOP_FIELDS = new Set(SEALED.filter(([, , sub]) => sub === undefined).map(([, field]) => field));
const SUB_FIELDS = new Map<string, Set<string>>();
for (const [, field, sub] of SEALED) if (sub !== undefined) SUB_FIELDS.set(field, (SUB_FIELDS.get(field) ?? new Set()).add(sub));

const own = (o: Loose, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

/**
 * Moves the secrets out of a copy of the session: the copy without them (the session itself is left untouched) and
 * the secrets by short name (empty when there is none). `omit` names top-level fields the copy leaves out as well.
 *
 * The copy is built field by field, never spread and then trimmed with `delete`: a deleted property turns a V8 object
 * into a slow dictionary (three of them per session write), and a property added to a spread copy gives that copy a
 * map of its own, outside V8's transition tree (bench/README.md, "Round 2, seventh pass").
 */
export function takeSecrets(data: SessionData, omit?: ReadonlySet<string>): { rest: Loose; secrets: Record<string, string> } {
  const source = data as unknown as Loose;
  const secrets: Record<string, string> = {};
  let holders: Set<string> | undefined;
  for (const [name, field, sub] of SEALED) {
    const value = own(source, field);
    if (sub === undefined) {
      if (typeof value === 'string') secrets[name] = value;
    } else if (isObject(value) && typeof value[sub] === 'string') {
      secrets[name] = value[sub];
      (holders ??= new Set()).add(field);
    }
  }
  const rest: Loose = {};
  for (const key of Object.keys(source)) {
    if (omit?.has(key)) continue;
    const value = source[key];
    if (TOP_FIELDS.has(key) && typeof value === 'string') continue;
    rest[key] = holders?.has(key) ? withoutSecrets(value as Loose, SUB_FIELDS.get(key)!) : value;
  }
  return { rest, secrets };
}

/** A copy of a holder field without its sealed sub-fields (those that are strings). */
function withoutSecrets(holder: Loose, subs: ReadonlySet<string>): Loose {
  const copy: Loose = {};
  for (const key of Object.keys(holder)) {
    const value = holder[key];
    if (!(subs.has(key) && typeof value === 'string')) copy[key] = value;
  }
  return copy;
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
