// Replication-rules benchmark (not a test): region processes over loopback (SQLite + disk).
// - live: a rule A -> B, then BENCH_RULE_ASSETS (200) assets of BENCH_RULE_MIB (1) MiB created
//   in A by 4 clients; each asset's lag from its activation in A (the confirm of its MAIN file
//   answered) to ACTIVED in B (seen by polling B's ListAssets), p50 and p99; none missing, none
//   duplicated;
// - backfill: BENCH_BACKFILL_ASSETS (1000) assets of 64 KiB already in A, then a rule created
//   with backfill: true; seconds until all are ACTIVED in B, in assets/s, and what it cost per
//   asset: requests B answered (rule deliveries, each carrying one or more items) and A answered
//   (files served), from the regions' /metrics, and CPU milliseconds each region used (its
//   process, worker threads included; a figure the machine's load does not change much).
// BENCH_PROFILE_DIR: both regions write a CPU profile there when they stop.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cpuSeconds } from './process-figures.mjs';
import { MiB, startDeployment } from './regions.mjs';

const liveCount = Number(process.env.BENCH_RULE_ASSETS ?? 200);
const liveMiB = Number(process.env.BENCH_RULE_MIB ?? 1);
const fillCount = Number(process.env.BENCH_BACKFILL_ASSETS ?? 1000);
const tasks = process.env.BENCH_PARALLEL_TASKS ?? '32';

const dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-bench-rules-'));
const nodeArgs = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
const d = await startDeployment(dir, {
  a: { region: 'cn-north-4', env: { ASSETBRIDGE_RULE_DELIVERY_CONCURRENCY: process.env.BENCH_DELIVERY_CONCURRENCY ?? '32' }, nodeArgs },
  b: { region: 'ap-southeast-3', env: { ASSETBRIDGE_COPY_PARALLEL_TASKS: tasks }, nodeArgs },
});

/** A region's requests answered so far, by operation (its /metrics). */
async function requestsBy(name) {
  const text = await (await fetch(`${d.endpoint(name)}/metrics`)).text();
  const counts = {};
  for (const m of text.matchAll(/^assetbridge_http_requests_total\{([^}]*)\} (\S+)$/gm)) {
    const op = /operation="([^"]*)"/.exec(m[1])?.[1] ?? '?';
    counts[op] = (counts[op] ?? 0) + Number(m[2]);
  }
  return counts;
}
const delta = (after, before, op) => (after[op] ?? 0) - (before[op] ?? 0);

const percentile = (values, p) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

/** Every asset of B whose name starts with `prefix`, in ACTIVED (ids, in pages of 100). */
async function activeInB(prefix) {
  const ids = [];
  for (let offset = 0; ; offset += 100) {
    const page = await d.call('b', 'GET', `/digital-assets?asset_state=ACTIVED&limit=100&offset=${offset}&name=${prefix}`);
    ids.push(...page.assets.map((a) => a.asset_id));
    if (page.assets.length < 100) return { ids, count: page.count };
  }
}

async function makeAsset(name, bytes) {
  const { asset_id } = await d.call('a', 'POST', '/digital-assets', { asset_name: name, asset_type: 'VIDEO' });
  await d.upload(asset_id, 'main.mp4', function* () { yield bytes; }, 'MAIN');
  return asset_id;
}

