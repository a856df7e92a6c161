/**
 * Errors the CloudBase client throws, and the mapping from what got and CloudBase produce to them.
 * Messages carry only the error string, status and error code: never a URL, a body, a token, a password or a code.
 */
import { RequestError } from 'got';

/** CloudBase answered with an error body. Callers branch on `error` (the string), never on numeric codes. */
export class CloudbaseError extends Error {
  override readonly name = 'CloudbaseError';
  /** CloudBase's `error`, e.g. "invalid_password"; for gateway-style bodies, their `code`. */
  readonly error: string;
  /** CloudBase's `error_description` (or a gateway body's `message`). */
  readonly description: string | undefined;
  /** HTTP status; 200 when CloudBase reported the error in a successful response. */
  readonly status: number;
  readonly requestId: string;
  /** CloudBase's `retry_after` (seconds), sent with `resource_exhausted`. */
  readonly retryAfterS: number | undefined;

  constructor(init: {
    error: string;
    description?: string | undefined;
    status: number;
    requestId: string;
    retryAfterS?: number | undefined;
  }) {
    super(`CloudBase answered "${init.error}" (HTTP ${init.status})`);
    this.error = init.error;
    this.description = init.description;
    this.status = init.status;
    this.requestId = init.requestId;
    this.retryAfterS = init.retryAfterS;
  }
}

export type UnavailableReason = 'timeout' | 'network' | 'bad_response';

/** CloudBase could not be reached, was too slow, or answered with something that is not a CloudBase answer. */
export class UpstreamUnavailableError extends Error {
  override readonly name = 'UpstreamUnavailableError';
  readonly reason: UnavailableReason;
  readonly requestId: string;
  readonly status: number | undefined;
  /** The system error code behind a network failure or timeout, e.g. "ECONNREFUSED". */
  readonly code: string | undefined;

  constructor(init: { reason: UnavailableReason; requestId: string; status?: number; code?: string }) {
    const status = init.status === undefined ? undefined : `HTTP ${init.status}`;
    const detail = [init.code, status].filter(Boolean).join(', ');
    super(`CloudBase unavailable: ${init.reason}${detail ? ` (${detail})` : ''}`);
    this.reason = init.reason;
    this.requestId = init.requestId;
    this.status = init.status;
    this.code = init.code;
  }
}

export type CloudbaseFailure = CloudbaseError | UpstreamUnavailableError;

/**
 * Bodiless 4xx answers that still say something definite (the gRPC-style names CloudBase uses). Any other non-2xx
 * answer without a CloudBase body did not come from CloudBase's auth service, so it counts as unavailable.
 */
const BODILESS_STATUS_ERRORS: Readonly<Record<number, string>> = {
  401: 'unauthenticated',
  403: 'permission_denied',
  429: 'resource_exhausted',
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Decides whether an HTTP answer is a failure. `body` is the parsed JSON, or undefined when the body was not JSON.
 * Like the official SDK, any body with a non-empty `error` fails whatever the status, and so does a gateway-style body
 * with a truthy `code`. Returns undefined for a success.
 */
export function failureFromResponse(status: number, body: unknown, requestId: string): CloudbaseFailure | undefined {
  if (isRecord(body)) {
    if (typeof body.error === 'string' && body.error !== '') {
      const description = optionalString(body.error_description);
      const retry = body.retry_after;
      const retryAfterS = typeof retry === 'number' && Number.isFinite(retry) && retry > 0 ? Math.ceil(retry) : undefined;
      return new CloudbaseError({ error: body.error, description, status, requestId, retryAfterS });
    }
    if ((typeof body.code === 'string' || typeof body.code === 'number') && body.code) {
      const description = optionalString(body.message);
      return new CloudbaseError({ error: String(body.code), description, status, requestId });
    }
  }
  if (status >= 200 && status < 300) {
    return body === undefined ? new UpstreamUnavailableError({ reason: 'bad_response', requestId, status }) : undefined;
  }
  const error = BODILESS_STATUS_ERRORS[status];
  if (error) return new CloudbaseError({ error, status, requestId });
  return new UpstreamUnavailableError({ reason: 'bad_response', requestId, status });
}

/** Parses a response body as JSON; an empty body counts as `{}`, anything unparsable as undefined. */
export function parseBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Maps anything a got call can throw to a CloudbaseError or UpstreamUnavailableError. Errors that already are one
 * pass through. The got error itself is not kept as `cause`, because its options hold URLs and bodies with secrets.
 */
export function fromGotError(err: unknown, requestId: string): CloudbaseFailure {
  if (err instanceof CloudbaseError || err instanceof UpstreamUnavailableError) return err;
  if (err instanceof RequestError) {
    if (err.name === 'TimeoutError' || err.code === 'ETIMEDOUT') {
      return new UpstreamUnavailableError({ reason: 'timeout', requestId, code: 'ETIMEDOUT' });
    }
    // A ReadError has a response too, but its body broke off mid-way: that is the network, not the answer.
    const response = err.name === 'ReadError' ? undefined : err.response;
    if (response) {
      const text = typeof response.body === 'string' ? response.body : (response.rawBody?.toString('utf8') ?? '');
      const status = response.statusCode;
      return (
        failureFromResponse(status, parseBody(text), requestId) ??
        new UpstreamUnavailableError({ reason: 'bad_response', requestId, status })
      );
    }
    return new UpstreamUnavailableError({ reason: 'network', requestId, code: err.code });
  }
  const code = isRecord(err) && typeof err.code === 'string' ? err.code : undefined;
  return new UpstreamUnavailableError({ reason: 'network', requestId, ...(code ? { code } : {}) });
}
