// Load benchmark (not a test): one region process (SQLite + local disk) under a mixed load
// from autocannon in this process. Seeds BENCH_LOAD_ASSETS assets (1,000), then runs
// BENCH_LOAD_CONNECTIONS connections (200) for BENCH_LOAD_SECONDS (60): 60 % ShowAsset,
// 30 % ListAssets limit=10, 10 % CreateAsset, token auth, client timeout 10 s. Prints
// requests/s, p50/p99, the server's CPU per request, errors, timeouts, 5xx, its RSS after seeding, after a warm-up
// (BENCH_LOAD_WARMUP_SECONDS, 5) of the same mix and after the run, and a signed
// download's latency quiet and under BENCH_LOAD_BAD_LOGINS (100) concurrent bad logins.
// BENCH_DATABASE_URL=postgres://... puts the region's metadata on PostgreSQL (bench/database.mjs).
// It also prints where the region's memory is (RSS split, V8 heap, outside the heap) after
// seeding, after the warm-up and after the run. BENCH_LOAD_MIX: the weights of show, list and
// create (60,30,10); BENCH_NODE_ARGS: options for the region's node (e.g. V8 flags).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { cpuSeconds, eventLoopDelayMs, formatMemory, memoryFigures } from './process-figures.mjs';
import { signSdkRequest } from '../dist/auth/sdk-signature.js';
import { parseIdentityConfig, SettingsReader } from '../dist/config/index.js';
import { openIdentity } from '../dist/start/identity.js';
import { benchDatabase } from './database.mjs';

const seconds = Number(process.env.BENCH_LOAD_SECONDS ?? 60);
const connections = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 200);
const assetCount = Number(process.env.BENCH_LOAD_ASSETS ?? 1000);
const badLogins = Number(process.env.BENCH_LOAD_BAD_LOGINS ?? 100);
const warmupSeconds = Number(process.env.BENCH_LOAD_WARMUP_SECONDS ?? 5);
// BENCH_LOAD_MIX: the weights of ShowAsset, ListAssets and CreateAsset (e.g. 0,100,0: lists only).
const mix = (process.env.BENCH_LOAD_MIX ?? '60,30,10').split(',').map(Number);
if (mix.length !== 3 || mix.some((w) => !(w >= 0)) || mix[0] + mix[1] + mix[2] <= 0) throw new Error('BENCH_LOAD_MIX: three weights, e.g. 60,30,10');
const showShare = mix[0] / (mix[0] + mix[1] + mix[2]);
const listShare = mix[1] / (mix[0] + mix[1] + mix[2]);

const dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-bench-load-'));
const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const database = await benchDatabase(dir);
const port = await freePort();
const endpoint = `http://127.0.0.1:${port}`;
const env = {
  ASSETBRIDGE_MASTER_KEY: randomBytes(32).toString('hex'),
  ASSETBRIDGE_DATA_DIR: dir,
  ASSETBRIDGE_LOG_LEVEL: 'warn',
};
// BENCH_PROFILE_DIR: the region writes a CPU profile there when it stops (the bench prints the
// measured window in the profile's clock, to cut the seeding and the warm-up off).
const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
// BENCH_HEAP_SNAPSHOT_DIR: the region writes a heap snapshot there after the warm-up and after the run.
const snapshotDir = process.env.BENCH_HEAP_SNAPSHOT_DIR;
if (snapshotDir) profile.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`);
const server = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...profile, 'dist/bin/server.js', 'region'], {
  env: { ...process.env, ...env, ASSETBRIDGE_DATABASE_URL: database.url, ASSETBRIDGE_PORT: String(port), ASSETBRIDGE_URL_SECRET: randomBytes(32).toString('hex') },
  stdio: ['ignore', 'pipe', 'inherit'],
});
// However the bench ends (a failure, a closed output pipe), the region ends with it.
process.once('exit', () => server.kill('SIGTERM'));
await new Promise((resolve) => server.stdout.on('data', (d) => d.toString().includes('listening') && resolve()));
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const identity = await openIdentity(parseIdentityConfig(new SettingsReader(env), dir));
await identity.createAccount('bench');
const { accessKey, secretKey } = await identity.createCredential('bench');
const { password } = await identity.createUser('bench', 'loader');
const projectId = (await identity.projects('bench'))[0].id;
await identity.close();

async function call(method, p, body) {
  const url = `${endpoint}/v1/${projectId}${p}`;
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const headers = { 'content-type': 'application/json' };
  Object.assign(headers, signSdkRequest({ method, url, headers, body: bytes, accessKey, secretKey }));
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : bytes });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function login(userPassword) {
  return fetch(`${endpoint}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'loader', password: userPassword, domain: { name: 'bench' } } } }, scope: { project: { id: projectId } } } }),
  });
}

// 1. Seed: assets (8 at a time) and one 1 MiB file to download.
const ids = [];
for (let i = 0; i < assetCount; i += 8) {
  const batch = await Promise.all(Array.from({ length: Math.min(8, assetCount - i) }, (_, j) => call('POST', '/digital-assets', { asset_name: `seed-${i + j}`, asset_type: 'IMAGE' })));
  ids.push(...batch.map((a) => a.asset_id));
}
const bytes = randomBytes(1024 * 1024);
const file = await call('POST', '/files', { asset_id: ids[0], file_name: 'one.png', file_md5: createHash('md5').update(bytes).digest('base64'), file_size: bytes.length, asset_file_category: 'MAIN' });
const put = await fetch(file.upload_url, { method: 'PUT', body: bytes });
if (put.status !== 200) throw new Error(`upload ${put.status}`);
await call('POST', `/files/${file.file_id}/complete`, { state: 'CREATED' });
const downloadUrl = (await call('GET', `/digital-assets/${ids[0]}`)).files[0].download_url;

