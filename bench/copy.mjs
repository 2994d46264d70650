// Copy benchmark (not a test): two region processes over loopback. Prints, in one run:
// a 1 GiB asset (4 x 256 MiB) copied end to end in MB/s, the same files fetched with plain
// curl from region A (the machine's limit) and the ratio, region B's peak RSS during that
// copy, and 1,000 assets of 64 KiB copied (export, import, until all ACTIVED) in assets/s.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { signSdkRequest } from '../dist/auth/sdk-signature.js';
import { parseIdentityConfig, SettingsReader } from '../dist/config/index.js';
import { openIdentity } from '../dist/start/identity.js';

const MiB = 1024 * 1024;
const bigFiles = Number(process.env.BENCH_BIG_FILES ?? 4);
const bigMiB = Number(process.env.BENCH_BIG_MIB ?? 256);
const smallCount = Number(process.env.BENCH_SMALL_ASSETS ?? 1000);

const dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-bench-copy-'));
const need = 3.2 * bigFiles * bigMiB * MiB;
const fs = statfsSync(dir);
if (fs.bavail * fs.bsize < need) {
  console.error(`needs about ${(need / 2 ** 30).toFixed(1)} GiB free in ${tmpdir()}; has ${((fs.bavail * fs.bsize) / 2 ** 30).toFixed(1)} GiB`);
  process.exit(1);
}

