import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import yaml from 'js-yaml';
import { loadConfig, ConfigError, withApiOrigin, type Config } from '../../src/config/index.js';
import { COOKIES } from '../../src/config/cookies.js';

/** As `openssl rand -base64 33` makes one: production accepts only secrets like this. */
const STRONG_SECRET = 'q7Vx2LmP9sK4tR1wZ8nB3cY6hJ0dF5gA2eU7iO4p';

const prodBase = {
  NODE_ENV: 'production',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SESSION_SECRET: STRONG_SECRET,
  CLOUDBASE_ENV_ID: 'my-env-1a2b',
  CLOUDBASE_CLIENT_ID: 'client-1',
  CLOUDBASE_CLIENT_SECRET: 'shh',
  PUBLIC_ORIGIN: 'https://app.example.com',
  TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected loadConfig to throw');
}

describe('when the configuration is read from the environment', () => {
  describe('with an empty environment (development)', () => {
    const config = loadConfig({});

    it('uses the documented defaults', () => {
      expect(config.port).toBe(3000);
      expect(config.production).toBe(false);
      expect(config.cloudbase.region).toBe('ap-shanghai');
      expect(config.cloudbase.embeddedEmulator).toBe(true);
      expect(config.cloudbase.apiOrigin).toBeUndefined();
      expect(config.redis.keyPrefix).toBe('cbg:');
      expect(config.emulatorPort).toBe(8787);
      expect(config.session.idleTimeoutS).toBe(1800);
      expect(config.session.absoluteTimeoutS).toBe(7 * 24 * 3600);
      expect(config.refreshSkewS).toBe(60);
      expect(config.shutdown).toEqual({ delayMs: 0, graceMs: 10_000 });
    });

    it('makes up a session secret and warns about it and about the in-process store', () => {
      expect(config.session.secrets).toHaveLength(1);
      expect(config.session.secrets[0]!.length).toBeGreaterThanOrEqual(32);
      expect(config.warnings.join('\n')).toMatch(/SESSION_SECRET/);
      expect(config.warnings.join('\n')).toMatch(/REDIS_URL/);
    });

    it('is frozen all the way down', () => {
      expect(Object.isFrozen(config)).toBe(true);
      expect(Object.isFrozen(config.session)).toBe(true);
      expect(Object.isFrozen(config.session.secrets)).toBe(true);
      expect(() => {
        (config as { port: number }).port = 1;
      }).toThrow(TypeError);
    });

    it('uses a plain cookie name without Secure', () => {
      expect(config.session.secureCookie).toBe(false);
      // On purpose the one literal of the cookie's name in the tests: it is public (apps and proxies may key on it), so
      // renaming it in src/config/cookies.ts must fail here. Every other test imports COOKIES.
      expect(config.session.cookieName).toBe('cbg.sid');
    });
  });

  describe('in production', () => {
    it('accepts a complete environment', () => {
      const config = loadConfig(prodBase);
      expect(config.production).toBe(true);
      expect(config.cloudbase.apiOrigin).toBe('https://my-env-1a2b.ap-shanghai.tcb-api.tencentcloudapi.com');
      expect(config.cloudbase.clientSecret).toBe('shh');
      expect(config.warnings).toEqual([]);
    });

    it.each([
      ['REDIS_URL', /REDIS_URL is required/],
      ['SESSION_SECRET', /SESSION_SECRET is required/],
      ['CLOUDBASE_ENV_ID', /CLOUDBASE_ENV_ID is required/],
      ['CLOUDBASE_CLIENT_ID', /CLOUDBASE_CLIENT_ID is required/],
      ['CLOUDBASE_CLIENT_SECRET', /CLOUDBASE_CLIENT_SECRET is required/],
      ['TOKEN_ENCRYPTION_KEYS', /TOKEN_ENCRYPTION_KEYS is required/],
    ])('names %s when it is missing', (name, message) => {
      const problems = problemsOf({ ...prodBase, [name]: undefined });
      expect(problems).toEqual([expect.stringMatching(message)]);
    });

    it('lists every problem at once', () => {
      const problems = problemsOf({ NODE_ENV: 'production' });
      expect(problems.length).toBeGreaterThanOrEqual(5);
    });

    it('accepts REDIS_CLUSTER_NODES instead of REDIS_URL', () => {
      const config = loadConfig({ ...prodBase, REDIS_URL: undefined, REDIS_CLUSTER_NODES: '127.0.0.1:7000, 127.0.0.1:7001' });
      expect(config.redis.clusterNodes).toEqual([
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
      ]);
    });

    it('waits for no replica by default, and for the replicas asked within the timeout asked', () => {
      expect(loadConfig(prodBase).redis.wait).toEqual({ replicas: 0, timeoutMs: 250 });
      expect(loadConfig({ ...prodBase, REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '100' }).redis.wait).toEqual({ replicas: 1, timeoutMs: 100 });
    });

    it('names REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT_MS when they are not whole numbers in range', () => {
      expect(problemsOf({ ...prodBase, REDIS_WAIT_REPLICAS: 'one', REDIS_WAIT_TIMEOUT_MS: '0' })).toEqual([
        expect.stringMatching(/^REDIS_WAIT_REPLICAS must be a whole number, got "one"/),
        expect.stringMatching(/^REDIS_WAIT_TIMEOUT_MS must be between 10 and 1000/),
      ]);
    });

    it('refuses short session secrets', () => {
      expect(problemsOf({ ...prodBase, SESSION_SECRET: `${STRONG_SECRET},short` })).toEqual([
        expect.stringMatching(/SESSION_SECRET: secret 2 of 2 is shorter than 32 characters/),
      ]);
    });

    it('refuses to start without PUBLIC_ORIGIN', () => {
      expect(problemsOf({ ...prodBase, PUBLIC_ORIGIN: undefined })).toEqual([expect.stringMatching(/^PUBLIC_ORIGIN must be the https origin/)]);
    });
  });

  describe('PUBLIC_ORIGIN', () => {
    it('turns on Secure and the __Host- prefix for https', () => {
      const config = loadConfig({ PUBLIC_ORIGIN: 'https://app.example.com' });
      expect(config.publicOrigin).toBe('https://app.example.com');
      expect(config.session.secureCookie).toBe(true);
      expect(config.session.cookieName).toBe(`__Host-${COOKIES.session}`);
    });

    it('keeps a plain cookie for http', () => {
      const config = loadConfig({ PUBLIC_ORIGIN: 'http://localhost:3000/' });
      expect(config.publicOrigin).toBe('http://localhost:3000');
      expect(config.session.secureCookie).toBe(false);
    });

    it.each(['app.example.com', 'ftp://x.example', 'https://x.example/path', 'https://x.example/?a=1'])(
      'refuses %s',
      (value) => {
        expect(problemsOf({ PUBLIC_ORIGIN: value })).toEqual([expect.stringMatching(/^PUBLIC_ORIGIN must be an origin/)]);
      },
    );
  });

  describe('SESSION_SECRET', () => {
    it('splits the comma-separated list, first one signing', () => {
      const config = loadConfig({ SESSION_SECRET: 'new-secret , old-secret,' });
      expect(config.session.secrets).toEqual(['new-secret', 'old-secret']);
    });
  });

  describe('numbers', () => {
    it.each([
      ['PORT', 'abc', /PORT must be a whole number/],
      ['PORT', '70000', /PORT must be between 0 and 65535/],
      ['SESSION_IDLE_TIMEOUT_S', '-5', /SESSION_IDLE_TIMEOUT_S must be a whole number/],
      ['SESSION_IDLE_TIMEOUT_S', '10', /SESSION_IDLE_TIMEOUT_S must be between/],
      ['EMULATOR_PORT', '1.5', /EMULATOR_PORT must be a whole number/],
      ['CLOUDBASE_TIMEOUT_MS', '0', /CLOUDBASE_TIMEOUT_MS must be between/],
    ])('names %s=%s', (name, value, message) => {
      expect(problemsOf({ [name]: value })).toEqual([expect.stringMatching(message)]);
    });

    it('refuses an absolute timeout shorter than the idle timeout', () => {
      expect(problemsOf({ SESSION_IDLE_TIMEOUT_S: '3600', SESSION_ABSOLUTE_TIMEOUT_S: '600' })).toEqual([
        expect.stringMatching(/SESSION_ABSOLUTE_TIMEOUT_S must not be shorter/),
      ]);
    });
  });

  describe('REDIS_*', () => {
    it.each([
      ['REDIS_URL', 'http://x', /REDIS_URL must start with redis:\/\/ or rediss:\/\//],
      ['REDIS_CLUSTER_NODES', 'a:1,b', /REDIS_CLUSTER_NODES must be a comma-separated list/],
      ['REDIS_KEY_PREFIX', 'bad prefix', /REDIS_KEY_PREFIX may hold only/],
    ])('names %s=%s', (name, value, message) => {
      expect(problemsOf({ [name]: value })).toEqual([expect.stringMatching(message)]);
    });

    it('refuses both REDIS_URL and REDIS_CLUSTER_NODES', () => {
      expect(problemsOf({ REDIS_URL: 'redis://x:1', REDIS_CLUSTER_NODES: 'x:1' })).toEqual([
        expect.stringMatching(/either REDIS_URL or REDIS_CLUSTER_NODES/),
      ]);
    });
  });

  describe('CLOUDBASE_*', () => {
    it('uses CLOUDBASE_API_ORIGIN over the derived host', () => {
      const config = loadConfig({ CLOUDBASE_ENV_ID: 'env-1', CLOUDBASE_API_ORIGIN: 'http://127.0.0.1:8787' });
      expect(config.cloudbase.apiOrigin).toBe('http://127.0.0.1:8787');
      expect(config.cloudbase.clientId).toBe('env-1');
    });

    it('derives the host from the region', () => {
      const config = loadConfig({ CLOUDBASE_ENV_ID: 'env-1', CLOUDBASE_REGION: 'ap-guangzhou' });
      expect(config.cloudbase.apiOrigin).toBe('https://env-1.ap-guangzhou.tcb-api.tencentcloudapi.com');
    });

    it.each([
      ['CLOUDBASE_ENV_ID', 'has space', /CLOUDBASE_ENV_ID must look like/],
      ['CLOUDBASE_REGION', 'shanghai', /CLOUDBASE_REGION must look like/],
      ['CLOUDBASE_API_ORIGIN', 'not a url', /CLOUDBASE_API_ORIGIN must be an origin/],
    ])('names %s=%s', (name, value, message) => {
      expect(problemsOf({ [name]: value })).toEqual([expect.stringMatching(message)]);
    });

    it('fills in the embedded emulator origin afterwards', () => {
      const config: Config = withApiOrigin(loadConfig({}), 'http://127.0.0.1:9999');
      expect(config.cloudbase.apiOrigin).toBe('http://127.0.0.1:9999');
      expect(Object.isFrozen(config.cloudbase)).toBe(true);
    });
  });

  describe('PROXY_ROUTES', () => {
    it('parses a JSON object of names to upstream URLs', () => {
      const config = loadConfig({ PROXY_ROUTES: '{"orders":"https://orders.internal/v1/","inv":"http://127.0.0.1:9000"}' });
      expect(config.proxy.routes).toEqual({ orders: 'https://orders.internal/v1', inv: 'http://127.0.0.1:9000' });
    });

    it.each([
      ['not json', /PROXY_ROUTES must be a JSON object/],
      ['["https://x"]', /PROXY_ROUTES must be a JSON object/],
      ['{"bad name":"https://x"}', /route name "bad name"/],
      ['{"a":"ftp://x"}', /"a" must be a plain http\(s\) URL/],
      ['{"a":"https://user:pw@x"}', /"a" must be a plain http\(s\) URL/],
      ['{"a":42}', /"a" must map to an http\(s\) URL/],
    ])('refuses %s', (value, message) => {
      expect(problemsOf({ PROXY_ROUTES: value })).toEqual([expect.stringMatching(message)]);
    });

    it('refuses __proto__ as a route name and pollutes nothing', () => {
      expect(problemsOf({ PROXY_ROUTES: '{"__proto__":"https://evil.example"}' })).toEqual([
        expect.stringMatching(/route name "__proto__"/),
      ]);
      expect(({} as Record<string, unknown>).href).toBeUndefined();
    });
  });

  describe('TRUST_PROXY', () => {
    it.each([
      ['true', true],
      ['false', false],
      ['2', 2],
      ['loopback, 10.0.0.0/8', 'loopback, 10.0.0.0/8'],
    ])('reads %s', (value, expected) => {
      expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
    });

    it('refuses garbage', () => {
      expect(problemsOf({ TRUST_PROXY: 'yes please!' })).toEqual([expect.stringMatching(/TRUST_PROXY must be/)]);
    });

    it.each(['maybe', 'loopback, 10.0.0.0/33', '10.0.0.1/255.0.0', 'proxy.internal'])('refuses %s, naming TRUST_PROXY', (value) => {
      expect(problemsOf({ TRUST_PROXY: value })).toEqual([expect.stringMatching(/^TRUST_PROXY must be true, false, a hop count/)]);
    });

    it.each(['uniquelocal', '::1/128', '10.0.0.0/255.0.0.0', 'loopback,linklocal, 192.168.1.10'])('accepts %s', (value) => {
      expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(value);
    });
  });

  describe('SHUTDOWN_*', () => {
    it('reads the drain delay and grace, naming a bad value', () => {
      expect(loadConfig({ SHUTDOWN_DELAY_MS: '5000', SHUTDOWN_GRACE_MS: '20000' }).shutdown).toEqual({ delayMs: 5000, graceMs: 20_000 });
      expect(problemsOf({ SHUTDOWN_DELAY_MS: '-1' })[0]).toMatch(/SHUTDOWN_DELAY_MS must be a whole number/);
      expect(problemsOf({ SHUTDOWN_GRACE_MS: '0' })[0]).toMatch(/SHUTDOWN_GRACE_MS must be between 100 and 600000/);
    });
  });

  describe('LIMIT_*', () => {
    it('has documented defaults', () => {
      expect(loadConfig({}).limits).toEqual({
        login: {
          failuresPerAccount: 5,
          failuresPerAccountIp: 3,
          failuresPerDevice: 5,
          failuresPerIp: 50,
          windowS: 900,
          blockS: 60,
          blockMaxS: 900,
          failureMinMs: 500,
        },
        sms: { cooldownS: 60, perPhoneHour: 5, perPhoneDay: 10, perIpHour: 30, perSessionHour: 5, codeGuesses: 5 },
        anonymousPerIpHour: 30,
      });
    });

    it('reads each variable, and 0 turns the SMS cooldown off', () => {
      const limits = loadConfig({
        LIMIT_LOGIN_FAILURES: '10',
        LIMIT_LOGIN_ACCOUNT_IP_FAILURES: '4',
        LIMIT_LOGIN_DEVICE_FAILURES: '7',
        LIMIT_LOGIN_FAILURE_MIN_MS: '0',
        LIMIT_SMS_COOLDOWN_S: '0',
        LIMIT_CODE_GUESSES: '3',
      }).limits;
      expect(limits.login.failuresPerAccount).toBe(10);
      expect(limits.login.failuresPerAccountIp).toBe(4);
      expect(limits.login.failuresPerDevice).toBe(7);
      expect(limits.login.failureMinMs).toBe(0);
      expect(limits.sms.cooldownS).toBe(0);
      expect(limits.sms.codeGuesses).toBe(3);
    });

    it('names a bad value and refuses inconsistent pairs', () => {
      expect(problemsOf({ LIMIT_LOGIN_FAILURES: '0' })[0]).toMatch(/LIMIT_LOGIN_FAILURES must be between/);
      expect(problemsOf({ LIMIT_LOGIN_DEVICE_FAILURES: '0' })[0]).toMatch(/LIMIT_LOGIN_DEVICE_FAILURES must be between/);
      expect(problemsOf({ LIMIT_LOGIN_FAILURE_MIN_MS: '20000' })[0]).toMatch(/LIMIT_LOGIN_FAILURE_MIN_MS must be between 0 and 10000/);
      expect(problemsOf({ LIMIT_SMS_PER_IP_HOUR: 'many' })[0]).toMatch(/LIMIT_SMS_PER_IP_HOUR must be a whole number/);
      expect(problemsOf({ LIMIT_LOGIN_BLOCK_S: '600', LIMIT_LOGIN_BLOCK_MAX_S: '60' })).toEqual([
        expect.stringMatching(/LIMIT_LOGIN_BLOCK_MAX_S must not be shorter than LIMIT_LOGIN_BLOCK_S/),
      ]);
      expect(problemsOf({ LIMIT_SMS_PER_PHONE_HOUR: '20', LIMIT_SMS_PER_PHONE_DAY: '10' })).toEqual([
        expect.stringMatching(/LIMIT_SMS_PER_PHONE_DAY must not be lower/),
      ]);
    });
  });

  it('lists problems of single variables and of rules across variables together', () => {
    const problems = problemsOf({ NODE_ENV: 'production', TRUST_PROXY: 'maybe', PORT: 'abc', LIMIT_LOGIN_BLOCK_S: '600', LIMIT_LOGIN_BLOCK_MAX_S: '60' });
    const named = problems.map((p) => p.split(/[: ]/)[0]);
    for (const name of ['TRUST_PROXY', 'PORT', 'SESSION_SECRET', 'TOKEN_ENCRYPTION_KEYS', 'LIMIT_LOGIN_BLOCK_MAX_S', 'REDIS_URL', 'CLOUDBASE_ENV_ID', 'PUBLIC_ORIGIN']) {
      expect(named).toContain(name);
    }
    // PORT failed its own rule, so the METRICS_PORT rule that compares with it is skipped rather than guessed.
    expect(named).not.toContain('METRICS_PORT');
  });

  it('does not add a posture problem about a variable that failed its own rule', () => {
    expect(problemsOf({ ...prodBase, PUBLIC_ORIGIN: 'app.example.com' })).toEqual([expect.stringMatching(/^PUBLIC_ORIGIN must be an origin/)]);
    expect(problemsOf({ ...prodBase, CLOUDBASE_API_ORIGIN: 'http://x.internal/path' })).toEqual([
      expect.stringMatching(/^CLOUDBASE_API_ORIGIN must be an origin/),
    ]);
  });

  it('names an unknown NODE_ENV', () => {
    expect(problemsOf({ NODE_ENV: 'staging' })[0]).toMatch(/NODE_ENV/);
  });

  describe('LOG_FORMAT', () => {
    it('reads json and pretty, and empty as unset', () => {
      expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
      expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
      expect(loadConfig({ LOG_FORMAT: '' }).logFormat).toBeUndefined();
    });

    it('names a bad value, and refuses pretty in production', () => {
      expect(problemsOf({ LOG_FORMAT: 'colour' })).toEqual([expect.stringMatching(/^LOG_FORMAT: /)]);
      expect(problemsOf({ ...prodBase, LOG_FORMAT: 'pretty' })).toEqual([expect.stringMatching(/^LOG_FORMAT=pretty is for development/)]);
    });
  });

  it('names an unknown LOG_LEVEL', () => {
    expect(problemsOf({ LOG_LEVEL: 'loud' })[0]).toMatch(/LOG_LEVEL/);
  });
});

describe('production start-up posture', () => {
  const composeFile = yaml.safeLoad(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
    services: Record<string, { environment?: Record<string, string>; ports?: string[]; build?: unknown; image?: string }>;
  };

  describe('when SESSION_SECRET is guessable', () => {
    it.each([
      ['the placeholder docker-compose.yml used to ship', 'change-me-to-a-long-random-string-of-32-chars-or-more'],
      ['the test suite secret', 'test-session-secret-0123456789abcdef'],
      ['a placeholder in other words', 'please-REPLACE_ME-with-something-long-and-random-9'],
      ['a sample value', 'my-example-session-key-for-the-gateway-2024!'],
      ['one letter 40 times', 'a'.repeat(40)],
      ['a short pattern repeated', 'Ab3$Ab3$Ab3$Ab3$Ab3$Ab3$Ab3$Ab3$Ab3$'],
      ['runs of a few letters', 'aaaaaaaabbbbbbbbccccccccdddddddd'],
      ['digits only', '01234567890123456789012345678901234'],
      ['too few distinct characters', 'abcabcabcdabcabcabcdabcabcabcdabcabcabcdxy'],
    ])('refuses %s, naming the variable', (_what, secret) => {
      const problems = problemsOf({ ...prodBase, SESSION_SECRET: secret });
      expect(problems).toEqual([expect.stringMatching(/^SESSION_SECRET: secret 1 of 1 is (a placeholder|a short pattern|too little variety)/)]);
    });

    it('refuses a weak secret anywhere in the rotation list (every one verifies cookies)', () => {
      expect(problemsOf({ ...prodBase, SESSION_SECRET: `${STRONG_SECRET}, ${'x'.repeat(40)}` })).toEqual([expect.stringMatching(/secret 2 of 2/)]);
    });

    it('refuses the SESSION_SECRET of docker-compose.yml and .env.example, if either sets one', () => {
      const fromCompose = composeFile.services.bff?.environment?.SESSION_SECRET;
      const fromExample = /^SESSION_SECRET=(.*)$/m.exec(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8'))?.[1]?.trim();
      for (const secret of [fromCompose, fromExample]) {
        if (secret) expect(problemsOf({ ...prodBase, SESSION_SECRET: secret }).join('\n')).toMatch(/SESSION_SECRET/);
      }
    });

    it.each(Array.from({ length: 20 }, () => [randomBytes(24).toString('base64url')]))('accepts random secret %s', (secret) => {
      expect(() => loadConfig({ ...prodBase, SESSION_SECRET: secret })).not.toThrow();
    });

    it('accepts hex with only 8 distinct characters (random hex of 32 shows 11 or fewer about 2 times in 100)', () => {
      expect(() => loadConfig({ ...prodBase, SESSION_SECRET: '0a1b2c3d0a1b2c3d1a0b3c2d1b0a3d2c' })).not.toThrow();
    });

    it('accepts `openssl rand -hex 16` output', () => {
      expect(() => loadConfig({ ...prodBase, SESSION_SECRET: randomBytes(16).toString('hex') })).not.toThrow();
    });
  });

  describe('when the sealing key has a long id', () => {
    const keyWithId = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

    it('warns past 11 characters (the user index then leaves Redis\'s compact form), naming the id', () => {
      const config = loadConfig({ ...prodBase, TOKEN_ENCRYPTION_KEYS: keyWithId('rotation-2026b') });
      expect(config.warnings).toEqual([expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: the first key's id "rotation-2026b" is longer than 11/)]);
    });

    it('says nothing for 11 characters, nor for a long id that only opens', () => {
      expect(loadConfig({ ...prodBase, TOKEN_ENCRYPTION_KEYS: keyWithId('r2026-nov-b') }).warnings).toEqual([]);
      expect(loadConfig({ ...prodBase, TOKEN_ENCRYPTION_KEYS: `${keyWithId('k9')},${keyWithId('an-older-long-key-id')}` }).warnings).toEqual([]);
    });
  });

  describe('when CloudBase would be reached over plain http', () => {
    it('refuses http://, naming CLOUDBASE_API_ORIGIN and the opt-out', () => {
      const problems = problemsOf({ ...prodBase, CLOUDBASE_API_ORIGIN: 'http://cloudbase.internal:8080' });
      expect(problems).toEqual([expect.stringMatching(/^CLOUDBASE_API_ORIGIN must be https in production.*CLOUDBASE_ALLOW_HTTP=true/)]);
    });

    it('starts with CLOUDBASE_ALLOW_HTTP=true, and warns', () => {
      const config = loadConfig({ ...prodBase, CLOUDBASE_API_ORIGIN: 'http://cloudbase.internal:8080', CLOUDBASE_ALLOW_HTTP: 'true' });
      expect(config.cloudbase.apiOrigin).toBe('http://cloudbase.internal:8080');
      expect(config.warnings).toEqual([expect.stringMatching(/CLOUDBASE_API_ORIGIN is plain http/)]);
    });

    it('accepts https, and the default origin, without the opt-out', () => {
      expect(loadConfig({ ...prodBase, CLOUDBASE_API_ORIGIN: 'https://cloudbase.internal' }).warnings).toEqual([]);
      expect(loadConfig(prodBase).cloudbase.apiOrigin).toMatch(/^https:/);
    });

    it.each(['yes', '1', 'on'])('refuses CLOUDBASE_ALLOW_HTTP=%s', (value) => {
      expect(problemsOf({ ...prodBase, CLOUDBASE_ALLOW_HTTP: value })).toEqual([expect.stringMatching(/^CLOUDBASE_ALLOW_HTTP must be true or false/)]);
    });

    it('does not apply outside production (the emulator runs on http)', () => {
      expect(() => loadConfig({ CLOUDBASE_ENV_ID: 'dev-env', CLOUDBASE_API_ORIGIN: 'http://127.0.0.1:8787' })).not.toThrow();
    });
  });

  describe('when PUBLIC_ORIGIN is not https', () => {
    it.each(['http://app.example.com', 'http://localhost:3000'])('refuses %s', (origin) => {
      expect(problemsOf({ ...prodBase, PUBLIC_ORIGIN: origin })).toEqual([expect.stringMatching(/^PUBLIC_ORIGIN must be the https origin.*got http:/)]);
    });
  });

  it('lists every posture problem at once', () => {
    const problems = problemsOf({ ...prodBase, SESSION_SECRET: 'change-me-to-a-long-random-string-of-32-chars-or-more', CLOUDBASE_API_ORIGIN: 'http://x.internal', PUBLIC_ORIGIN: 'http://x.example' });
    expect(problems.map((p) => p.split(/[: ]/)[0])).toEqual(['SESSION_SECRET', 'CLOUDBASE_API_ORIGIN', 'PUBLIC_ORIGIN']);
  });

  describe('docker-compose.yml', () => {
    it('publishes the emulator (whose control routes hand out every code) on loopback only, if at all', () => {
      const ports = composeFile.services.emulator?.ports ?? [];
      for (const p of ports) expect(String(p)).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    });

    it('publishes nothing of the development stack beyond loopback', () => {
      for (const [name, svc] of Object.entries(composeFile.services)) {
        for (const p of svc.ports ?? []) expect([name, String(p)]).toEqual([name, expect.stringMatching(/^127\.0\.0\.1:/)]);
      }
    });

    it('builds the image once and runs both the emulator and the gateway from it', () => {
      const built = Object.values(composeFile.services).filter((svc) => svc.build !== undefined);
      expect(built).toHaveLength(1);
      expect(built[0]!.image).toEqual(expect.any(String));
      expect(composeFile.services.bff?.image).toBe(built[0]!.image);
      expect(composeFile.services.emulator?.image).toBe(built[0]!.image);
    });

    it("gives the gateway a configuration it starts with, and that production would refuse", () => {
      const env = composeFile.services.bff!.environment!;
      expect(env.NODE_ENV).not.toBe('production');
      expect(() => loadConfig(env)).not.toThrow();
      expect(() => loadConfig({ ...env, NODE_ENV: 'production' })).toThrow(ConfigError);
    });
  });
});
