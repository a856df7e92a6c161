import { loadConfig, ConfigError, withApiOrigin, type Config } from '../../src/config/index.js';

const prodBase = {
  NODE_ENV: 'production',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SESSION_SECRET: 'a'.repeat(32),
  CLOUDBASE_ENV_ID: 'my-env-1a2b',
  CLOUDBASE_CLIENT_ID: 'client-1',
  CLOUDBASE_CLIENT_SECRET: 'shh',
  PUBLIC_ORIGIN: 'https://app.example.com',
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

describe('loadConfig', () => {
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
      expect(problemsOf({ ...prodBase, SESSION_SECRET: `${'a'.repeat(32)},short` })).toEqual([
        expect.stringMatching(/SESSION_SECRET: every secret must be at least 32/),
      ]);
    });

    it('warns when PUBLIC_ORIGIN is missing', () => {
      const config = loadConfig({ ...prodBase, PUBLIC_ORIGIN: undefined });
      expect(config.warnings).toEqual([expect.stringMatching(/PUBLIC_ORIGIN/)]);
    });
  });

  describe('PUBLIC_ORIGIN', () => {
    it('turns on Secure and the __Host- prefix for https', () => {
      const config = loadConfig({ PUBLIC_ORIGIN: 'https://app.example.com' });
      expect(config.publicOrigin).toBe('https://app.example.com');
      expect(config.session.secureCookie).toBe(true);
      expect(config.session.cookieName).toBe('__Host-cbg.sid');
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
  });

  describe('LIMIT_*', () => {
    it('has documented defaults', () => {
      expect(loadConfig({}).limits).toEqual({
        login: { failuresPerAccount: 5, failuresPerIp: 50, windowS: 900, blockS: 60, blockMaxS: 900 },
        sms: { cooldownS: 60, perPhoneHour: 5, perPhoneDay: 10, perIpHour: 30, perSessionHour: 5, codeGuesses: 5 },
        anonymousPerIpHour: 30,
      });
    });

    it('reads each variable, and 0 turns the SMS cooldown off', () => {
      const limits = loadConfig({ LIMIT_LOGIN_FAILURES: '10', LIMIT_SMS_COOLDOWN_S: '0', LIMIT_CODE_GUESSES: '3' }).limits;
      expect(limits.login.failuresPerAccount).toBe(10);
      expect(limits.sms.cooldownS).toBe(0);
      expect(limits.sms.codeGuesses).toBe(3);
    });

    it('names a bad value and refuses inconsistent pairs', () => {
      expect(problemsOf({ LIMIT_LOGIN_FAILURES: '0' })[0]).toMatch(/LIMIT_LOGIN_FAILURES must be between/);
      expect(problemsOf({ LIMIT_SMS_PER_IP_HOUR: 'many' })[0]).toMatch(/LIMIT_SMS_PER_IP_HOUR must be a whole number/);
      expect(problemsOf({ LIMIT_LOGIN_BLOCK_S: '600', LIMIT_LOGIN_BLOCK_MAX_S: '60' })).toEqual([
        expect.stringMatching(/LIMIT_LOGIN_BLOCK_MAX_S must not be shorter than LIMIT_LOGIN_BLOCK_S/),
      ]);
      expect(problemsOf({ LIMIT_SMS_PER_PHONE_HOUR: '20', LIMIT_SMS_PER_PHONE_DAY: '10' })).toEqual([
        expect.stringMatching(/LIMIT_SMS_PER_PHONE_DAY must not be lower/),
      ]);
    });
  });

  it('names an unknown NODE_ENV', () => {
    expect(problemsOf({ NODE_ENV: 'staging' })[0]).toMatch(/NODE_ENV/);
  });

  it('names an unknown LOG_LEVEL', () => {
    expect(problemsOf({ LOG_LEVEL: 'loud' })[0]).toMatch(/LOG_LEVEL/);
  });
});
