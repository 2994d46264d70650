import type { Clock } from '../ports/clock.js';

/** One asset's ShowAsset answer as its own project reads it, and what it was built from. */
interface Entry {
  /** `MetadataStore.showStamp` read before the answer was built. */
  stamp: string;
  /** The serialized answer. */
  body: string;
  /** The asset's app user: a caller acting for another app user is not given the entry. */
  appUserId: string | null;
  /** Epoch ms after which the entry's download URLs are signed anew (the entry is dropped). */
  until: number;
  size: number;
}

export interface ShowCacheOptions {
  /** Bytes of answers kept at most (0: nothing is kept). */
  maxBytes: number;
  /** Lifetime of a download URL, seconds: an answer is reused for a tenth of it, at most 60 s. */
  downloadUrlTtlSeconds: number;
  clock: Clock;
}

/** Largest share of the cache one answer may take (an asset with thousands of files is built every time). */
const largestShare = 16;

/**
 * ShowAsset's answers, serialized, per project and asset, least recently used dropped first.
 * An entry is served only while the asset's stamp read from the database for this request
 * (`MetadataStore.showStamp`) is the one it was built under: every process of a region checks
 * the database, so a change made by any of them is seen by the next request. Authentication
 * and authorization still run for every request; the entry holds no secret (its download URLs
 * are the ones the answer carries anyway) and is reused for a short slice of the URLs'
 * lifetime only, so an answer's URLs always keep at least 90 % of their lifetime.
 */
export class ShowCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly reuseMs: number;

  constructor(private readonly options: ShowCacheOptions) {
    this.reuseMs = Math.min(60_000, options.downloadUrlTtlSeconds * 100);
  }

  get enabled(): boolean {
    return this.options.maxBytes > 0;
  }

  /** The answer kept for this asset under `stamp`, if still reusable. */
  get(projectId: string, assetId: string, stamp: string): { body: string; appUserId: string | null } | undefined {
    const key = keyOf(projectId, assetId);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.stamp !== stamp || this.options.clock.now().getTime() >= entry.until) {
      this.drop(key, entry);
      return undefined;
    }
    // Most recently used last: the first entry is the one a full cache drops.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(projectId: string, assetId: string, stamp: string, body: string, appUserId: string | null): void {
    const key = keyOf(projectId, assetId);
    const old = this.entries.get(key);
    if (old) this.drop(key, old);
    // Text length counts UTF-16 units: near enough to bytes for a bound.
    const size = body.length + stamp.length + key.length + 64;
    if (size > this.options.maxBytes / largestShare) return;
    this.entries.set(key, { stamp, body, appUserId, until: this.options.clock.now().getTime() + this.reuseMs, size });
    this.bytes += size;
    for (const [oldestKey, oldest] of this.entries) {
      if (this.bytes <= this.options.maxBytes) break;
      this.drop(oldestKey, oldest);
    }
  }

  /** Entries and bytes held (for tests and operators). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.size;
  }
}

const keyOf = (projectId: string, assetId: string): string => `${projectId}/${assetId}`;
