import type { Clock } from '../../ports/clock.js';

/** Locks a key for a while after too many consecutive failures (per process). */
export class FailureLock {
  private readonly entries = new Map<string, { failures: number; lockedUntil: number }>();

  constructor(private readonly options: { maxFailures: number; lockMs: number; clock: Clock }) {}

  isLocked(key: string): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.lockedUntil > this.options.clock.now().getTime();
  }

  /** Counts a failure; true when it locked the key. */
  fail(key: string): boolean {
    const entry = this.entries.get(key) ?? { failures: 0, lockedUntil: 0 };
    entry.failures += 1;
    const locks = entry.failures > this.options.maxFailures;
    if (locks) {
      entry.lockedUntil = this.options.clock.now().getTime() + this.options.lockMs;
      entry.failures = 0;
    }
    this.entries.set(key, entry);
    // Bounded memory: forget the oldest entries under a flood of random keys.
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value as string);
    return locks;
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }
}
