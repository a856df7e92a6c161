import type { Request, Response } from 'express';
import { cookieName, type Config } from '../config/index.js';
import { readCookie } from '../cookie-header.js';
import type { ErrorCode } from '../errors/catalogue.js';
import type { MessageKey } from '../i18n/index.js';
import { flashKeys, openFlash, sealFlash } from './flash-cookie.js';

/**
 * What a failed form post leaves for the page it redirects to (post/redirect/get): the error as message keys (so the
 * page says it in its own language), the field at fault, the values as typed and which form or step failed. Never a
 * password, code, captcha answer or ticket: `keepFlash` drops such fields whatever the caller passes.
 */
export interface Flash {
  /** the page (path) that shows it */
  page: string;
  /** when it was kept, epoch ms */
  at: number;
  code: ErrorCode;
  key: MessageKey;
  field?: string;
  /** the message beside the field */
  fieldKey?: MessageKey;
  retryAfterS?: number;
  values?: Record<string, string>;
  /** which form of the page (the account page's) or which step (an SMS page's phone step) failed */
  form?: string;
  /** the id of the captcha CloudBase asked for, kept in the session */
  captcha?: string;
}

declare module 'express-session' {
  interface SessionData {
    /** a failed form post's one-shot message, shown by the next view of its page */
    flash?: Flash;
  }
}

/** A flash not shown within this time is dropped (the redirect is followed at once; a client that does not, leaves it). */
export const FLASH_LIFE_MS = 120_000;

/** Fields whose typed value never comes back, in a flash or a page. */
const NEVER_KEPT = /password|code|captcha|ticket|csrf|token|secret/i;

const keysOf = new WeakMap<Config, Buffer[]>();
function keys(config: Config): Buffer[] {
  let k = keysOf.get(config);
  if (!k) keysOf.set(config, (k = flashKeys(config.session.secrets)));
  return k;
}

function cookieOptions(config: Config) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.session.secureCookie };
}

/** Only the typed values a page may show again. */
function keptValues(values: Record<string, string | undefined> | undefined): Record<string, string> | undefined {
  if (!values) return undefined;
  const kept = Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '' && !NEVER_KEPT.test(e[0]));
  return kept.length ? Object.fromEntries(kept) : undefined;
}

/**
 * Keeps the flash for the next view of its page: in the session when the visitor has one (it is written anyway), else
 * in a sealed cookie (AES-256-GCM, two minutes), so a failed post by a visitor without a session writes nothing to Redis.
 */
export function keepFlash(req: Request, res: Response, config: Config, flash: Flash): void {
  const values = keptValues(flash.values);
  const { values: _dropped, ...rest } = flash;
  const kept: Flash = { ...rest, ...(values ? { values } : {}) };
  if (req.session?.created !== undefined) {
    req.session.flash = kept;
    return;
  }
  const name = cookieName('flash', config.session.secureCookie);
  res.cookie(name, sealFlash(JSON.stringify(kept), keys(config), name), { ...cookieOptions(config), maxAge: FLASH_LIFE_MS });
}

function isFlash(v: unknown): v is Flash {
  const f = v as Partial<Flash> | null;
  return typeof f === 'object' && f !== null && typeof f.page === 'string' && typeof f.at === 'number' && typeof f.code === 'string' && typeof f.key === 'string';
}

/**
 * The flash for this page view, taken (a reload shows a clean page). Only a GET of the flash's own page takes it; a
 * flash past its life is dropped wherever it is seen.
 */
export function takeFlash(req: Request, res: Response, config: Config, now: number): Flash | undefined {
  if (req.method !== 'GET') return undefined;
  const fresh = (f: Flash) => f.at <= now && now - f.at < FLASH_LIFE_MS;
  let found: Flash | undefined;
  const kept = req.session?.flash;
  if (kept && (kept.page === req.path || !fresh(kept))) {
    delete req.session.flash;
    if (kept.page === req.path && fresh(kept)) found = kept;
  }
  const name = cookieName('flash', config.session.secureCookie);
  const sealed = readCookie(req.headers.cookie, name);
  if (sealed !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(openFlash(sealed, keys(config), name) ?? 'null');
    } catch {
      parsed = undefined;
    }
    const opened = isFlash(parsed) ? parsed : undefined;
    const own = opened?.page === req.path;
    if (!opened || own || !fresh(opened)) res.clearCookie(name, cookieOptions(config));
    if (opened && own && fresh(opened) && !found) found = opened;
  }
  return found;
}
