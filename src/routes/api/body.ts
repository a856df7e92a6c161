import express, { type RequestHandler } from 'express';
import type { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import { rejectHostileBody } from '../../http/body-guard.js';
import type { MessageKey } from '../../i18n/index.js';

const fieldError = (key: MessageKey, field: string) => new AppError('invalid_input', { messageKey: key, field });

function hasBody(headers: { 'transfer-encoding'?: string; 'content-length'?: string }): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

/**
 * JSON in only: a body of any other type is 415; then express.json (16 kB, objects and arrays only) and the shared
 * hostile-body guard (prototype keys, control characters).
 */
export function jsonBody(): RequestHandler[] {
  const onlyJson: RequestHandler = function onlyJson(req, _res, next) {
    if (hasBody(req.headers) && !req.is('application/json')) {
      return next(new AppError('unsupported_media_type', { messageKey: 'api.unsupported_media_type' }));
    }
    next();
  };
  return [onlyJson, express.json({ limit: '16kb', strict: true }), rejectHostileBody()];
}

/**
 * The body checked against its schema (strings only, lengths, no unknown keys); a missing body counts as `{}`. The
 * 400 names the first field at fault.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const input: unknown = body ?? {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AppError('invalid_input', { messageKey: 'api.body_not_object' });
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') throw fieldError('api.field_unknown', issue.keys[0] ?? '');
  const field = String(issue.path[0] ?? '');
  const given = (input as Record<string, unknown>)[field];
  if (given === undefined || (issue.code === 'too_small' && given === '')) throw fieldError('api.field_missing', field);
  if (issue.code === 'invalid_type') throw fieldError('api.field_type', field);
  if (issue.code === 'too_big') throw fieldError('api.field_too_long', field);
  throw fieldError('api.field_invalid', field);
}
