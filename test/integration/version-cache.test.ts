import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import supertest from 'supertest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { cookiePair, sessionIdFromCookie } from '../support/sessions.js';
import { expectApiError, finishApiSuite, RELAXED_LIMITS, spa } from '../support/api.js';
import { sessionVersions } from '../../src/session/version-cache.js';

/**
 * The proxy's lean path takes a session's version from a cache that Redis invalidates (session/version-cache.ts:
 * CLIENT TRACKING redirected to an invalidations connection). These tests run two gateways on one real Redis and
 * change sessions behind the first one's back: through the other gateway, with DEL and with expiry from a plain
 * client, by killing its connections and by restarting Redis. A change reaches the first gateway within a Redis push,
 * so the tests poll (boundedly) for the refusal; Redis's own command counts show the cache is what serves meanwhile.
 */

let redisServer: RedisServer;
let gw: TestGateway;
let other: TestGateway;
let backend: Server;
/** a plain client, not a gateway's: what it changes no gateway hears of but from Redis */
let probe: Redis;
const received: string[] = [];
const PASSWORD = 'Passw0rd!version-cache';
const login = { username: 'version-cache', password: PASSWORD };

beforeAll(async () => {
  backend = createServer((req, res) => {
    received.push(req.url!);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  redisServer = await startRedis();
  const env = { ...RELAXED_LIMITS, PROXY_ROUTES: JSON.stringify({ echo: `http://127.0.0.1:${(backend.address() as AddressInfo).port}/base` }) };
  gw = await startTestGateway({ redisServer, env });
  other = await startTestGateway({ redisServer, env });
  for (const g of [gw, other]) {
    await g.emu.createUser({ username: 'version-cache', password: PASSWORD, name: 'Vic' });
    g.secrets.add(PASSWORD);
  }
  probe = new Redis(redisServer.url);
});

afterAll(async () => {
  try {
    await finishApiSuite(other);
  } finally {
    await finishApiSuite(gw);
    probe.disconnect();
    await redisServer.stop();
    backend.closeAllConnections();
    await new Promise((r) => backend.close(r));
  }
});

interface Session {
  sid: string;
  cookie: string;
  key: string;
}

async function signedIn(): Promise<Session> {
  const res = await spa(gw).post('/api/session/login', login);
  expect(res.status).toBe(200);
  const sid = sessionIdFromCookie(res.headers['set-cookie'], gw.config.session.cookieName);
  return { sid, cookie: cookiePair(res.headers['set-cookie'], gw.config.session.cookieName), key: gw.store.keys.session(sid) };
}

const call = (s: Session, path: string, via: TestGateway = gw) => supertest(via.server).get(`/api/proxy/echo/${path}`).set('Cookie', s.cookie);

async function hgets(): Promise<number> {
  const m = /^cmdstat_hget:calls=(\d+)/m.exec(await probe.info('commandstats'));
  return m ? Number(m[1]) : 0;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it returns true; fails after `tries` attempts. */
async function until(what: string, check: () => Promise<boolean>, tries = 250): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await pause(20);
  }
  throw new Error(`never happened: ${what}`);
}

/** Signs in, makes the calls that open the session and cache its version, and checks that more calls read nothing. */
async function cached(): Promise<Session> {
  const s = await signedIn();
  expect((await call(s, 'open')).status).toBe(200);
  await until('the gateway caches versions', async () => sessionVersions(gw.redis).caching);
  expect((await call(s, 'warm')).status).toBe(200);
  const before = await hgets();
  for (let i = 0; i < 5; i++) expect((await call(s, `cached/${i}`)).status).toBe(200);
  expect((await hgets()) - before).toBe(0);
  return s;
}

/** The session is refused by `gw` on a call soon (each call before that may still pass: the push is on its way). */
async function refusedSoon(s: Session): Promise<void> {
  let refused: supertest.Response | undefined;
  await until('the session is refused', async () => {
    const res = await call(s, 'after');
    if (res.status === 200) return false;
    refused = res;
    return true;
  });
  expectApiError(refused!, 401, 'not_signed_in');
  for (let i = 0; i < 3; i++) expectApiError(await call(s, 'after/again'), 401, 'not_signed_in');
}

describe('a session version cached by one gateway', () => {
  it('costs no Redis read per call, and a sign-out on another gateway reaches it within a push', async () => {
    const s = await cached();
    const signOut = await supertest(other.server).delete('/api/session').set('Cookie', s.cookie).set('X-CSRF', '1');
    expect(signOut.status).toBe(204);
    await refusedSoon(s);
    // and the other gateway, which ended it, refuses it at once
    expectApiError(await call(s, 'there', other), 401, 'not_signed_in');
  });

  it('is dropped when the key is deleted by any client', async () => {
    const s = await cached();
    expect(await probe.del(s.key)).toBe(1);
    await refusedSoon(s);
  });

  it('is dropped when the key expires in Redis', async () => {
    const s = await cached();
    const expiredBefore = Number(/^expired_keys:(\d+)/m.exec(await probe.info('stats'))![1]);
    expect(await probe.pexpire(s.key, 600)).toBe(1);
    // the PEXPIRE itself invalidates; the calls read the version again, and keep serving from the cache once tracked
    await until('the version is cached again', async () => {
      const before = await hgets();
      expect((await call(s, 'expiring')).status).toBe(200);
      return (await hgets()) === before;
    });
    // Redis's active expiry removes it without anyone touching the key (no client reads it meanwhile)
    await until('Redis expired the key', async () => Number(/^expired_keys:(\d+)/m.exec(await probe.info('stats'))![1]) > expiredBefore);
    await refusedSoon(s);
  });

  it('is dropped whole when either connection of the cache drops, and caching resumes on the new connections', async () => {
    for (const name of ['gateway-version-invalidations', 'gateway-version-reads']) {
      const s = await cached();
      const ids = async () =>
        [...((await probe.client('LIST')) as string).matchAll(/^id=(\d+) .* name=(\S+)/gm)].filter((m) => m[2] === name).map((m) => m[1]!);
      const killed = await ids();
      expect(killed.length).toBeGreaterThan(0);
      for (const id of killed) await probe.client('KILL', 'ID', id);
      await until(`${name} reconnected and caching again`, async () => {
        const now = await ids();
        return now.length === killed.length && now.every((id) => !killed.includes(id)) && sessionVersions(gw.redis).caching;
      });
      // nothing cached survived the drop: the next call reads the version
      const before = await hgets();
      expect((await call(s, 'after-drop')).status).toBe(200);
      expect((await hgets()) - before).toBe(1);
      // caching and its invalidations work on the new connections
      const again = await hgets();
      for (let i = 0; i < 3; i++) expect((await call(s, `recached/${i}`)).status).toBe(200);
      expect((await hgets()) - again).toBe(0);
      expect(await probe.del(s.key)).toBe(1);
      await refusedSoon(s);
    }
  });

  it('answers a read that was in flight when this process changed the session, but does not keep what it read', async () => {
    const s = await signedIn();
    const versions = sessionVersions(gw.redis);
    await until('the gateway caches versions', async () => versions.caching);
    const read = () => new Promise<number | null>((resolve, reject) => versions.read(s.key, (err, v) => (err ? reject(err) : resolve(v))));
    versions.changed(s.key);
    const before = await hgets();
    const inFlight = read(); // batched: its HGET leaves on the next turn, after the change below
    versions.changed(s.key);
    expect(await inFlight).toEqual(expect.any(Number));
    expect(versions.size).toBe(0);
    await read(); // not kept: Redis is asked again
    expect((await hgets()) - before).toBe(2);
    await read(); // that one was kept
    expect((await hgets()) - before).toBe(2);
  });

  it('never serves a cached version across a Redis restart that lost the session', async () => {
    const s = await cached();
    const { port } = redisServer;
    await redisServer.stop();
    redisServer = await startRedis([], port);
    const statuses: number[] = [];
    await until('the gateway answers again after the restart', async () => {
      const res = await call(s, 'restarted');
      statuses.push(res.status);
      return res.status !== 503;
    }, 500);
    expect(statuses.filter((st) => st !== 503)).toEqual([401]);
    expectApiError(await call(s, 'restarted/again'), 401, 'not_signed_in');
  });
});
