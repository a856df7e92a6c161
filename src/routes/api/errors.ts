import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from '../../logger.js';
import type { AuthService } from '../../services/auth.js';
import { AppError, errorText, internalError } from '../../errors/app-error.js';
import { startErrorResponse } from '../../http/errors.js';
import { fromBodyParserError } from '../../http/body-guard.js';
import { pickLocale, translator, type MessageKey } from '../../i18n/index.js';
import { isTokenMode, issueSessionToken } from '../../session/token-session.js';
import { newCaptchaChallenge, wantsCaptcha } from '../../flows/captcha.js';
import { captchaContext } from '../flow-context.js';
import type { ApiErrorBody } from './responses.js';
import { challenge } from './challenge.js';
import type { ErrorCode } from '../../errors/catalogue.js';

/** The body-parser codes whose messages talk about JSON here (the forms' wording is generic). */
const JSON_MESSAGES: Partial<Record<ErrorCode, MessageKey>> = {
  payload_too_large: 'api.payload_too_large',
  unsupported_media_type: 'api.unsupported_media_type',
};

/** Body-parser errors become their 4xx (malformed JSON is `invalid_json`); anything else unknown is a 500. */
export function toApiError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if ((err as { type?: unknown } | null)?.type === 'entity.parse.failed') return new AppError('invalid_json');
  const parser = fromBodyParserError(err);
  if (parser) return new AppError(parser.code, { messageKey: JSON_MESSAGES[parser.code] ?? parser.messageKey });
  return internalError(err);
}

async function errorBody(req: Request, err: AppError, auth: AuthService): Promise<ApiErrorBody> {
  const t = translator(pickLocale(req, 'en'));
  const field = err.extra.field;
  const body: ApiErrorBody = {
    error: { code: err.code, message: field ? t(err.messageKey, { field }) : errorText(err, t), ...(field ? { field } : {}) },
  };
  if (!req.session) return body;
  if (wantsCaptcha(err)) {
    const c = await newCaptchaChallenge(captchaContext(req, auth));
    if (c) body.captcha = { id: c.id, image_url: c.imageUrl };
  }
  // A flow, a captcha or an identity waiting for a sign-up lives on in the session: a token-mode app needs its token.
  if (isTokenMode(req) && (req.session.flow || req.session.captcha || req.session.providerSignup)) body.session_token = issueSessionToken(req);
  return body;
}

/** The API's one error handler: `{error: {code, message}}` with the AppError's status; logs only 5xx. */
export function jsonErrors(logger: Logger, auth: AuthService): ErrorRequestHandler {
  return async function apiErrorHandler(err, req, res, _next) {
    const appErr = toApiError(err);
    if (!startErrorResponse(req, res, appErr, { logger, level: 'error', msg: 'api request failed' }, err)) {
      res.destroy();
      return;
    }
    if (appErr.status === 401) challenge(res);
    res.json(await errorBody(req, appErr, auth));
  };
}
