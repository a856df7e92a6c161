/**
 * REDIS_WAIT_REPLICAS=1 on a Redis master with one replica: a sign-in is answered once the replica holds its session
 * (Redis WAIT), and when no replica acknowledges within REDIS_WAIT_TIMEOUT_MS (frozen here with SIGSTOP) the sign-in
 * still succeeds, with a warning that names the shortfall.
 */
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { finishApiSuite, RELAXED_LIMITS, spa } from '../support/api.js';
import { waitFor } from '../support/sessions.js';

const PASSWORD = 'Passw0rd!durable';
let master: RedisServer;
let replica: RedisServer;
let replicaClient: Redis;
let gw: TestGateway;

beforeAll(async () => {
  master = await startRedis();
  replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
  replicaClient = new Redis({ port: replica.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  await waitFor('the replica to sync', async () => (await replicaClient.info('replication')).includes('master_link_status:up'));
  gw = await startTestGateway({ redisServer: master, env: { ...RELAXED_LIMITS, REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '500' } });
  gw.secrets.add(PASSWORD);
});

afterAll(async () => {
  replica.process.kill('SIGCONT');
  replicaClient.disconnect();
  try {
    await finishApiSuite(gw);
  } finally {
    await replica.stop();
    await master.stop();
  }
});

let seq = 0;
async function newUser(): Promise<string> {
  seq += 1;
  const username = `durable${seq}`;
  await gw.emu.createUser({ username, password: PASSWORD });
  return username;
}

const warnings = () => gw.logs.filter((l) => l.includes('sign-in session not yet on every replica'));

it('answers a sign-in once the replica holds its session', async () => {
  const res = await spa(gw).post('/api/session/login', { username: await newUser(), password: PASSWORD });
  expect(res.status).toBe(200);
  const sid = /^cbg\.sid=s%3A([^.]+)\./.exec(String(res.headers['set-cookie']))![1]!;
  expect(await replicaClient.hget(gw.store.keys.session(sid), 'd')).toEqual(expect.any(String));
  expect(warnings()).toEqual([]);
});

it('still signs in, with a warning, when no replica acknowledges within the timeout', async () => {
  replica.process.kill('SIGSTOP');
  try {
    const res = await spa(gw).post('/api/session/login', { username: await newUser(), password: PASSWORD });
    expect(res.status).toBe(200);
    expect(warnings()).toHaveLength(1);
    expect(JSON.parse(warnings()[0]!)).toMatchObject({ replicas: 0, wanted: 1 });
  } finally {
    replica.process.kill('SIGCONT');
  }
});
