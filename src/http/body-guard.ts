import type { RequestHandler } from 'express';
import { AppError, invalidInput } from '../errors/app-error.js';

/** Keys that could reach an object's prototype if a body were ever merged into one. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** C0 controls and DEL (CR and LF included: nothing a person types into these forms needs them), and lone surrogates. */
// eslint-disable-next-line no-control-regex
const HOSTILE_TEXT = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_DEPTH = 8;
/** Fields whose every value is made safe where it is read: a hostile `returnTo` falls back to "/" (safeReturnTo). */
const SANITISED_WHERE_READ = new Set(['returnTo']);

/** The first field (top-level name) of a parsed body that is hostile, or undefined. */
export function hostileField(body: unknown): string | undefined {
  const visit = (v: unknown, depth: number): boolean => {
    if (typeof v === 'string') return HOSTILE_TEXT.test(v);
    if (v === null || typeof v !== 'object') return false;
    if (depth > MAX_DEPTH) return true;
    for (const key of Object.keys(v)) {
      if (PROTOTYPE_KEYS.has(key) || HOSTILE_TEXT.test(key)) return true;
      if (visit((v as Record<string, unknown>)[key], depth + 1)) return true;
    }
    return false;
  };
  if (body === null || typeof body !== 'object') return undefined;
  for (const key of Object.keys(body)) {
    if (PROTOTYPE_KEYS.has(key) || HOSTILE_TEXT.test(key)) return key;
    const value = (body as Record<string, unknown>)[key];
    if (SANITISED_WHERE_READ.has(key) && typeof value === 'string') continue;
    if (visit(value, 1)) return key;
  }
  return undefined;
}

/**
 * After a body parser, for forms and JSON alike: a body carrying a prototype key (`__proto__`, `constructor`,
 * `prototype`, at any depth), a control character or a lone surrogate is refused with a 400 before any route reads
 * it, so no handler has to think about them.
 */
export function rejectHostileBody(): RequestHandler {
  return function rejectHostileBodyMiddleware(req, _res, next) {
    const field = hostileField(req.body);
    if (field !== undefined) return next(invalidInput(HOSTILE_TEXT.test(field) || PROTOTYPE_KEYS.has(field) ? undefined : field));
    next();
  };
}

/**
 * Body-parser and other http-errors carry a status and a type: a clear 4xx for each (413 too large or too many
 * fields, 415 an encoding or charset it cannot read, 400 for the rest); anything else is left to the caller (a 500).
 */
export function fromBodyParserError(err: unknown): AppError | undefined {
  const e = err as { status?: unknown; statusCode?: unknown; type?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (e?.type === 'entity.too.large' || e?.type === 'parameters.too.many' || status === 413) {
    return new AppError('payload_too_large');
  }
  if (status === 415 || e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new AppError('unsupported_media_type');
  }
  if (e?.type === 'entity.parse.failed') return new AppError('invalid_input');
  if (status !== undefined && status >= 400 && status < 500) return new AppError('invalid_input');
  return undefined;
}

/**
 * `verify` hook of express.urlencoded: the form parser drops a `__proto__` field silently, so the raw field names are
 * checked here and such a form is refused like any other hostile body.
 */
export function verifyFormKeys(_req: unknown, _res: unknown, buf: Buffer): void {
  for (const key of new URLSearchParams(buf.toString('latin1')).keys()) {
    const root = key.split('[')[0]!;
    if (PROTOTYPE_KEYS.has(root)) throw Object.assign(new Error('prototype key in form'), { status: 400, type: 'hostile.key' });
  }
}
