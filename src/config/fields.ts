import { isIP } from 'node:net';
import { z } from 'zod';

/** Schemas for single variables; each message names its variable, so an operator can act on it. */

export const intFromEnv = (name: string, def: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      if (!/^\d+$/.test(v.trim())) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number, got "${v}"` });
        return z.NEVER;
      }
      const n = Number(v.trim());
      if (n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be between ${min} and ${max}, got ${n}` });
        return z.NEVER;
      }
      return n;
    });

export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** A failed origin holds z.NEVER, so rules over several variables can tell it failed. */
export const originString = (name: string) =>
  optionalString.transform((v, ctx) => {
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if ((u.protocol === 'http:' || u.protocol === 'https:') && (u.pathname === '/' || u.pathname === '') && !u.search) return v;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: `${name} must be an origin like https://app.example.com (scheme and host, no path)` });
    return z.NEVER;
  });

export const boolFromEnv = (name: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const t = v?.trim().toLowerCase();
      if (t === undefined || t === '' || t === 'false') return false;
      if (t === 'true') return true;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false, got "${v}"` });
      return z.NEVER;
    });

/** Comma-separated, trimmed, empty entries dropped. */
export const listFromEnv = optionalString.transform((v) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

/** Names express (proxy-addr) knows for groups of addresses. */
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, address/prefix-length or address/netmask, as proxy-addr accepts them. */
function isSubnet(entry: string): boolean {
  if (TRUST_PROXY_NAMES.has(entry)) return true;
  const [address = '', range, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}

/** express `trust proxy`: true, false, a hop count, or addresses/subnets (checked here, not when express compiles them). */
export const trustProxy = optionalString.transform((v, ctx): boolean | number | string => {
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  const bad = v.split(',').map((e) => e.trim()).filter((e) => !isSubnet(e));
  if (bad.length === 0) return v;
  ctx.addIssue({
    code: 'custom',
    message: `TRUST_PROXY must be true, false, a hop count, or a list of addresses/subnets (loopback, linklocal, uniquelocal, an IP, IP/prefix), got "${v}"${v.includes(',') ? ` (not an address: ${bad.map((b) => `"${b}"`).join(', ')})` : ''}`,
  });
  return z.NEVER;
});

const ROUTES_SHAPE = 'PROXY_ROUTES must be a JSON object like {"orders": "https://orders.internal"}';

/** `{"name": "http(s)://upstream"}`; a null-prototype object, so `__proto__` is refused rather than followed. */
export const proxyRoutes = optionalString.transform((v, ctx): Readonly<Record<string, string>> => {
  if (v === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: ROUTES_SHAPE });
    return z.NEVER;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    ctx.addIssue({ code: 'custom', message: ROUTES_SHAPE });
    return z.NEVER;
  }
  const routes: Record<string, string> = Object.create(null) as Record<string, string>;
  const problem = (message: string) => ctx.addIssue({ code: 'custom', message: `PROXY_ROUTES: ${message}` });
  for (const [name, target] of Object.entries(parsed)) {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/i.test(name)) {
      problem(`route name "${name}" may hold only letters, digits, _ and - (at most 63)`);
      continue;
    }
    let url: URL;
    try {
      url = new URL(String(target));
    } catch {
      problem(`"${name}" must map to an http(s) URL, got ${JSON.stringify(target)}`);
      continue;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
      problem(`"${name}" must be a plain http(s) URL without credentials, query or fragment`);
      continue;
    }
    routes[name] = url.href.replace(/\/+$/, '');
  }
  return routes;
});

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}={0,1}$/;

/**
 * `[id:]key,…`, each key 32 bytes in base64 or base64url, kept as base64url. Problems name the entry by position,
 * never its value. Whether a key is random enough depends on NODE_ENV, so that rule is in the schema's cross-field part.
 */
export const tokenKeys = optionalString.transform((v, ctx) => {
  if (v === undefined) return undefined;
  const keys: { id?: string; key: string }[] = [];
  const ids = new Set<string>();
  for (const [i, entry] of v.split(',').entries()) {
    const item = entry.trim();
    const where = `TOKEN_ENCRYPTION_KEYS: entry ${i + 1}`;
    const problem = (message: string) => ctx.addIssue({ code: 'custom', message: `${where}${message}` });
    const colon = item.indexOf(':');
    const id = colon >= 0 ? item.slice(0, colon).trim() : undefined;
    const key = (colon >= 0 ? item.slice(colon + 1) : item).trim();
    if (item === '') problem(' is empty (remove the extra comma)');
    else if (id !== undefined && !KEY_ID.test(id)) problem(`: its id may hold only letters, digits, _ and - (1 to 32), before a ':'`);
    else if (id !== undefined && ids.has(id)) problem(`: the id "${id}" is used twice`);
    else if (!BASE64_KEY.test(key) || Buffer.from(key, 'base64').length !== 32) {
      problem(' must be 32 random bytes in base64 or base64url (e.g. from: openssl rand -base64 32)');
    } else {
      if (id !== undefined) ids.add(id);
      keys.push({ ...(id !== undefined ? { id } : {}), key: Buffer.from(key, 'base64').toString('base64url') });
    }
  }
  return keys;
});

/**
 * 32 random bytes are all printable ASCII with odds of about 1e-17 and repeat bytes rarely: a key that is text
 * ("change-me…" in base64) or a pattern is a placeholder, whatever it looks like once encoded.
 */
export function looksRandom(key: Buffer): boolean {
  const printable = key.every((b) => b >= 0x20 && b < 0x7f);
  return !printable && new Set(key).size >= 16;
}

export const clusterNodes = optionalString
  .refine((v) => v === undefined || v.split(',').every((n) => /^[^\s:,]+:\d{1,5}$/.test(n.trim())), {
    message: 'REDIS_CLUSTER_NODES must be a comma-separated list of host:port',
  })
  .transform((v) =>
    v?.split(',').map((n) => {
      const [host, port] = n.trim().split(':') as [string, string];
      return { host, port: Number(port) };
    }),
  );

/** A link the pages show (terms, privacy): an http(s) URL or a path on this site, never another scheme. */
export const pageLink = (name: string) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      if (v.startsWith('/') && !v.startsWith('//')) return true;
      try {
        const u = new URL(v);
        return u.protocol === 'https:' || u.protocol === 'http:';
      } catch {
        return false;
      }
    },
    { message: `${name} must be an http(s) URL or a path on this site starting with /` },
  );
