import { loadConfig } from '../../src/config/index.js';
import { createLimiters } from '../../src/limits/limits.js';
import { accountKey, createLimitGuard, ipScope, phoneKey } from '../../src/limits/guard.js';
import type { LimitKind } from '../../src/limits/limits.js';
import { AppError } from '../../src/errors/app-error.js';
import { httpStatus } from '../../src/http/errors.js';
import { createDeviceProofs, MAX_ENTRIES } from '../../src/limits/device.js';

function guardWith(env: Record<string, string> = {}) {
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const rejected: LimitKind[] = [];
  const guard = createLimitGuard(createLimiters(config.limits, undefined, 'test:'), {
    onReject: (k) => rejected.push(k),
    secrets: ['unit-secret-one', 'unit-secret-two'],
  });
  return { guard, rejected };
}

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('keys', () => {
  it('one account however it is typed', () => {
    expect(accountKey('Alice@Example.com')).toBe(accountKey(' alice@example.com '));
    expect(accountKey('ＡＬＩＣＥ')).toBe(accountKey('alice'));
    expect(accountKey('13800000000')).toBe(accountKey('+86 138 0000 0000'));
    expect(accountKey('１３８００００００００')).toBe(accountKey('0086-138-0000-0000'));
    expect(accountKey('alice')).not.toBe(accountKey('bob'));
  });

  it('one phone number however it is spelled', () => {
    expect(phoneKey('+86 13800000000')).toBe(phoneKey('13800000000'));
    expect(phoneKey('+86 13800000000')).toBe(phoneKey('１３８ ００００ ００００'));
    expect(phoneKey('+86 13800000000')).not.toBe(phoneKey('+86 13800000001'));
  });

  it('IPv4 whole, IPv6 by its /64', () => {
    expect(ipScope('203.0.113.7')).toBe('4:203.0.113.7');
    expect(ipScope('::ffff:203.0.113.7')).toBe('4:203.0.113.7');
    expect(ipScope('2001:db8:1:2::1')).toBe(ipScope('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'));
    expect(ipScope('2001:db8:1:2::1')).not.toBe(ipScope('2001:db8:1:3::1'));
    expect(ipScope('::1')).toBe('6:0:0:0:0');
  });
});

