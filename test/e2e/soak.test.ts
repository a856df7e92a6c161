/**
 * The short form of `npm run soak` (see soak/lib/soak.ts): about 45 s of mixed traffic on two gateway processes and a
 * Redis Cluster with replicas while a master is killed, a master paused, CloudBase fails and a gateway restarts.
 */
import { runSoak, formatSoakTable, type SoakResult } from '../../soak/lib/soak.js';
import { buildGateway } from '../support/server-process.js';
import { findLeaks } from '../support/leak-guard.js';

const SECONDS = Number(process.env.SOAK_TEST_SECONDS ?? 45);

describe('chaos soak, short form', () => {
  let result: SoakResult;
  let leaks: string[] = [];

  beforeAll(async () => {
    buildGateway();
    result = await runSoak({
      seconds: SECONDS,
      // Two cores are shared with the test runner: fewer loops than the long run, same faults.
      workers: 6,
      faultEverySeconds: 9,
      inspect: ({ transcript, logs, emulator, secrets }) => {
        leaks = findLeaks({ transcript, logs, emulator, secrets });
      },
    });
    console.log(formatSoakTable(result));
  }, (SECONDS + 150) * 1000);

  it('injected every kind of fault', () => {
    expect(result.faults.map((f) => f.kind).sort()).toEqual(
      expect.arrayContaining(['cloudbase-errors', 'instance-restart', 'master-kill', 'redis-pause']),
    );
  });

  it('answered no 5xx but 503, and never hung', () => {
    expect(result.server_errors_not_503).toBe(0);
    expect(Object.keys(result.no_answer).filter((k) => k.endsWith(' hang'))).toEqual([]);
    expect(result.requests.total).toBeGreaterThan(500);
  });

  it('lost no acknowledged session', () => {
    expect(result.sessions.checked).toBeGreaterThan(30);
    expect(result.sessions.lost_ids).toEqual([]);
    expect(result.requests.by_outcome['read signed-out'] ?? 0).toBe(0);
    expect(result.requests.by_outcome['page signed-out'] ?? 0).toBe(0);
  });

  it('kept the memory of every instance within its bound', () => {
    expect(result.memory.length).toBeGreaterThanOrEqual(3);
    for (const m of result.memory) expect(m.growth_mb).toBeLessThanOrEqual(result.settings.memory_bound_mb);
  });

  it('leaked no token, password or SMS code', () => {
    expect(leaks).toEqual([]);
  });
});
