import { Router, type Request } from 'express';
import { z } from 'zod';
import { EmulatorError, fail } from './errors.js';
import { publicJwks } from './keys.js';
import { customLoginCredentials } from './custom-login.js';
import { captchaKey, createUser, fakeIdentity, issueProviderCode } from './operations/index.js';
import { providerInput, toProviderOutput } from './providers.js';
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
    provider_token_ttl_s: z.number().int().min(1),
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

const providersBody = z.object({ providers: z.array(providerInput).max(50) }).strict();
const nativeCodeBody = z
  .object({ sub: z.string().min(1).max(128), name: z.string().max(128), email: z.string().max(254), picture: z.string().max(2048) })
  .partial()
  .strict();

function invalid(error: z.ZodError): never {
  fail('invalid_argument', error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
}

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

  router.get('/providers', (_req, res) => {
    res.json({ providers: [...state.providers.values()].map(toProviderOutput) });
  });

  /** Replaces the set of enabled providers (`{providers: [{id, name?, auto_sign_up?}]}`); `reset` restores the start set. */
  router.put('/providers', (req, res) => {
    const parsed = providersBody.safeParse(req.body ?? {});
    if (!parsed.success) invalid(parsed.error);
    const ids = parsed.data.providers.map((p) => p.id);
    if (new Set(ids).size !== ids.length) fail('invalid_argument', 'providers: an id is listed twice');
    state.providers.clear();
    for (const p of parsed.data.providers) state.providers.set(p.id, p);
    res.json({ providers: parsed.data.providers.map(toProviderOutput) });
  });

  /**
   * A provider code as a native app or mini program gets one (no redirect URI): `{sub?, name?, email?, picture?}`,
   * defaulting to the authorize page's identity. Exchange it with `POST /provider/token` and `provider_code` (or
   * `provider_params.code`) and no `provider_redirect_uri`.
   */
  router.post('/provider/:id/code', (req, res) => {
    const parsed = nativeCodeBody.safeParse(req.body ?? {});
    if (!parsed.success) invalid(parsed.error);
    const id = typeof req.params.id === 'string' ? req.params.id : '';
    const identity = { ...fakeIdentity(state, id), ...parsed.data, providerId: id };
    res.status(201).json({ code: issueProviderCode(state, identity, undefined) });
  });

  router.get('/custom-login-key', (_req, res) => {
    res.json(customLoginCredentials(state));
  });

  router.get('/jwks', async (_req, res) => {
    res.json(await publicJwks(state.key));
  });

  return router;
}
