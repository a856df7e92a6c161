import { Router, type Request } from 'express';
import { z } from 'zod';
import { EmulatorError, fail } from './errors.js';
import { publicJwks } from './keys.js';
import { captchaKey, createUser } from './operations/index.js';
import { normalizeEmail, phoneDigits } from './rules.js';
import { resetState, seededRandom, type EmulatorState } from './state.js';

const share = z.number().min(0).max(1);
const millis = z.number().int().min(0).max(60_000);

const configPatch = z
  .object({
    access_token_ttl_s: z.number().int().min(1),
    refresh_token_ttl_s: z.number().int().min(1),
    latency_ms: z.number().int().min(0).max(60_000),
    sms_cooldown_s: z.number().int().min(0),
    fail: z.record(z.string(), z.string()),
    fail_rate: z.record(
      z.string(),
      z.union([share, z.object({ rate: share, error: z.string().min(1).optional() }).strict()]),
    ),
    latency: z.record(
      z.string(),
      z.object({ ms: millis, jitter_ms: millis.optional(), rate: share.optional() }).strict(),
    ),
    seed: z.number().int(),
  })
  .partial()
  .strict();

function queryString(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Test-only routes real CloudBase lacks, mounted at /__emulator (no auth): read sent codes, reset, stats, config,
 * seed users, solve captchas, fetch the signing key.
 */
export function createControlRouter(state: EmulatorState): Router {
  const router = Router();

  // '+' in a query string decodes to a space, so phones are compared by their digits only.
  router.get('/sms', (req, res) => {
    const phone = queryString(req, 'phone_number');
    const email = queryString(req, 'email');
    if (!phone && !email) fail('invalid_argument', 'phone_number or email is required');
    const wanted = phone ? phoneDigits(phone) : normalizeEmail(email ?? '');
    for (const [to, code] of state.lastCodes) {
      if ((phone ? phoneDigits(to) : to) === wanted) {
        res.json({ verification_code: code });
        return;
      }
    }
    fail('not_found', 'no code was sent to that number');
  });

  router.get('/sms/all', (_req, res) => {
    res.json({ messages: state.sentCodes });
  });

  router.post('/reset', (_req, res) => {
    resetState(state);
    res.json({});
  });

  router.get('/stats', (_req, res) => {
    res.json({ calls: Object.fromEntries(state.calls) });
  });

  router.get('/config', (_req, res) => {
    res.json(state.config);
  });

  /**
   * Partial update; a given `fail`, `fail_rate` or `latency` map replaces the old one (send `{}` to clear it), and a
   * given `seed` restarts the draws.
   */
  router.put('/config', (req, res) => {
    const parsed = configPatch.safeParse(req.body ?? {});
    if (!parsed.success) {
      fail('invalid_argument', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    }
    state.config = { ...state.config, ...parsed.data };
    if (parsed.data.seed !== undefined) state.random = seededRandom(parsed.data.seed);
    res.json(state.config);
  });

  router.post('/users', async (req, res) => {
    res.status(201).json(await createUser(state, (req.body ?? {}) as Record<string, unknown>));
  });

  router.get('/captcha', (req, res) => {
    const key = captchaKey(state, queryString(req, 'token') ?? '');
    if (key === undefined) throw EmulatorError.of('not_found', 'no pending captcha with that token');
    res.json({ key });
  });

  router.get('/jwks', async (_req, res) => {
    res.json(await publicJwks(state.key));
  });

  return router;
}
