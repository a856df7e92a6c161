/**
 * Token refresh across gateway PROCESSES: two `node dist/main.js` share one Redis (a single server, then a
 * three-master Redis Cluster) and one emulator. The same scenarios run against both backends.
 */
import { redisCluster, singleRedis, startFleet, type Answer, type Fleet, type SignedIn, type StartBackend } from '../support/multi-instance.js';
import { issuedTokens, untilRefreshDue, waitFor } from '../support/sessions.js';

const SIGNED_OUT = '/login?returnTo=%2Faccount';
const EXPIRED = '/login?notice=session_expired&returnTo=%2Faccount';
const ENDED_UPSTREAM = '/login?notice=ended_upstream&returnTo=%2Faccount';
const TIMEOUT_MS = 3000;

describe.each<[string, StartBackend]>([
  ['one Redis server', singleRedis],
  ['a three-master Redis Cluster', redisCluster],
])('two gateway processes on %s', (_backend, startBackend) => {
  let fleet: Fleet;
  let a: string;
  let b: string;

  beforeAll(async () => {
    // Generous: 100 concurrent requests share one emulator in this busy process; the timeout test goes past it.
    fleet = await startFleet(startBackend, { env: { CLOUDBASE_TIMEOUT_MS: String(TIMEOUT_MS) } });
    [a, b] = fleet.urls as [string, string];
  }, 120_000);

  afterEach(async () => {
    await fleet.emu.setConfig({ fail: {}, latency_ms: 0, access_token_ttl_s: 7200 });
  });

  afterAll(async () => {
    if (!fleet) return;
    fleet.assertNoLeaks();
    await fleet.close();
  });

  const refreshes = async () => (await fleet.emu.stats())['POST /auth/v1/token'] ?? 0;
  const calls = async (call: string) => (await fleet.emu.stats())[call] ?? 0;
  const storedAuth = async (sid: string) => (await fleet.store.read(sid))?.auth;

  /**
   * Signs in on instance A with a 2 s access token and waits until it is due for refresh (after half its life; too
   * close to its expiry to stand in for a failed refresh). Tokens minted afterwards last two hours: a second refresh
   * could only be a bug.
   */
  async function signInDueForRefresh(): Promise<SignedIn> {
    await fleet.emu.setConfig({ access_token_ttl_s: 2 });
    const signed = await fleet.signIn(0);
    await fleet.emu.setConfig({ access_token_ttl_s: 7200 });
    await untilRefreshDue(Date.now(), 2);
    return signed;
  }

  /** `n` concurrent GET /account with the session's cookie, alternating between instance A and B. */
  function spread(s: SignedIn, n: number): Promise<Answer[]> {
    return Promise.all(Array.from({ length: n }, (_, i) => s.client.sharing().get(i % 2 === 0 ? a : b, '/account')));
  }

  const statuses = (answers: Answer[]) => answers.map((r) => r.status);

  it('100 concurrent requests over both instances: one refresh, all succeed, one new token', async () => {
    const s = await signInDueForRefresh();
    const first = await storedAuth(s.sid);
    const before = await refreshes();

    const answers = await spread(s, 100);
    expect(statuses(answers)).toEqual(answers.map(() => 200));
    for (const res of answers) expect(res.text).toContain(s.username);
    expect(await refreshes()).toBe(before + 1);

    // CloudBase minted exactly one token pair after sign-in, and it is the pair the session holds: every request
    // that succeeded used it.
    const stored = await storedAuth(s.sid);
    expect(stored!.at).not.toBe(first!.at);
    const issued = issuedTokens(fleet.emulator.state, s.sub);
    expect(issued.access).toBe(2);
    expect([...issued.liveRefresh]).toEqual([stored!.rt]);
  });

  it('a lock whose holder died is waited out, then one successor refreshes', async () => {
    const s = await signInDueForRefresh();
    const before = await refreshes();
    await fleet.redis.set(fleet.store.keys.lock(s.sid), 'dead-holder', 'PX', 1500);

    const pending = spread(s, 40);
    for (;;) {
      const count = await refreshes();
      if ((await fleet.redis.get(fleet.store.keys.lock(s.sid))) !== 'dead-holder') break;
      expect(count).toBe(before);
      await new Promise((r) => setTimeout(r, 50));
    }
    const answers = await pending;
    expect(statuses(answers)).toEqual(answers.map(() => 200));
    expect(await refreshes()).toBe(before + 1);
  });

  it('invalid_grant signs every request on every instance out and deletes the session', async () => {
    const s = await signInDueForRefresh();
    await fleet.emu.setConfig({ fail: { 'POST /auth/v1/token': 'invalid_grant' } });
    const before = await refreshes();

    const answers = await spread(s, 40);
    for (const res of answers) {
      expect(res.status).toBe(303);
      // A request that read the session only after it was deleted was not signed in, and may have been told why.
      expect([EXPIRED, SIGNED_OUT, ENDED_UPSTREAM]).toContain(res.location);
    }
    expect(answers.some((r) => r.location === EXPIRED)).toBe(true);
    expect(await refreshes()).toBe(before + 1);
    expect(await fleet.redis.exists(fleet.store.keys.session(s.sid))).toBe(0);
    expect(await fleet.redis.exists(fleet.store.keys.tombstone(s.sid))).toBe(1);
    expect(await fleet.index.members(s.sub)).not.toContain(s.sid);
    // The next page learns why, if no request of the burst did; after that the browser is plainly signed out.
    expect([SIGNED_OUT, ENDED_UPSTREAM]).toContain((await s.client.sharing().get(a, '/account')).location);
    for (const url of [a, b]) expect((await s.client.sharing().get(url, '/account')).location).toBe(SIGNED_OUT);
  });

  it('an upstream timeout answers 503 with Retry-After and keeps the session', async () => {
    const s = await signInDueForRefresh();
    const first = await storedAuth(s.sid);
    await fleet.emu.setConfig({ latency_ms: TIMEOUT_MS + 500 });

    const answers = await spread(s, 20);
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(res.retryAfter).toBe('2');
    }
    expect(await storedAuth(s.sid)).toEqual(first);

    await fleet.emu.setConfig({ latency_ms: 0 });
    // The session backs off after the failure (no instance asks CloudBase meanwhile); then it refreshes.
    await waitFor('the refresh back-off to end', async () => (await fleet.redis.pttl(fleet.store.keys.refreshFailed(s.sid))) < 0);
    const later = await spread(s, 10);
    expect(statuses(later)).toEqual(later.map(() => 200));
    expect((await storedAuth(s.sid))!.at).not.toBe(first!.at);
  });

  it('sign-out on A while a slow request is in flight on B: the session stays dead', async () => {
    const s = await fleet.signIn(0);
    const csrf = await s.client.csrf(a, '/logout');
    const onB = s.client.sharing();
    const arrived = await calls('GET /auth/v1/user/me');

    await fleet.emu.setConfig({ latency_ms: 800 });
    const slow = onB.get(b, '/account');
    await waitFor('the slow call to reach CloudBase', async () => (await calls('GET /auth/v1/user/me')) > arrived);
    // Latency is taken on arrival: the slow call stays slow, the sign-out is quick.
    await fleet.emu.setConfig({ latency_ms: 0 });
    expect((await s.client.post(a, '/logout', { _csrf: csrf })).status).toBe(303);

    const res = await slow;
    expect(res.status).toBe(303);
    expect(res.location).toBe(EXPIRED);
    expect(await fleet.redis.exists(fleet.store.keys.session(s.sid))).toBe(0);
    expect(await fleet.redis.exists(fleet.store.keys.tombstone(s.sid))).toBe(1);
    for (const url of [a, b]) expect((await onB.sharing().get(url, '/account')).location).toBe(SIGNED_OUT);
  });
});