describe('password attempts', () => {
  const env = {
    LIMIT_LOGIN_FAILURES: '3',
    LIMIT_LOGIN_ACCOUNT_IP_FAILURES: '100',
    LIMIT_LOGIN_BLOCK_S: '60',
    LIMIT_LOGIN_BLOCK_MAX_S: '200',
  };
  const fail = async (guard: ReturnType<typeof guardWith>['guard'], name: string, who = {}) =>
    (await guard.reservePasswordAttempt(name, who)).settle('failure');

  it('blocks the account at the limit: the attempt that reached it is told the wait', async () => {
    const { guard, rejected } = guardWith(env);
    await fail(guard, 'alice');
    await fail(guard, 'ALICE');
    const third = await refusal(fail(guard, 'alice'));
    expect(third).toMatchObject({ code: 'too_many_attempts', extra: { retryAfterS: 60 } });
    expect(httpStatus(third)).toBe(429);
    const blocked = await refusal(guard.reservePasswordAttempt('Alice'));
    expect(blocked.code).toBe('too_many_attempts');
    expect(blocked.extra.retryAfterS).toBeGreaterThan(50);
    expect(rejected.every((k) => k === 'login_account')).toBe(true);
    // Another account is not affected.
    await (await guard.reservePasswordAttempt('bob')).settle('failure');
  });

  it('lets no more than the limit through however many race, and one at a time past it', async () => {
    for (const limit of [2, 5, 9]) {
      const { guard } = guardWith({ ...env, LIMIT_LOGIN_FAILURES: String(limit) });
      const tries = await Promise.allSettled(Array.from({ length: 23 }, () => guard.reservePasswordAttempt(`race-${limit}`)));
      expect(tries.filter((t) => t.status === 'fulfilled')).toHaveLength(limit);
    }
  });

  it('a success gives the account a fresh start (the owner is slowed, not locked out)', async () => {
    const { guard } = guardWith(env);
    await fail(guard, 'carol');
    await fail(guard, 'carol');
    expect(await (await guard.reservePasswordAttempt('carol')).settle('success')).toMatch(/^[\w-]{22}\.[\w-]{22}\.[\w-]{43}$/);
    await fail(guard, 'carol');
    await fail(guard, 'carol');
    await guard.reservePasswordAttempt('carol');
  });

  it('an attempt CloudBase did not judge is given back, block included', async () => {
    const { guard } = guardWith(env);
    for (let i = 0; i < 10; i++) await (await guard.reservePasswordAttempt('dave')).settle('void');
    await fail(guard, 'dave');
    await fail(guard, 'dave');
    await (await guard.reservePasswordAttempt('dave')).settle('void');
    expect((await refusal(fail(guard, 'dave'))).extra.retryAfterS).toBe(60);
  });

  it('counts per address across accounts, and per account from one address tightly', async () => {
    const { guard, rejected } = guardWith({ ...env, LIMIT_LOGIN_IP_FAILURES: '4', LIMIT_LOGIN_ACCOUNT_IP_FAILURES: '2' });
    const ip = { ip: '198.51.100.9' };
    for (const name of ['a1', 'a2', 'a3']) await fail(guard, name, ip);
    expect((await refusal(fail(guard, 'a4', ip))).code).toBe('too_many_attempts');
    expect((await refusal(guard.reservePasswordAttempt('a5', ip))).code).toBe('too_many_attempts');
    expect(rejected).toContain('login_ip');
    const other = { ip: '198.51.100.10' };
    await guard.reservePasswordAttempt('a5', other);
    await fail(guard, 'b1', other);
    await refusal(fail(guard, 'b1', other));
    expect(rejected.at(-1)).toBe('login_account_ip');
  });

  it('good sign-ins behind one address never count against it; its failures do', async () => {
    const { guard } = guardWith({ ...env, LIMIT_LOGIN_IP_FAILURES: '2' });
    const nat = { ip: '203.0.113.200' };
    for (let i = 0; i < 9; i++) await (await guard.reservePasswordAttempt(`staff-${i}`, nat)).settle('success');
    await fail(guard, 'staff-9', nat);
    await refusal(fail(guard, 'staff-10', nat));
    await refusal(guard.reservePasswordAttempt('staff-0', nat));
  });

  it('a device that signed in before is judged on its own limit, not on strangers\' failures', async () => {
    const { guard, rejected } = guardWith({ ...env, LIMIT_LOGIN_DEVICE_FAILURES: '2' });
    const proof = await (await guard.reservePasswordAttempt('erin')).settle('success');
    for (let i = 0; i < 2; i++) await fail(guard, 'erin');
    await refusal(fail(guard, 'erin'));
    await refusal(guard.reservePasswordAttempt('erin'));
    // The owner's device still gets through, on its own allowance of 2.
    const mine = await guard.reservePasswordAttempt('Erin', { deviceProof: proof });
    expect(mine.knownDevice).toBe(true);
    await mine.settle('failure');
    await refusal((await guard.reservePasswordAttempt('erin', { deviceProof: proof })).settle('failure'));
    expect(rejected.at(-1)).toBe('login_device');

    // A proof for another account, or a forged one, counts as no proof.
    expect((await guard.reservePasswordAttempt('frank', { deviceProof: proof })).knownDevice).toBe(false);
    const forged = proof.slice(0, -2) + (proof.endsWith('AA') ? 'BB' : 'AA');
    await refusal(guard.reservePasswordAttempt('erin', { deviceProof: forged }));
  });
});

describe('a known device signing in', () => {
  it('starts the device afresh with a new proof, and leaves the strangers blocked', async () => {
    const { guard } = guardWith({ LIMIT_LOGIN_FAILURES: '2', LIMIT_LOGIN_DEVICE_FAILURES: '2', LIMIT_LOGIN_BLOCK_S: '60' });
    const proof = await (await guard.reservePasswordAttempt('gina')).settle('success');
    await (await guard.reservePasswordAttempt('gina')).settle('failure');
    await refusal((await guard.reservePasswordAttempt('gina')).settle('failure'));
    await (await guard.reservePasswordAttempt('gina', { deviceProof: proof })).settle('failure');
    const next = await (await guard.reservePasswordAttempt('gina', { deviceProof: proof })).settle('success');
    expect(next).not.toBe(proof);
    expect((await guard.reservePasswordAttempt('gina', { deviceProof: next })).knownDevice).toBe(true);
    await refusal(guard.reservePasswordAttempt('gina'));
  });
});