const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const ports = { a: await freePort(), b: await freePort() };
const names = { a: 'cn-north-4', b: 'ap-southeast-3' };
const endpoint = (side) => `http://127.0.0.1:${ports[side]}`;
writeFileSync(path.join(dir, 'keyring.json'), JSON.stringify({ active: 'k1', keys: { k1: randomBytes(16).toString('base64') } }));
const shared = {
  ASSETBRIDGE_MASTER_KEY: randomBytes(32).toString('hex'),
  ASSETBRIDGE_IDENTITY_DATABASE_URL: `sqlite:${path.join(dir, 'identity.db')}`,
  ASSETBRIDGE_KEYRING_FILE: path.join(dir, 'keyring.json'),
  ASSETBRIDGE_LOG_LEVEL: 'warn',
  ASSETBRIDGE_COPY_PARALLEL_TASKS: process.env.BENCH_PARALLEL_TASKS ?? '8',
};
const procs = {};
async function start(side) {
  const other = side === 'a' ? 'b' : 'a';
  const child = spawn(process.execPath, ['dist/bin/server.js', 'region'], {
    env: { ...process.env, ...shared, ASSETBRIDGE_REGION: names[side], ASSETBRIDGE_PORT: String(ports[side]),
      ASSETBRIDGE_DATA_DIR: path.join(dir, side), ASSETBRIDGE_URL_SECRET: randomBytes(32).toString('hex'),
      ASSETBRIDGE_PEERS: `${names[other]}=${endpoint(other)}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  procs[side] = child;
  await new Promise((resolve) => child.stdout.on('data', (d) => d.toString().includes('listening') && resolve()));
}
await start('a');
await start('b');

const identity = await openIdentity(parseIdentityConfig(new SettingsReader(shared), dir));
await identity.createAccount('bench');
const { accessKey, secretKey } = await identity.createCredential('bench');
const projects = Object.fromEntries((await identity.projects('bench')).map((p) => [p.region, p.id]));
await identity.close();
const project = (side) => projects[names[side]];

async function call(side, method, p, body) {
  const url = `${endpoint(side)}/v1/${project(side)}${p}`;
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const headers = { 'content-type': 'application/json', 'x-project-id': project(side) };
  Object.assign(headers, signSdkRequest({ method, url, headers, body: bytes, accessKey, secretKey }));
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : bytes });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function upload(assetId, name, chunks, category) {
  const md5 = createHash('md5');
  let size = 0;
  for (const c of chunks()) { md5.update(c); size += c.length; }
  const digest = md5.digest('base64');
  const f = await call('a', 'POST', '/files', { asset_id: assetId, file_name: name, file_md5: digest, file_size: size, asset_file_category: category });
  const res = await fetch(f.upload_url, { method: 'PUT', body: Readable.from(chunks()), duplex: 'half', headers: { 'content-length': String(size) } });
  if (res.status !== 200) throw new Error(`upload ${res.status}`);
  await call('a', 'POST', `/files/${f.file_id}/complete`, { state: 'CREATED' });
}

async function copy(assetId) {
  const info = await call('a', 'GET', `/digital-assets/${assetId}/replication-info`);
  await call('b', 'POST', '/digital-assets-by-replication-info', { asset_id: info.asset_id, asset_info: info.asset_info, encryption_info: info.encryption_info });
}

// 1. The large asset.
const block = randomBytes(MiB);
const big = await call('a', 'POST', '/digital-assets', { asset_name: 'bench-1g', asset_type: 'VIDEO' });
for (let i = 0; i < bigFiles; i++) {
  const tweak = Buffer.from([i]);
  await upload(big.asset_id, `part-${i}.mp4`, function* () { yield tweak; for (let j = 0; j < bigMiB; j++) yield block; }, i === 0 ? 'MAIN' : 'OTHER');
}
const bigBytes = bigFiles * (bigMiB * MiB + 1);
const t0 = performance.now();
await copy(big.asset_id);
for (;;) {
  const a = await call('b', 'GET', `/digital-assets/${big.asset_id}`);
  if (a.asset_state === 'ACTIVED') break;
  if (a.asset_state === 'FAILED') throw new Error(a.reason);
  await new Promise((r) => setTimeout(r, 100));
}
const copySeconds = (performance.now() - t0) / 1000;
const peakRssB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${procs.b.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

// 2. The same bytes with plain curl from region A (signed download URLs), one after another.
const shown = await call('a', 'GET', `/digital-assets/${big.asset_id}`);
const c0 = performance.now();
for (const f of shown.files) execFileSync('curl', ['-s', '-o', '/dev/null', f.download_url]);
const curlSeconds = (performance.now() - c0) / 1000;

// 3. Many small assets.
const small = [];
for (let i = 0; i < smallCount; i++) {
  const { asset_id } = await call('a', 'POST', '/digital-assets', { asset_name: `small-${i}`, asset_type: 'IMAGE' });
  const bytes = randomBytes(64 * 1024);
  await upload(asset_id, 'main.png', function* () { yield bytes; }, 'MAIN');
  small.push(asset_id);
}
const s0 = performance.now();
const lanes = 8;
let next = 0;
await Promise.all(Array.from({ length: lanes }, async () => { while (next < small.length) await copy(small[next++]); }));
for (;;) {
  const list = await call('b', 'GET', `/digital-assets?asset_state=ACTIVED&limit=1&name=small-`);
  if (list.count >= smallCount) break;
  await new Promise((r) => setTimeout(r, 100));
}
const smallSeconds = (performance.now() - s0) / 1000;

const mb = bigBytes / 1e6;
console.log(`large asset: ${bigFiles} x ${bigMiB} MiB copied in ${copySeconds.toFixed(1)} s: ${(mb / copySeconds).toFixed(1)} MB/s`);
console.log(`plain curl from region A: ${(mb / curlSeconds).toFixed(1)} MB/s; copy/curl ratio ${((mb / copySeconds) / (mb / curlSeconds)).toFixed(2)}`);
console.log(`region B peak RSS (VmHWM) during the run: ${peakRssB.toFixed(0)} MiB`);
console.log(`small assets: ${smallCount} x 64 KiB copied in ${smallSeconds.toFixed(1)} s: ${(smallCount / smallSeconds).toFixed(0)} assets/s`);

procs.a.kill('SIGTERM');
procs.b.kill('SIGTERM');
await new Promise((r) => setTimeout(r, 500));
await rm(dir, { recursive: true, force: true });
