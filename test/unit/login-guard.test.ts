import { describe, expect, it } from 'vitest';
import { BoundedLimiter } from '../../src/services/identity/login-guard.js';

/** A task that ends when told to. */
function gate(): { promise: Promise<void>; open(): void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('BoundedLimiter', () => {
  it('runs at most `concurrency` tasks at once, queues up to `queue`, refuses the rest at once', async () => {
    const limiter = new BoundedLimiter({ concurrency: 2, queue: 3 });
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 8 }, gate);
    const results = gates.map((g, i) =>
      limiter.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await g.promise;
        running -= 1;
        return i;
      }),
    );
    // 2 run, 3 wait, 3 are refused without running.
    expect(limiter.running).toBe(2);
    expect(limiter.queued).toBe(3);
    expect(await Promise.all(results.slice(5))).toEqual([undefined, undefined, undefined]);
    for (const g of gates) g.open();
    expect((await Promise.all(results.slice(0, 5))).map((r) => r?.value)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(limiter.running).toBe(0);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new BoundedLimiter({ concurrency: 1, queue: 0 });
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toEqual({ value: 'next' });
  });
});
