import { AppError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.js';

/** Counts attempts per key in fixed windows (per process; bounded memory). */
export class WindowCounter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly options: { limit: number; windowMs: number; clock: Clock; maxKeys?: number }) {}

  /** Counts one attempt; the seconds to wait when over the limit, else 0. */
  hit(key: string): number {
    const now = this.options.clock.now().getTime();
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.options.windowMs) {
      this.windows.delete(key);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
      // Bounded memory: forget the oldest windows under a flood of keys.
      if (this.windows.size > (this.options.maxKeys ?? 100_000)) this.windows.delete(this.windows.keys().next().value as string);
    }
    w.count += 1;
    return w.count > this.options.limit ? Math.max(1, Math.ceil((w.start + this.options.windowMs - now) / 1000)) : 0;
  }

  /** Takes back one attempt of the current window (it turned out not to count). */
  refund(key: string): void {
    const w = this.windows.get(key);
    if (w && w.count > 0) w.count -= 1;
  }
}

/** At most `concurrency` tasks at once, at most `queue` waiting; beyond, `run` refuses at once. */
export class BoundedLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: { concurrency: number; queue: number }) {}

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `task` when a slot is free; `undefined` (without running it) when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.active >= this.options.concurrency) {
      if (this.waiting.length >= this.options.queue) return undefined;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return { value: await task() };
    } finally {
      const next = this.waiting.shift();
      // The slot passes to the next waiter as is, or is freed.
      if (next) next();
      else this.active -= 1;
    }
  }
}

export interface LoginGuardOptions {
  clock: Clock;
  /** Attempts per minute per (user, client address). */
  perUserAddress: number;
  /** Attempts per minute per client address. */
  perAddress: number;
  /** Password checks (scrypt, on the I/O thread pool file transfers use too) at once. */
  hashConcurrency: number;
  /** Password checks waiting for a slot. */
  hashQueue: number;
}

/**
 * What stands in front of password logins: rate limits by (user, client address) and by
 * client address, never by user alone (a stranger must not be able to lock a user out), and
 * a bound on concurrent password hashing, so that a login flood cannot starve file I/O.
 */
export class LoginGuard {
  private readonly byUserAddress: WindowCounter;
  private readonly byAddress: WindowCounter;
  readonly hashing: BoundedLimiter;

  constructor(options: LoginGuardOptions) {
    this.byUserAddress = new WindowCounter({ limit: options.perUserAddress, windowMs: 60_000, clock: options.clock });
    this.byAddress = new WindowCounter({ limit: options.perAddress, windowMs: 60_000, clock: options.clock });
    this.hashing = new BoundedLimiter({ concurrency: options.hashConcurrency, queue: options.hashQueue });
  }

  /**
   * Runs one login attempt of `user` (domain and name) from `clientAddress`, or refuses it
   * with 429. Attempts count from their start; a successful one is taken back, so the limits
   * bound failed (and in-progress) attempts per minute and never a user who logs in often.
   */
  async attempt<T>(user: { domain: string; name: string }, clientAddress: string, login: () => Promise<T>): Promise<T> {
    const userKey = JSON.stringify([user.domain, user.name, clientAddress]);
    const wait = Math.max(this.byAddress.hit(clientAddress), this.byUserAddress.hit(userKey));
    if (wait > 0) {
      throw new AppError('tooManyLogins', `too many login attempts from this address; retry in ${wait} s`, { retryAfterSeconds: wait });
    }
    const done = await this.hashing.run(login);
    if (!done) throw new AppError('loginsBusy', 'too many logins in progress; retry shortly', { retryAfterSeconds: 1 });
    this.byAddress.refund(clientAddress);
    this.byUserAddress.refund(userKey);
    return done.value;
  }
}
