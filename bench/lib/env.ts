import { randomBytes } from 'node:crypto';
import { cookieName } from '../../src/config/cookies.js';

/** Identity shared by the emulator and the BFF (the emulator checks the client secret, as CloudBase does). */
export const BENCH_ENV = {
  envId: 'bench-env',
  clientId: 'bench-client',
  clientSecret: 'bench-client-secret',
  // Production refuses guessable secrets: a fresh random one per run.
  sessionSecret: randomBytes(36).toString('base64url'),
  // The BFF runs with NODE_ENV=production, which requires an https PUBLIC_ORIGIN (so the cookie is __Host-, Secure).
  publicOrigin: 'https://bench.invalid',
  /** 32 random bytes: seals the tokens in sessions */
  tokenKeys: `bench:${randomBytes(32).toString('base64url')}`,
  cookieName: cookieName('session', true),
  keyPrefix: 'cbg:',
  proxyName: 'echo',
  refreshSkewS: 60,
};
