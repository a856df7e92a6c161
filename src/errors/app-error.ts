import type { MessageKey, Translate } from '../i18n/index.js';
import { CATALOGUE, type ErrorCode } from './catalogue.js';

export interface AppErrorExtra {
  retryAfterS?: number;
  field?: string;
  cause?: unknown;
}

/**
 * Every error a person or client may see, as services and flows throw it: a catalogued `code` callers branch on, the
 * message key that turns into text in the person's language (the code's own, unless a more precise one is named),
 * and extras (the real wait of a limit, the field at fault). No HTTP status: the edge maps the code to one
 * (`src/http/errors.ts`).
 */
export class AppError extends Error {
  readonly messageKey: MessageKey;
  readonly extra: AppErrorExtra;

  constructor(
    readonly code: ErrorCode,
    { messageKey, ...extra }: AppErrorExtra & { messageKey?: MessageKey } = {},
  ) {
    super(code);
    this.name = 'AppError';
    this.messageKey = messageKey ?? CATALOGUE[code].key;
    this.extra = extra;
  }

  get retryable(): boolean {
    return CATALOGUE[this.code].retryable;
  }

  /** How long to wait before trying again: the error's own wait, else its code's default; undefined if not retryable. */
  get retryAfterS(): number | undefined {
    return this.extra.retryAfterS ?? CATALOGUE[this.code].retryAfterS;
  }

  /** The same error with some of its extras replaced (a Retry-After worked out later). */
  with(extra: AppErrorExtra): AppError {
    return new AppError(this.code, { ...this.extra, ...extra, messageKey: this.messageKey });
  }
}

export const notSignedIn = () => new AppError('not_signed_in');
export const sessionExpired = () => new AppError('session_expired');
export const flowExpired = () => new AppError('flow_expired');
export const csrfFailed = () => new AppError('csrf_failed');
export const invalidInput = (field?: string) => new AppError('invalid_input', field ? { field } : {});
export const notFound = () => new AppError('not_found');
export const storeUnavailable = (cause?: unknown) => new AppError('store_unavailable', { cause });
export const internalError = (cause: unknown) => new AppError('internal', { cause });

/** Limits whose message is completed with the wait (other 429s say what to do instead, e.g. ask for a new code). */
const WAIT_MESSAGES: ReadonlySet<MessageKey> = new Set<MessageKey>(['err.rate_limited', 'err.too_many_attempts']);

/** The text a person reads for an error; a limit says when to try again. */
export function errorText(err: AppError, t: Translate): string {
  const text = t(err.messageKey);
  const s = err.retryAfterS;
  if (!CATALOGUE[err.code].limit || !s || !WAIT_MESSAGES.has(err.messageKey)) return text;
  const wait = s >= 120 ? t('err.retry_in_minutes', { minutes: Math.ceil(s / 60) }) : t('err.retry_in_seconds', { seconds: s });
  return /[。！？]$/.test(text) ? `${text}${wait}` : `${text} ${wait}`;
}
