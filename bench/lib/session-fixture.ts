import { randomBytes, randomUUID } from 'node:crypto';

/** The BFF's session as the `stock-session` baseline stores it: same fields, same token sizes (see src/session/types.ts). */
export interface BenchSession {
  created: number;
  seen: number;
  did: string;
  auth: { at: string; rt: string; exp: number; sub: string; sc: string };
  user: {
    sub: string;
    name: string;
    username: string;
    email: string;
    phone_number: string;
    picture: string;
    anonymous: boolean;
  };
  ua: string;
  ip: string;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/**
 * An RS256-shaped JWT of about `length` characters: CloudBase's claims, a 2048-bit signature (342 characters), padded
 * in the payload to the wanted size. Never verified by anyone: only its size matters.
 */
export function fakeJwt(length = 900, sub = '1234567890123456789'): string {
  const header = b64({ alg: 'RS256', kid: randomUUID(), typ: 'JWT' });
  const signature = randomBytes(256).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: 'https://bench-env.ap-shanghai.tcb-api.tencentcloudapi.com',
    sub,
    aud: 'bench-client',
    exp: now + 7200,
    iat: now,
    at_hash: randomBytes(16).toString('base64url'),
    scope: 'user sso',
    project_id: 'bench-env',
    provider_type: 'username',
    meta: { wxOpenId: '', wxUnionId: '' },
    user_type: '',
    jti: randomUUID(),
  };
  const bare = `${header}.${b64(claims)}.${signature}`.length;
  // base64url grows 4 characters per 3 bytes: pad the claims so the whole token lands at `length`
  const padBytes = Math.max(0, Math.floor(((length - bare) * 3) / 4) - 8);
  if (padBytes > 0) claims.pad = 'x'.repeat(padBytes);
  return `${header}.${b64(claims)}.${signature}`;
}

/** A signed-in session like the BFF's after a password sign-in: tokens, public profile, device id, device label. */
export function benchSession(now = Date.now(), jwtLength = 900): BenchSession {
  const sub = String(1_000_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15)));
  return {
    created: now,
    seen: now,
    did: randomUUID(),
    auth: {
      at: fakeJwt(jwtLength, sub),
      rt: `m.${randomBytes(48).toString('base64url')}`,
      exp: now + 7200_000,
      sub,
      sc: 'user sso',
    },
    user: {
      sub,
      name: 'Bench User',
      username: 'bench_user',
      email: 'bench.user@example.com',
      phone_number: '+86 13800000000',
      picture: 'https://example.com/avatars/bench-user.png',
      anonymous: false,
    },
    ua: 'node',
    ip: '127.0.0.1',
  };
}
