import type { MaybePromise } from '../../domain/maybe-promise.js';

/**
 * What identity lookups answered recently, re-read once older than `ttlMs`: a change in the
 * identity store (a disabled key or user, a password change) is seen within that bound by
 * every region, while requests in between cost no lookup. At most `maxEntries` are kept (the
 * oldest go first).
 */
export class RecheckCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();

  constructor(private readonly o: { ttlMs: number; maxEntries: number; nowMs: () => number }) {}

  /** The value of `key` read at most `ttlMs` ago, else `load()`'s (kept unless `keep` says no). */
  async get(key: string, load: () => Promise<V>, keep: (value: V) => boolean = () => true): Promise<V> {
    return this.lookup(key, load, keep);
  }

  /** As `get`, but a value read at most `ttlMs` ago is answered at once, without a promise. */
  lookup(key: string, load: () => Promise<V>, keep: (value: V) => boolean = () => true): MaybePromise<V> {
    // Timed from before the read: the entry never outlives the bound counted from the store's answer.
    const now = this.o.nowMs();
    const hit = this.entries.get(key);
    if (hit && now >= hit.at && now - hit.at < this.o.ttlMs) return hit.value;
    return this.load(key, now, load, keep);
  }

  private async load(key: string, now: number, load: () => Promise<V>, keep: (value: V) => boolean): Promise<V> {
    const value = await load();
    this.entries.delete(key);
    if (!keep(value)) return value;
    if (this.entries.size >= this.o.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, at: now });
    return value;
  }
}
