/**
 * Reads until `check` passes on what was read (a read that throws counts as not yet), failing
 * after `timeoutMs` with the last value: waits for a condition, never a fixed sleep.
 */
export async function pollUntil<T>(read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read().catch(() => undefined);
    if (v !== undefined && check(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until a synchronous `check` passes (every 10 ms), failing after `timeoutMs` with `what`. */
export async function untilTrue(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
