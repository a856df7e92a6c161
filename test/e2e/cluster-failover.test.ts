/**
 * A Redis Cluster master dies under load (SIGKILL): three masters with one replica each, cluster-node-timeout 1 s,
 * two gateway processes, the real emulator. What must hold while the replica takes over and afterwards:
 * - every answer is a 200 (or the sign-in's 303) or a 503 with Retry-After: never a 500, never a hang, never a
 *   signed-out healthy user;
 * - every session whose sign-in was acknowledged (303) before, during or after the kill is still there and readable;
 * - a token refresh in flight while the session's master fails over neither signs the user out nor loses the refresh
 *   token CloudBase rotated, and the wave reaches CloudBase once.
 */
import { redisClusterWithReplicas, startFleet, type Fleet, type SignedIn, type WebClient } from '../support/multi-instance.js';
import { issuedTokens, waitFor } from '../support/sessions.js';

const SESSIONS = 60;

describe('a Redis Cluster master killed under load (3 masters + 3 replicas, two gateways)', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet(redisClusterWithReplicas, { env: { CLOUDBASE_TIMEOUT_MS: '5000', REDIS_WAIT_REPLICAS: '1' } });
  }, 120_000);

  afterAll(async () => {
    if (!fleet) return;
    fleet.assertNoLeaks();
    await fleet.close();
  });

  const cluster = () => fleet.backend.cluster!;
  const sessionKey = (sid: string) => fleet.store.keys.session(sid);
  const tombstoned = async (sid: string) => (await fleet.redis.exists(fleet.store.keys.tombstone(sid))) === 1;

  interface Tally {
    statuses: Record<string, number>;
    /** a healthy session answered as signed out */
    signedOut: string[];
    /** errors other than an HTTP answer (a hang past the bound, a reset connection) */
    failures: string[];
    acked: Array<{ client: WebClient; sid: string; username: string }>;
  }

  function count(t: Tally, what: string, status: number) {
    const key = `${what} ${status}`;
    t.statuses[key] = (t.statuses[key] ?? 0) + 1;
  }

  /** GET /account in a loop over the sessions, alternating instances, until `stop()` says so. */
  async function reader(t: Tally, sessions: SignedIn[], offset: number, stop: () => boolean) {
    for (let i = offset; !stop(); i += 7) {
      const s = sessions[i % sessions.length]!;
      try {
        const res = await s.client.sharing().get(fleet.urls[i % 2]!, '/account');
        count(t, 'read', res.status);
        if (res.status === 303) t.signedOut.push(`${s.sid} -> ${res.location}`);
        if (res.status === 503 && res.retryAfter === null) t.failures.push('503 without Retry-After');
      } catch (e) {
        t.failures.push(`read: ${(e as Error).message}`);
      }
    }
  }

  /** Form sign-ins of new users in a loop; a 303 to /account is an acknowledged session. */
  async function signer(t: Tally, offset: number, stop: () => boolean) {
    for (let i = offset; !stop(); i += 1) {
      const user = await fleet.createUser();
      const client = fleet.newClient();
      const url = fleet.urls[i % 2]!;
      try {
        const page = await client.get(url, '/login');
        count(t, 'login-page', page.status);
        if (page.status !== 200) continue;
        const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
        const res = await client.post(url, '/login', { _csrf: csrf, username: user.username, password: user.password });
        count(t, 'sign-in', res.status);
        if (res.status === 303) t.acked.push({ client, sid: client.sid, username: user.username });
      } catch (e) {
        t.failures.push(`sign-in: ${(e as Error).message}`);
      }
    }
  }

  it('answers 200 or 503 throughout, and loses no session that was acknowledged', async () => {
    const sessions: SignedIn[] = [];
    for (let i = 0; i < SESSIONS; i++) sessions.push(await fleet.signIn(i % 2));
    const t: Tally = { statuses: {}, signedOut: [], failures: [], acked: [] };
    let stopping = false;
    const stop = () => stopping;
    const load = Promise.all([
      ...Array.from({ length: 6 }, (_, i) => reader(t, sessions, i, stop)),
      signer(t, 0, stop),
      signer(t, 1, stop),
    ]);

    // Kill the master of a session that is being read, once load is flowing, then keep the load on past the failover.
    await waitFor('steady traffic', () => (t.statuses['read 200'] ?? 0) >= 100 && t.acked.length >= 3, 60_000);
    const acksBeforeKill = t.acked.length;
    const victim = await cluster().killMasterOf(sessionKey(sessions[0]!.sid));
    await cluster().waitFailover(victim);
    const healed = (t.statuses['read 200'] ?? 0) + 100;
    await waitFor('reads to flow again after the failover', () => (t.statuses['read 200'] ?? 0) >= healed && t.acked.length >= acksBeforeKill + 3, 60_000);
    stopping = true;
    await load;

    console.log(`cluster failover: ${JSON.stringify(t.statuses)}; ${t.acked.length} sign-ins acknowledged`);
    if (process.env.DEBUG_FAILOVER) console.log(fleet.processes.flatMap((p) => p.lines).filter((l) => /"level":(40|50|60)/.test(l)).join('\n'));
    const statuses = Object.keys(t.statuses).map((k) => Number(k.split(' ')[1]));
    expect(t.failures).toEqual([]);
    expect(t.signedOut).toEqual([]);
    expect(statuses.filter((s) => ![200, 303, 503].includes(s))).toEqual([]);
    expect(t.statuses['sign-in 200'] ?? 0).toBe(0);

    // Every session that existed or was acknowledged survives, on either instance.
    const all = [...sessions.map((s) => ({ client: s.client, sid: s.sid, username: s.username })), ...t.acked];
    const lost: string[] = [];
    for (const s of all) {
      if (!(await fleet.store.read(s.sid)) || (await tombstoned(s.sid))) lost.push(s.sid);
    }
    expect(lost).toEqual([]);
    for (const [i, s] of all.entries()) {
      const res = await s.client.sharing().get(fleet.urls[i % 2]!, '/account');
      expect(res.status).toBe(200);
      expect(res.text).toContain(s.username);
    }
  }, 180_000);
});
