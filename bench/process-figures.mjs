// Figures the benches read off a running region process.
import { readFileSync } from 'node:fs';

/**
 * The region's event-loop delay p99 and max (ms) since the last call: its /metrics resets the
 * histogram at every scrape, so a call before a run starts the window.
 */
export async function eventLoopDelayMs(endpoint) {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  const read = (name) => Number(text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))?.split(' ').pop() ?? NaN) * 1000;
  return { p99: read('nodejs_eventloop_lag_p99_seconds'), max: read('nodejs_eventloop_lag_max_seconds') };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux; NaN elsewhere). */
export function cpuSeconds(pid) {
  const { user, system } = cpuSplit(pid);
  return user + system;
}

/** CPU seconds a process has used so far in user space and in the kernel, from /proc. */
export function cpuSplit(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return { user: NaN, system: NaN };
  }
}