// 1. Live: assets created under a rule.
await d.call('a', 'POST', '/replication-rules', { rule_name: 'live', target_region: 'ap-southeast-3', filter: { name_prefix: 'live-' } });
const activatedAt = new Map();
const seenAt = new Map();
let creating = true;
let lastActivation = performance.now();
const watcher = (async () => {
  while (creating || seenAt.size < liveCount) {
    const { ids } = await activeInB('live-');
    const now = performance.now();
    for (const id of ids) if (!seenAt.has(id)) seenAt.set(id, now);
    if (!creating && seenAt.size >= liveCount) break;
    if (!creating && now - lastActivation > 120_000) break;
    await new Promise((r) => setTimeout(r, 25));
  }
})();
let next = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (next < liveCount) {
      const i = next++;
      const id = await makeAsset(`live-${i}`, randomBytes(liveMiB * MiB));
      lastActivation = performance.now();
      activatedAt.set(id, lastActivation);
    }
  }),
);
creating = false;
await watcher;
const lags = [...activatedAt].filter(([id]) => seenAt.has(id)).map(([id, t]) => Math.max(0, (seenAt.get(id) - t) / 1000));
const live = await activeInB('live-');
const missing = liveCount - lags.length;
const duplicated = live.count - new Set(live.ids).size + Math.max(0, live.count - liveCount);

// 2. Backfill: assets that exist before the rule.
const filler = randomBytes(64 * 1024);
let made = 0;
const fillIds = [];
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (made < fillCount) {
      const i = made++;
      fillIds[i] = await makeAsset(`fill-${i}`, filler);
    }
  }),
);
// A parses each new MAIN file in the background, one at a time, and writes its video_meta (a new
// version of the asset): wait for all of it, so the backfill is measured alone (not racing with
// those updates, which would queue a second delivery of each asset).
for (const id of fillIds) {
  while (!(await d.call('a', 'GET', `/digital-assets/${id}`)).asset_extra_meta?.video_meta) await new Promise((r) => setTimeout(r, 50));
}
const [aBefore, bBefore] = [await requestsBy('a'), await requestsBy('b')];
const cpuBefore = { a: cpuSeconds(d.pid('a')), b: cpuSeconds(d.pid('b')) };
const t0 = performance.now();
await d.call('a', 'POST', '/replication-rules', { rule_name: 'fill', target_region: 'ap-southeast-3', filter: { name_prefix: 'fill-' }, backfill: true });
for (;;) {
  const page = await d.call('b', 'GET', '/digital-assets?asset_state=ACTIVED&limit=1&name=fill-');
  if (page.count >= fillCount) break;
  if (performance.now() - t0 > 600_000) throw new Error(`backfill stuck at ${page.count}/${fillCount}`);
  await new Promise((r) => setTimeout(r, 50));
}
const fillSeconds = (performance.now() - t0) / 1000;
const cpuMs = { a: ((cpuSeconds(d.pid('a')) - cpuBefore.a) * 1000) / fillCount, b: ((cpuSeconds(d.pid('b')) - cpuBefore.b) * 1000) / fillCount };
// The deliveries asking about copies still running go on a little after B activated the last.
await new Promise((r) => setTimeout(r, Number(process.env.BENCH_SETTLE_MS ?? 0)));
const [aAfter, bAfter] = [await requestsBy('a'), await requestsBy('b')];
const perAsset = (n) => (n / fillCount).toFixed(2);

console.log(`live: ${liveCount} assets of ${liveMiB} MiB under a rule: lag to ACTIVED in B p50 ${percentile(lags, 50).toFixed(2)} s, p99 ${percentile(lags, 99).toFixed(2)} s (target p99 <= 5 s); missing ${missing}, duplicated ${duplicated}`);
console.log(`backfill: ${fillCount} assets of 64 KiB in ${fillSeconds.toFixed(1)} s: ${(fillCount / fillSeconds).toFixed(0)} assets/s (target >= 300)`);
console.log(
  `backfill requests per asset: B answered ${perAsset(delta(bAfter, bBefore, 'replication.rule.deliver'))} rule-delivery requests` +
    (bAfter['replication.rule.deliver-batch'] !== undefined ? ` and ${perAsset(delta(bAfter, bBefore, 'replication.rule.deliver-batch'))} batches` : '') +
    `; A served ${perAsset(delta(aAfter, aBefore, 'replication.file.serve'))} files; CPU per asset: A ${cpuMs.a.toFixed(1)} ms, B ${cpuMs.b.toFixed(1)} ms`,
);

await d.stop();
await rm(dir, { recursive: true, force: true });