describe('SMS allowances', () => {
  it('a cooldown per number, whatever its spelling, refunded when the code did not go out', async () => {
    const { guard, rejected } = guardWith({ LIMIT_SMS_COOLDOWN_S: '60' });
    const taken = await guard.takeSmsSend('+86 13800000000');
    const err = await refusal(guard.takeSmsSend('138 0000 0000'));
    expect(err).toMatchObject({ code: 'rate_limited' });
    expect(httpStatus(err)).toBe(429);
    expect(err.extra.retryAfterS).toBeGreaterThan(55);
    expect(rejected).toEqual(['sms_cooldown']);
    await taken.refund();
    await guard.takeSmsSend('13800000000');
  });

  it('an hourly and a daily cap per number, per address and per session', async () => {
    const { guard, rejected } = guardWith({
      LIMIT_SMS_COOLDOWN_S: '0',
      LIMIT_SMS_PER_PHONE_HOUR: '2',
      LIMIT_SMS_PER_PHONE_DAY: '3',
      LIMIT_SMS_PER_IP_HOUR: '3',
      LIMIT_SMS_PER_SESSION_HOUR: '2',
    });
    await guard.takeSmsSend('13800000001', { sessionKey: 's1' });
    await guard.takeSmsSend('13800000001', { sessionKey: 's2' });
    expect((await refusal(guard.takeSmsSend('13800000001', { sessionKey: 's3' }))).code).toBe('rate_limited');
    expect(rejected).toEqual(['sms_phone_hour']);

    await guard.takeSmsSend('13800000002', { sessionKey: 's9' });
    await guard.takeSmsSend('13800000003', { sessionKey: 's9' });
    await refusal(guard.takeSmsSend('13800000004', { sessionKey: 's9' }));
    expect(rejected.at(-1)).toBe('sms_session');

    const ip = { ip: '192.0.2.1' };
    await guard.takeSmsSend('13800000005', ip);
    await guard.takeSmsSend('13800000006', ip);
    await guard.takeSmsSend('13800000007', ip);
    await refusal(guard.takeSmsSend('13800000008', ip));
    expect(rejected.at(-1)).toBe('sms_ip');
    // A refused attempt took nothing: 13800000008 still has its whole allowance elsewhere.
    await guard.takeSmsSend('13800000008');
    await guard.takeSmsSend('13800000008');
  });

  it('caps wrong-code guesses per verification', async () => {
    const { guard, rejected } = guardWith({ LIMIT_CODE_GUESSES: '2' });
    await guard.takeCodeGuess('vid-1');
    await guard.takeCodeGuess('vid-1');
    const err = await refusal(guard.takeCodeGuess('vid-1'));
    expect(err).toMatchObject({ code: 'rate_limited', messageKey: 'err.too_many_guesses' });
    expect(httpStatus(err)).toBe(429);
    await guard.takeCodeGuess('vid-2');
    expect(rejected).toEqual(['code_guesses']);
  });
});

describe('device proofs', () => {
  const account = (n: string) => accountKey(n);

  it('verify with every secret and are made with the first (rotation)', () => {
    const old = createDeviceProofs(['old-secret']);
    const proof = old.issue(undefined, account('hana'));
    expect(createDeviceProofs(['new-secret', 'old-secret']).verify(proof, account('hana'))).toBeDefined();
    expect(createDeviceProofs(['new-secret']).verify(proof, account('hana'))).toBeUndefined();
    expect(old.verify(proof, account('ivan'))).toBeUndefined();
  });

  it(`keep one proof per account, newest first, at most ${MAX_ENTRIES}`, () => {
    const proofs = createDeviceProofs(['s']);
    let value: string | undefined;
    for (const name of ['a', 'b', 'c', 'd', 'b']) value = proofs.issue(value, account(name));
    const entries = value!.split('~');
    expect(entries).toHaveLength(MAX_ENTRIES);
    expect(entries[0]!.startsWith(account('b'))).toBe(true);
    expect(['a', 'b', 'c', 'd'].map((n) => proofs.verify(value, account(n)) !== undefined)).toEqual([false, true, true, true]);
  });

  it('carry a fresh nonce every time, across refills of the nonce pool (4 KB, 256 nonces)', () => {
    const proofs = createDeviceProofs(['s']);
    const nonces = Array.from({ length: 1000 }, () => proofs.verify(proofs.issue(undefined, account('kim')), account('kim')));
    expect(nonces.every((n) => typeof n === 'string' && /^[A-Za-z0-9_-]{22}$/.test(n))).toBe(true);
    expect(new Set(nonces).size).toBe(1000);
  });

  it('ignore what is malformed or too long', () => {
    const proofs = createDeviceProofs(['s']);
    const good = proofs.issue(undefined, account('jo'));
    for (const bad of ['', '~', `${good}${'x'.repeat(400)}`, good.replace(/\./g, '~'), `${good.slice(0, -1)}!`]) {
      expect(proofs.verify(bad, account('jo'))).toBeUndefined();
    }
    expect(proofs.verify(`junk~${good}`, account('jo'))).toBeDefined();
  });
});
