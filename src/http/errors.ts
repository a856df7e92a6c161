import type { MessageKey, Translate } from '../i18n/index.js';

/**
 * Every error a person or client may see: an HTTP status, a stable `code` callers branch on, and the message key
 * that turns into text in the person's language.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messageKey: MessageKey,
    readonly extra: { retryAfterS?: number; field?: string; cause?: unknown } = {},
  ) {
    super(code);
    this.name = 'AppError';
  }
}

export const notSignedIn = () => new AppError(401, 'not_signed_in', 'err.not_signed_in');
export const sessionExpired = () => new AppError(401, 'session_expired', 'err.session_expired');
export const flowExpired = () => new AppError(409, 'flow_expired', 'err.flow_expired');
export const csrfFailed = () => new AppError(403, 'csrf_failed', 'err.csrf');
export const invalidInput = (field?: string) =>
  new AppError(400, 'invalid_input', 'err.invalid_input', field ? { field } : {});
export const notFound = () => new AppError(404, 'not_found', 'err.not_found');
/** Limits whose message is completed with the wait (other 429s say what to do instead, e.g. ask for a new code). */
const WAIT_MESSAGES: ReadonlySet<MessageKey> = new Set<MessageKey>(['err.rate_limited', 'err.too_many_attempts']);

/** The text a person reads for an error; a rate limit says when to try again. */
export function errorText(err: AppError, t: Translate): string {
  const text = t(err.messageKey);
  const s = err.extra.retryAfterS;
  if (err.status !== 429 || !s || !WAIT_MESSAGES.has(err.messageKey)) return text;
  const wait = s >= 120 ? t('err.retry_in_minutes', { minutes: Math.ceil(s / 60) }) : t('err.retry_in_seconds', { seconds: s });
  return /[。！？]$/.test(text) ? `${text}${wait}` : `${text} ${wait}`;
}

export const storeUnavailable = (cause?: unknown) =>
  new AppError(503, 'store_unavailable', 'err.store_unavailable', { retryAfterS: 2, cause });
