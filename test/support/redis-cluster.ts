/**
 * A throwaway Redis Cluster on loopback, with or without replicas, and the faults a test or the soak inflicts on it:
 * SIGKILL of the master that serves a key, waiting for its replica's promotion, restarting a killed node as a replica.
 * Only `redis-server` and `redis-cli` (Debian: redis-server pulls in redis-tools) are needed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort, startRedis, type RedisServer } from './redis-server.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ClusterNode {
  port: number;
  bus: number;
  server: RedisServer;
}

export interface RedisClusterHandle {
  /** every node started (killed ones included), in start order */
  nodes: ClusterNode[];
  /** `host:port` of the nodes started at creation, for REDIS_CLUSTER_NODES */
  seeds: string[];
  /** The live master now serving `key`'s slot. */
  masterOf(key: string): Promise<ClusterNode>;
  /** SIGKILLs the master serving `key`; resolves with it once the process is gone. */
  killMasterOf(key: string): Promise<ClusterNode>;
  /** SIGKILLs one node; resolves once the process is gone. */
  kill(node: ClusterNode): Promise<ClusterNode>;
  /** Resolves once a live node serves every slot the killed node served and the cluster says ok. */
  waitFailover(killed: ClusterNode, timeoutMs?: number): Promise<void>;
  /** Starts a killed node again on its port with an empty data set and makes it a replica of `masterPort`. */
  rejoinAsReplica(killed: ClusterNode, masterPort: number): Promise<void>;
  /** Brings a killed node back as the replica of a master that has none (after a failover), and waits for its sync. */
  heal(killed: ClusterNode): Promise<void>;
  /** Resolves once every master has a replica whose link is up (replication caught up at least once). */
  waitReplicasInSync(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** `count` distinct free ports (the kernel may hand the same one out twice in a row). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: 5000 });
  return stdout;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface NodeLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string;
  slots: Array<[number, number]>;
}

function parseNodes(text: string): NodeLine[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, addr, flags, masterId, , , , , ...slots] = line.split(' ');
      return {
        id: id!,
        port: Number(addr!.split('@')[0]!.split(':')[1]),
        flags: flags!.split(','),
        masterId: masterId!,
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [a, b] = s.split('-');
            return [Number(a), Number(b ?? a)] as [number, number];
          }),
      };
    });
}

/**
 * Starts `masters` cluster-enabled redis-servers plus `replicasPerMaster` replicas each, joins them with
 * `redis-cli --cluster create`, and waits until every node reports cluster_state:ok (and replicas are in sync).
 * `nodeTimeoutMs` is cluster-node-timeout: how long a master may be silent before its replica takes over.
 */
