import type { SessionData } from 'express-session';
import { DevMemoryStore } from '../../src/session/memory-store.js';
import type { VersionedSession } from '../../src/session/store.js';

/** The development store's write rules, which mirror the Redis store's compare-and-set and tombstones. */
let clock = 1_000_000;
const dropped: string[] = [];
const store = () =>
  new DevMemoryStore({
    ttlMs: (s: SessionData) => (s.seen ?? clock) + 60_000 - clock,
    tombstoneMs: 5_000,
    now: () => clock,
    onDroppedWrite: (_sid, outcome) => dropped.push(outcome),
  });
const session = (extra: Partial<SessionData> = {}): VersionedSession => ({ created: clock, seen: clock, did: 'd', ...extra }) as VersionedSession;

beforeEach(() => {
  clock = 1_000_000;
  dropped.length = 0;
});

it('writes a new session at version 1 and hands out copies with their version', () => {
  const s = store();
  const sess = session();
  expect(s.write('a', sess)).toBe('written');
  expect(sess._v).toBe(1);
  const copy = s.read('a')!;
  expect(copy).toMatchObject({ did: 'd', _v: 1 });
  copy.did = 'changed';
  expect(s.read('a')!.did).toBe('d');
});

it('drops a write based on an old version, but adopts one identical to what is stored', () => {
  const s = store();
  s.write('a', session());
  const first = s.read('a')!;
  const second = s.read('a')!;
  first.did = 'newer';
  expect(s.write('a', first)).toBe('written');
  second.did = 'older';
  expect(s.write('a', second)).toBe('conflict');
  expect(s.read('a')!.did).toBe('newer');
  const same = { ...s.read('a')!, _v: 1 };
  expect(s.write('a', same)).toBe('written');
  expect(same._v).toBe(2);
  expect(dropped).toEqual(['conflict']);
});

it('refuses to write a destroyed session until its tombstone expires', () => {
  const s = store();
  s.write('a', session());
  const late = s.read('a')!;
  s.remove('a');
  expect(s.write('a', late)).toBe('destroyed');
  expect(s.write('a', session())).toBe('destroyed');
  expect(s.read('a')).toBeNull();
  clock += 5_001;
  expect(s.write('a', session())).toBe('written');
  expect(dropped).toEqual(['destroyed', 'destroyed']);
});

it('forgets a session past its limits, and destroys one written with no time left', () => {
  const s = store();
  s.write('a', session());
  clock += 60_001;
  expect(s.read('a')).toBeNull();
  s.write('b', session());
  expect(s.write('b', { ...s.read('b')!, seen: clock - 70_000 })).toBe('destroyed');
  expect(s.read('b')).toBeNull();
});

it('answers express-session through callbacks', async () => {
  const s = store();
  await new Promise<void>((resolve) => s.set('a', session(), () => resolve()));
  const got = await new Promise<unknown>((resolve) => s.get('a', (_err, data) => resolve(data)));
  expect(got).toMatchObject({ did: 'd', _v: 1 });
  await new Promise<void>((resolve) => s.destroy('a', () => resolve()));
  expect(await new Promise<unknown>((resolve) => s.get('a', (_err, data) => resolve(data)))).toBeNull();
});
