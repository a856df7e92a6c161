import { z } from 'zod';
import { apiOriginOf, publicOriginOf, type Env } from './env.js';
import { looksRandom } from './fields.js';
import { weakSecretReason } from './secret-strength.js';

/** A variable that failed its own rule holds z.NEVER here; rules over several variables skip it (it is reported already). */
const valid = (...values: unknown[]) => values.every((v) => v !== z.NEVER);

/**
 * Rules over several variables and the production posture. They run even when some variable failed its own rule
 * (`when`), so start-up lists every problem at once; a rule whose input failed is skipped.
 */
export function crossFieldRules(env: Env, ctx: z.RefinementCtx): void {
  const problem = (variable: keyof Env, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
  const production = env.NODE_ENV === 'production';

  const secrets = env.SESSION_SECRET;
  if (valid(secrets) && secrets.length === 0 && production) {
    problem('SESSION_SECRET', 'SESSION_SECRET is required in production (comma-separated; the first signs)');
  } else if (valid(secrets) && production) {
    // Every secret verifies cookies, so an old weak one is as bad as a weak first one.
    secrets.forEach((secret, i) => {
      const weak = weakSecretReason(secret);
      if (weak) {
        problem(
          'SESSION_SECRET',
          `SESSION_SECRET: secret ${i + 1} of ${secrets.length} is ${weak}; in production every secret must be at least 32 random characters (e.g. \`openssl rand -base64 48\`)`,
        );
      }
    });
  }

  const keys = env.TOKEN_ENCRYPTION_KEYS;
  if (keys === undefined && production) {
    problem('TOKEN_ENCRYPTION_KEYS', 'TOKEN_ENCRYPTION_KEYS is required in production (comma-separated 32-byte base64 keys; the first encrypts)');
  } else if (keys !== undefined && valid(keys) && production) {
    keys.forEach(({ key }, i) => {
      if (!looksRandom(Buffer.from(key, 'base64url'))) {
        problem(
          'TOKEN_ENCRYPTION_KEYS',
          `TOKEN_ENCRYPTION_KEYS: entry ${i + 1} is not random (text or a repeated pattern in base64); make one with: openssl rand -base64 32`,
        );
      }
    });
  }

  if (valid(env.SESSION_IDLE_TIMEOUT_S, env.SESSION_ABSOLUTE_TIMEOUT_S) && env.SESSION_ABSOLUTE_TIMEOUT_S < env.SESSION_IDLE_TIMEOUT_S) {
    problem('SESSION_ABSOLUTE_TIMEOUT_S', 'SESSION_ABSOLUTE_TIMEOUT_S must not be shorter than SESSION_IDLE_TIMEOUT_S');
  }
  if (valid(env.LIMIT_LOGIN_BLOCK_S, env.LIMIT_LOGIN_BLOCK_MAX_S) && env.LIMIT_LOGIN_BLOCK_MAX_S < env.LIMIT_LOGIN_BLOCK_S) {
    problem('LIMIT_LOGIN_BLOCK_MAX_S', 'LIMIT_LOGIN_BLOCK_MAX_S must not be shorter than LIMIT_LOGIN_BLOCK_S');
  }
  if (valid(env.LIMIT_SMS_PER_PHONE_HOUR, env.LIMIT_SMS_PER_PHONE_DAY) && env.LIMIT_SMS_PER_PHONE_DAY < env.LIMIT_SMS_PER_PHONE_HOUR) {
    problem('LIMIT_SMS_PER_PHONE_DAY', 'LIMIT_SMS_PER_PHONE_DAY must not be lower than LIMIT_SMS_PER_PHONE_HOUR');
  }

  if (env.REDIS_URL && env.REDIS_CLUSTER_NODES) problem('REDIS_URL', 'Set either REDIS_URL or REDIS_CLUSTER_NODES, not both');
  if (production && !env.REDIS_URL && !env.REDIS_CLUSTER_NODES) {
    problem('REDIS_URL', 'REDIS_URL is required in production (or REDIS_CLUSTER_NODES for Redis Cluster)');
  }

  if (production) {
    if (env.CLOUDBASE_ENV_ID === undefined) {
      problem('CLOUDBASE_ENV_ID', 'CLOUDBASE_ENV_ID is required in production (the emulator is for development)');
    }
    if (!env.CLOUDBASE_CLIENT_ID) problem('CLOUDBASE_CLIENT_ID', 'CLOUDBASE_CLIENT_ID is required in production');
    if (!env.CLOUDBASE_CLIENT_SECRET) problem('CLOUDBASE_CLIENT_SECRET', 'CLOUDBASE_CLIENT_SECRET is required in production');
    if (valid(env.CLOUDBASE_API_ORIGIN, env.CLOUDBASE_ALLOW_HTTP) && apiOriginOf(env)?.startsWith('http:') && !env.CLOUDBASE_ALLOW_HTTP) {
      problem(
        'CLOUDBASE_API_ORIGIN',
        'CLOUDBASE_API_ORIGIN must be https in production: the client secret and the tokens would cross the network in clear (set CLOUDBASE_ALLOW_HTTP=true only for a private network you trust)',
      );
    }
    const publicOrigin = valid(env.PUBLIC_ORIGIN) ? publicOriginOf(env) : undefined;
    if (valid(env.PUBLIC_ORIGIN) && !publicOrigin?.startsWith('https:')) {
      problem(
        'PUBLIC_ORIGIN',
        `PUBLIC_ORIGIN must be the https origin people use in production, e.g. https://app.example.com (got ${publicOrigin ?? 'nothing'}): without it session cookies are not Secure and Origin checks trust the Host header`,
      );
    }
  }

  if (production && env.LOG_FORMAT === 'pretty') {
    problem('LOG_FORMAT', 'LOG_FORMAT=pretty is for development: production logs are JSON lines (and pino-pretty is a development dependency)');
  }

  if (valid(env.PORT, env.METRICS_PORT) && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
    problem('METRICS_PORT', `METRICS_PORT must differ from PORT (both ${env.PORT})`);
  }
}