const tokenRes = await login(password);
if (tokenRes.status !== 201) throw new Error(`token ${tokenRes.status}`);
const token = tokenRes.headers.get('x-subject-token');


// 2. The mixed load.
const headers = { 'content-type': 'application/json', 'x-auth-token': token };
let created = 0;
const mixedLoad = (duration) => autocannon({
  url: endpoint,
  connections,
  duration,
  timeout: 10,
  requests: [{
    // A fresh request and headers each time: autocannon writes Content-Length into the headers it is given.
    setupRequest() {
      const r = Math.random();
      if (r < showShare) return { method: 'GET', path: `/v1/${projectId}/digital-assets/${ids[Math.floor(Math.random() * ids.length)]}`, headers: { ...headers } };
      if (r < showShare + listShare) return { method: 'GET', path: `/v1/${projectId}/digital-assets?limit=10`, headers: { ...headers } };
      created += 1;
      const body = JSON.stringify({ asset_name: `load-${String(created).padStart(9, '0')}`, asset_type: 'IMAGE' });
      return { method: 'POST', path: `/v1/${projectId}/digital-assets`, headers: { ...headers }, body };
    },
  }],
});
// A short warm-up at the same load first: the heap's young generation and the databases' page
// caches grow to their working size then; the growth measured after it is what the load adds.
const rssAfterSeed = rssMiB();
const memAfterSeed = await memoryFigures(endpoint, server.pid);
await mixedLoad(warmupSeconds);
const rssBefore = rssMiB();
const memBefore = await memoryFigures(endpoint, server.pid);
const snapshot = async () => { if (snapshotDir) { server.kill('SIGUSR2'); await fetch(`${endpoint}/metrics`).then((r) => r.text()); } };
await snapshot();
await eventLoopDelayMs(endpoint); // starts the server's event-loop delay window
const cpuBefore = cpuSeconds(server.pid);
const windowStartUs = process.hrtime.bigint() / 1000n;
const result = await mixedLoad(seconds);
const windowEndUs = process.hrtime.bigint() / 1000n;
const cpuUs = ((cpuSeconds(server.pid) - cpuBefore) / result.requests.total) * 1e6;
const rssAfter = rssMiB();
const delay = await eventLoopDelayMs(endpoint);
const memAfter = await memoryFigures(endpoint, server.pid);
await snapshot();

// 3. A download's latency, quiet and under a flood of bad logins.
async function downloadMs() {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const res = await fetch(downloadUrl);
    const got = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200 || got.length !== bytes.length) throw new Error(`download ${res.status}`);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[2];
}
const quiet = await downloadMs();
let flooding = true;
const loginStatuses = {};
const flood = Array.from({ length: badLogins }, async () => {
  while (flooding) {
    const res = await login('wrong-password');
    await res.arrayBuffer();
    loginStatuses[res.status] = (loginStatuses[res.status] ?? 0) + 1;
  }
});
await new Promise((resolve) => setTimeout(resolve, 200));
const underFlood = await downloadMs();
flooding = false;
await Promise.all(flood);

const fivexx = result['5xx'] ?? 0;
const pct = (w) => `${((100 * w) / (mix[0] + mix[1] + mix[2])).toFixed(0)}%`;
console.log(`load: ${connections} connections, ${seconds} s, ${assetCount} assets seeded (${pct(mix[0])} show, ${pct(mix[1])} list limit=10, ${pct(mix[2])} create; token auth; metadata on ${database.engine})`);
console.log(`requests/s ${result.requests.average.toFixed(0)}   latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms   total ${result.requests.total}`);
console.log(`server CPU per request ${cpuUs.toFixed(0)} µs (user + system over the run; robust to a shared machine, unlike requests/s)`);
console.log(`errors ${result.errors}   timeouts ${result.timeouts}   5xx ${fivexx}   non-2xx ${result.non2xx}`);
console.log(`server event-loop delay during the run: p99 ${delay.p99.toFixed(1)} ms, max ${delay.max.toFixed(1)} ms`);
console.log(`server RSS after seeding ${rssAfterSeed.toFixed(0)} MiB, after a ${warmupSeconds} s warm-up ${rssBefore.toFixed(0)} MiB, after ${rssAfter.toFixed(0)} MiB (growth ${(rssAfter - rssBefore).toFixed(0)} MiB)`);
if (process.env.BENCH_PROFILE_DIR) console.log(`profile: measured window ${windowStartUs}-${windowEndUs} µs (the profile's clock)`);
console.log(`server memory, MiB, after seeding: ${formatMemory(memAfterSeed)}`);
console.log(`  after the warm-up: ${formatMemory(memBefore)}`);
console.log(`  after the run:     ${formatMemory(memAfter)}`);
console.log(`download 1 MiB (median of 5): quiet ${quiet.toFixed(1)} ms, under ${badLogins} concurrent bad logins ${underFlood.toFixed(1)} ms (x${(underFlood / quiet).toFixed(2)}); login answers ${JSON.stringify(loginStatuses)}`);

server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
await database.drop();
await rm(dir, { recursive: true, force: true });
