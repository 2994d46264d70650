import type { MetadataStore } from '../ports/metadata-store.js';

/** Options of a `CommitGroup`. */
export interface CommitGroupOptions {
  store: MetadataStore;
  /**
   * How long the first piece of work of a group waits for others to join it, ms (default 5);
   * 0: until the end of the current turn of the event loop (the pieces started in that turn).
   */
  windowMs?: number;
  /** A group this large commits at once (default 32). */
  maxSize?: number;
}

interface Pending {
  key: string;
  work: (tx: MetadataStore) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: pieces of work that arrive within a short window are run in ONE transaction,
 * each in a savepoint of its own. A piece that throws has its writes undone and its caller gets
 * the error, while the others go on; every caller is answered only once the transaction has
 * committed (or with the commit's error), so no caller acts on a write that could still be lost.
 * A transaction per piece costs a commit (and on SQLite a write of every page it changed to the
 * log) each; a group shares one, and its pieces share the pages they change (the same index and
 * count rows).
 */
export class CommitGroup {
  private waiting: Pending[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly windowMs: number;
  private readonly maxSize: number;

  constructor(private readonly o: CommitGroupOptions) {
    this.windowMs = o.windowMs ?? 5;
    this.maxSize = o.maxSize ?? 32;
  }

  /** How many pieces wait for their group's commit. */
  get size(): number {
    return this.waiting.length;
  }

  /**
   * Runs `work` in the next group's transaction (in a savepoint); resolves once that transaction
   * has committed. A group runs its pieces in the order of their `key`s: pieces that take locks
   * (PostgreSQL: rows, a project's quota lock) by key take them in one order in every group.
   */
  run<T>(key: string, work: (tx: MetadataStore) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ key, work, resolve: resolve as (value: unknown) => void, reject });
      if (this.waiting.length >= this.maxSize) this.flush();
      else this.timer ??= this.windowMs > 0 ? setTimeout(() => this.flush(), this.windowMs) : setImmediate(() => this.flush());
    });
  }

  /** Commits what waits now, without waiting for the window to end (e.g. nothing else can join). */
  flush(): void {
    if (this.timer !== undefined) {
      if (this.windowMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
      else clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
    const group = this.waiting.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.waiting = [];
    if (group.length > 0) void this.commit(group);
  }

  private async commit(group: Pending[]): Promise<void> {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      await this.o.store.transaction(async (tx) => {
        for (const p of group) {
          try {
            outcomes.push({ ok: true, value: await tx.savepoint(p.work) });
          } catch (err) {
            outcomes.push({ ok: false, err });
          }
        }
      });
    } catch (err) {
      // Nothing of the group was committed.
      for (const p of group) p.reject(err);
      return;
    }
    group.forEach((p, i) => {
      const outcome = outcomes[i];
      if (!outcome) p.reject(new Error('group commit lost a piece of work'));
      else if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.err);
    });
  }
}
