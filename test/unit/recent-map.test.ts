import { RecentMap } from '../../src/session/recent-map.js';

/** The bounded caches of the lean paths (session versions, opened sessions) drop the least recently used entry. */
describe('RecentMap', () => {
  it('holds at most its bound, dropping the oldest entry that was not used since', () => {
    const map = new RecentMap<string, number>(4);
    for (const k of ['a', 'b', 'c', 'd']) map.set(k, k.charCodeAt(0));
    map.set('e', 5);
    expect(map.size).toBe(4);
    expect(map.get('a')).toBeUndefined();
    expect(map.get('b')).toBe(98);
  });

  it('keeps an entry that is used while newer ones keep coming, however many', () => {
    const map = new RecentMap<number, string>(100);
    map.set(-1, 'hot');
    for (let i = 0; i < 10_000; i++) {
      map.set(i, 'cold');
      if (i % 10 === 0) expect(map.get(-1)).toBe('hot');
    }
    expect(map.size).toBe(100);
    expect(map.get(-1)).toBe('hot');
    expect(map.get(0)).toBeUndefined();
  });

  it('forgets what is deleted or cleared, and a set replaces', () => {
    const map = new RecentMap<string, number>(3);
    map.set('a', 1);
    map.set('a', 2);
    expect(map.get('a')).toBe(2);
    map.delete('a');
    expect(map.get('a')).toBeUndefined();
    map.set('b', 1);
    map.clear();
    expect(map.size).toBe(0);
  });
});