export async function startRedisCluster(opts: { masters?: number; replicasPerMaster?: number; nodeTimeoutMs?: number } = {}): Promise<RedisClusterHandle> {
  await run('redis-cli', ['--version']).catch(() => {
    throw new Error('redis-cli is not on PATH (Debian package redis-tools)');
  });
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 0;
  const count = masters * (1 + replicas);
  const nodeTimeout = String(opts.nodeTimeoutMs ?? 2000);
  const ports = await freePorts(count * 2);
  const nodes: ClusterNode[] = [];
  const args = (port: number, bus: number) => [
    '--cluster-enabled', 'yes',
    '--cluster-config-file', `nodes-${port}.conf`,
    '--cluster-node-timeout', nodeTimeout,
    '--cluster-port', String(bus),
    // A replica may be promoted however long its link was down: the test kills masters on purpose.
    '--cluster-replica-validity-factor', '0',
  ];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.server.stop()));
  };

  const alive = () => nodes.filter((n) => n.server.process.exitCode === null && n.server.process.signalCode === null);
  const clusterNodes = async (): Promise<NodeLine[]> => {
    for (const n of alive()) {
      try {
        return parseNodes(await cli(n.port, 'cluster', 'nodes'));
      } catch {
        // try the next live node
      }
    }
    throw new Error('no live cluster node answers CLUSTER NODES');
  };
  const slotOf = async (key: string) => Number((await cli(alive()[0]!.port, 'cluster', 'keyslot', key)).trim());
  const byPort = (port: number) => {
    const n = nodes.find((x) => x.port === port);
    if (!n) throw new Error(`no cluster node on port ${port}`);
    return n;
  };
  const clusterOk = async (n: ClusterNode) => (await cli(n.port, 'cluster', 'info')).includes('cluster_state:ok');

  const handle: RedisClusterHandle = {
    nodes,
    seeds: [],
    async masterOf(key) {
      const slot = await slotOf(key);
      const live = new Set(alive().map((n) => n.port));
      const owner = (await clusterNodes()).find(
        (l) => l.flags.includes('master') && !l.flags.includes('fail') && live.has(l.port) && l.slots.some(([a, b]) => slot >= a && slot <= b),
      );
      if (!owner) throw new Error(`no live master serves slot ${slot} of ${key}`);
      return byPort(owner.port);
    },
    killMasterOf: async (key) => handle.kill(await handle.masterOf(key)),
    async kill(victim) {
      const gone = new Promise<void>((resolve) => victim.server.process.once('exit', () => resolve()));
      victim.server.process.kill('SIGKILL');
      await gone;
      return victim;
    },
    async waitFailover(killed, timeoutMs = 20_000) {
      await until(
        `a replica to take over from :${killed.port}`,
        async () => {
          const lines = await clusterNodes();
          const dead = lines.find((l) => l.port === killed.port);
          const promoted = lines.filter((l) => l.flags.includes('master') && l.port !== killed.port && l.slots.length > 0);
          const servedSlots = promoted.reduce((sum, l) => sum + l.slots.reduce((s, [a, b]) => s + b - a + 1, 0), 0);
          if (servedSlots !== 16384 || (dead && dead.slots.length > 0)) return false;
          for (const n of alive()) if (!(await clusterOk(n))) return false;
          return true;
        },
        timeoutMs,
      );
    },
    async rejoinAsReplica(killed, masterPort) {
      const lines = await clusterNodes();
      const masterId = lines.find((l) => l.port === masterPort)?.id;
      if (!masterId) throw new Error(`no node on port ${masterPort}`);
      const oldId = lines.find((l) => l.port === killed.port)?.id;
      // Forget the dead identity everywhere, then start it afresh (new node id, empty data) and attach it.
      if (oldId) for (const n of alive()) await cli(n.port, 'cluster', 'forget', oldId).catch(() => undefined);
      await killed.server.stop();
      killed.server = await startRedis(args(killed.port, killed.bus), killed.port);
      await cli(killed.port, 'cluster', 'meet', '127.0.0.1', String(masterPort), String(byPort(masterPort).bus));
      await until(`:${killed.port} to learn the master's id`, async () => (await cli(killed.port, 'cluster', 'nodes')).includes(masterId), 10_000);
      await cli(killed.port, 'cluster', 'replicate', masterId);
      await until(`:${killed.port} to sync from :${masterPort}`, async () => (await cli(killed.port, 'info', 'replication')).includes('master_link_status:up'), 20_000);
    },
    async heal(killed) {
      const lines = await clusterNodes();
      const orphan = lines.find(
        (m) => m.flags.includes('master') && m.slots.length > 0 && !lines.some((r) => r.masterId === m.id && !r.flags.includes('fail')),
      );
      if (!orphan) throw new Error('every master has a replica: nothing to heal');
      await handle.rejoinAsReplica(killed, orphan.port);
      await handle.waitReplicasInSync();
    },
    async waitReplicasInSync(timeoutMs = 20_000) {
      await until(
        'every master to have an up-to-date replica',
        async () => {
          const lines = await clusterNodes();
          const liveMasters = lines.filter((l) => l.flags.includes('master') && l.slots.length > 0);
          for (const m of liveMasters) {
            const replicasOfM = lines.filter((l) => l.masterId === m.id && !l.flags.includes('fail'));
            if (replicasOfM.length < replicas) return false;
            for (const r of replicasOfM) {
              if (!(await cli(r.port, 'info', 'replication')).includes('master_link_status:up')) return false;
            }
          }
          return true;
        },
        timeoutMs,
      );
    },
    stop,
  };

  try {
    for (let i = 0; i < count; i++) {
      const [port, bus] = [ports[i]!, ports[count + i]!];
      nodes.push({ port, bus, server: await startRedis(args(port, bus), port) });
    }
    handle.seeds = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run('redis-cli', ['--cluster', 'create', ...handle.seeds, '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 });
    for (const n of nodes) await until(`cluster_state:ok on ${n.port}`, () => clusterOk(n), 20_000);
    if (replicas > 0) await handle.waitReplicasInSync();
    return handle;
  } catch (e) {
    await stop();
    throw e;
  }
}
