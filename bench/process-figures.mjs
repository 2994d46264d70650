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

/**
 * Where a region process's memory is, MiB: from /proc (RSS split into anonymous, file-backed
 * and shared pages: SQLite's WAL index is a shared mapping) and from its /metrics (V8's heap,
 * used and reserved, its young generation, and the memory V8 counts outside its heap: Buffers).
 * Scraping /metrics resets its event-loop delay window: read that first.
 */
export async function memoryFigures(endpoint, pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  const lines = text.split('\n');
  const read = (name, label) => Number(lines.find((l) => l.startsWith(`${name}{`) && (!label || l.includes(label)))?.split(' ').pop() ?? NaN) / 1024 / 1024;
  const heapTotal = read('nodejs_heap_size_total_bytes');
  const external = read('nodejs_external_memory_bytes');
  const rss = kib('VmRSS');
  return {
    rss,
    anon: kib('RssAnon'),
    file: kib('RssFile'),
    shmem: kib('RssShmem'),
    heapUsed: read('nodejs_heap_size_used_bytes'),
    heapTotal,
    newSpace: read('nodejs_heap_space_size_total_bytes', 'space="new"'),
    oldSpace: read('nodejs_heap_space_size_total_bytes', 'space="old"'),
    external,
    // Outside V8: SQLite's page caches and statements, malloc's free lists, code, thread stacks.
    native: kib('RssAnon') - heapTotal - external,
  };
}

/** One line of `memoryFigures`. */
export function formatMemory(m) {
  const f = (v) => v.toFixed(0);
  return `RSS ${f(m.rss)} (anon ${f(m.anon)}, file ${f(m.file)}, shared ${f(m.shmem)}): V8 heap ${f(m.heapUsed)} used of ${f(m.heapTotal)} (young ${f(m.newSpace)}, old ${f(m.oldSpace)}), external ${f(m.external)}, other anon ${f(m.native)}`;
}
