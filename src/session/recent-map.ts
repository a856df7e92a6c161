/**
 * A map of at most `max` entries that drops the least recently used, without moving an entry on every hit: an entry
 * is moved to the young end only once it has fallen into the older half (a hot entry moves once per max/2 insertions
 * and moves). A hit on the hot path is then one lookup, where a delete and an insert per hit churned the Map's table on
 * every request. An entry used while in the younger half is never the one dropped.
 */
export class RecentMap<K, V> {
  private readonly entries = new Map<K, { value: V; at: number }>();
  private clock = 0;

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.clock - entry.at > this.max / 2) {
      this.entries.delete(key);
      entry.at = ++this.clock;
      this.entries.set(key, entry);
    }
    return entry.value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, at: ++this.clock });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
