/**
 * REDIS_WAIT_REPLICAS=1 on a Redis master with one replica: a sign-in is answered once the replica holds its session
 * (Redis WAIT), and when no replica acknowledges within REDIS_WAIT_TIMEOUT_MS (frozen here with SIGSTOP) the sign-in
 * still succeeds, with a warning that names the shortfall. And a Redis error met on the way is the store's 503.
 */
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { finishApiSuite, RELAXED_LIMITS, spa } from '../support/api.js';
import { sessionIdFromCookie, waitFor } from '../support/sessions.js';

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
  return (await newUserWithSub()).username;
}

async function newUserWithSub(): Promise<{ username: string; sub: string }> {
  seq += 1;
  const username = `durable${seq}`;
  const { sub } = await gw.emu.createUser({ username, password: PASSWORD });
  return { username, sub };
}

const warnings = () => gw.logs.filter((l) => l.includes('sign-in session not yet on every replica'));

it('answers a sign-in once the replica holds its session', async () => {
  const res = await spa(gw).post('/api/session/login', { username: await newUser(), password: PASSWORD });
  expect(res.status).toBe(200);
  const sid = sessionIdFromCookie(res.headers['set-cookie']);
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

it('a Redis error from the session index fails the sign-in with the store\'s 503, not a 500', async () => {
  // Any command error will do: a value of the wrong type where the per-user index (a sorted set) belongs.
  const { username, sub } = await newUserWithSub();
  await gw.redis.set(gw.store.keys.user(sub), 'not-a-sorted-set');
  const res = await spa(gw).post('/api/session/login', { username, password: PASSWORD });
  expect(res.status).toBe(503);
  expect(res.body).toMatchObject({ error: { code: 'store_unavailable' } });
  expect(res.headers['retry-after']).toBe('2');
});
