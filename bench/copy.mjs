// Copy benchmark (not a test): region processes over loopback. Prints, in one run, each figure
// with its ratio to a reference measured in the same run:
// - a 1 GiB asset (4 x 256 MiB) copied into region B (SQLite + disk) vs the same files fetched
//   from region A with sequential `curl -o` to disk + `sync`, sequential curl to /dev/null, and
//   4 parallel curls to /dev/null (A's serving ceiling); region B's peak RSS;
// - the same copy into region B3 on S3 (s3rver) vs uploading the same files to the same s3rver
//   with the AWS SDK directly;
// - 1,000 assets of 64 KiB (export + import with 8 clients until all ACTIVED) in assets/s, with
//   the HTTP requests per asset each region answered (from their /metrics).
// BENCH_BIG_FILES=0 runs the small-assets phase only. BENCH_STRACE_DIR=DIR: region B runs the
// small-assets phase under `strace -f -c` (system calls, e.g. fsyncs, counted into DIR/b-small.txt).
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, statfsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import S3rver from 's3rver';
import { cpuSeconds, cpuSplit } from './process-figures.mjs';
import { bigFile, MiB, startDeployment } from './regions.mjs';

const run = promisify(execFile);
const bigFiles = Number(process.env.BENCH_BIG_FILES ?? 4);
const bigMiB = Number(process.env.BENCH_BIG_MIB ?? 256);
const smallCount = Number(process.env.BENCH_SMALL_ASSETS ?? 1000);
const withS3 = process.env.BENCH_S3 !== '0';

const dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-bench-copy-'));
const withBig = bigFiles > 0;
const need = withBig ? (withS3 ? 5.2 : 3.2) * bigFiles * bigMiB * MiB : 0;
const fs = statfsSync(dir);
if (fs.bavail * fs.bsize < need) {
  console.error(`needs about ${(need / 2 ** 30).toFixed(1)} GiB free in ${tmpdir()}; has ${((fs.bavail * fs.bsize) / 2 ** 30).toFixed(1)} GiB`);
  process.exit(1);
}

const s3dir = path.join(dir, 's3rver');
mkdirSync(s3dir);
const s3server = withS3 && withBig ? new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: 'b3' }, { name: 'sdk' }] }) : undefined;
const s3endpoint = s3server ? `http://127.0.0.1:${(await s3server.run()).port}` : '';
const tasks = process.env.BENCH_PARALLEL_TASKS ?? '8';
// BENCH_PROFILE_DIR: region B (and B3) write a CPU profile there when they stop, region A in DIR/a.
const nodeArgs = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
const regions = {
  a: { region: 'cn-north-4', env: {}, nodeArgs: process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.join(process.env.BENCH_PROFILE_DIR, 'a')}`] : [] },
  b: { region: 'ap-southeast-3', env: { ASSETBRIDGE_COPY_PARALLEL_TASKS: tasks }, nodeArgs },
};
if (withS3 && withBig) {
  regions.b3 = {
    region: 'eu-west-101',
    nodeArgs,
    env: { ASSETBRIDGE_COPY_PARALLEL_TASKS: tasks, ASSETBRIDGE_BLOB_STORE: 's3', ASSETBRIDGE_S3_ENDPOINT: s3endpoint, ASSETBRIDGE_S3_BUCKET: 'b3',
      ASSETBRIDGE_S3_ACCESS_KEY_ID: 'S3RVER', ASSETBRIDGE_S3_SECRET_ACCESS_KEY: 'S3RVER', ASSETBRIDGE_S3_FORCE_PATH_STYLE: 'true' },
  };
}
const d = await startDeployment(dir, regions);

let copyDisk = 0;
/** CPU seconds regions A and B spent during the copy into B. */
let copyCpu = { a: { user: NaN, system: NaN }, b: { user: NaN, system: NaN } };
/** CPU seconds region A spent serving the sequential curls to /dev/null. */
let serveCpu = { user: NaN, system: NaN };
let curlDisk = 0;
let curlNull = 0;
let curlPar = 0;
let rssB = 0;
let copyS3 = 0;
let sdkS3 = 0;
let rssB3 = 0;
/** CPU seconds regions A and B3 spent during the copy into B3. */
let copyS3Cpu = { a: { user: NaN, system: NaN }, b3: { user: NaN, system: NaN } };
const bigBytes = bigFiles * (bigMiB * MiB + 1);
const timed = async (fn) => { const t0 = performance.now(); await fn(); return (performance.now() - t0) / 1000; };
if (withBig) {
  // 1. The large asset in region A.
  const big = await d.call('a', 'POST', '/digital-assets', { asset_name: 'bench-1g', asset_type: 'VIDEO' });
  for (let i = 0; i < bigFiles; i++) await d.upload(big.asset_id, `part-${i}.mp4`, bigFile(bigMiB, i), i === 0 ? 'MAIN' : 'OTHER');
  const urls = (await d.call('a', 'GET', `/digital-assets/${big.asset_id}`)).files.map((f) => f.download_url);

  // 2. References from region A with curl.
  const refDir = path.join(dir, 'curl');
  mkdirSync(refDir);
  curlDisk = await timed(async () => {
    for (const [i, u] of urls.entries()) await run('curl', ['-sf', '-o', path.join(refDir, `f${i}`), u]);
    await run('sync');
  });
  const cpuServe = cpuSplit(d.pid('a'));
  curlNull = await timed(async () => { for (const u of urls) await run('curl', ['-sf', '-o', '/dev/null', u]); });
  serveCpu = (({ user, system }) => ({ user: user - cpuServe.user, system: system - cpuServe.system }))(cpuSplit(d.pid('a')));
  curlPar = await timed(() => Promise.all(urls.map((u) => run('curl', ['-sf', '-o', '/dev/null', u]))));

  // 3. The copy into region B (disk), with the CPU time each region spent on it.
  const cpuCopy = { a: cpuSplit(d.pid('a')), b: cpuSplit(d.pid('b')) };
  copyDisk = await d.timedCopy(big.asset_id, 'b');
  const spent = (name) => { const now = cpuSplit(d.pid(name)); return { user: now.user - cpuCopy[name].user, system: now.system - cpuCopy[name].system }; };
  copyCpu = { a: spent('a'), b: spent('b') };
  rssB = d.peakRss('b');

  // 4. Region B3 on S3 vs the AWS SDK uploading the same files to the same server.
  if (withS3) {
    const cpuS3 = { a: cpuSplit(d.pid('a')), b3: cpuSplit(d.pid('b3')) };
    copyS3 = await d.timedCopy(big.asset_id, 'b3');
    const spentS3 = (name) => { const now = cpuSplit(d.pid(name)); return { user: now.user - cpuS3[name].user, system: now.system - cpuS3[name].system }; };
    copyS3Cpu = { a: spentS3('a'), b3: spentS3('b3') };
    rssB3 = d.peakRss('b3');
    const client = new S3Client({ region: 'us-east-1', endpoint: s3endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    sdkS3 = await timed(async () => {
      for (let i = 0; i < urls.length; i++) {
        await new Upload({ client, params: { Bucket: 'sdk', Key: `f${i}`, Body: createReadStream(path.join(refDir, `f${i}`)) }, partSize: 16 * MiB, queueSize: 4 }).done();
      }
    });
    client.destroy();
  }
}

// 5. Many small assets.
const small = [];
for (let i = 0; i < smallCount; i++) {
  const { asset_id } = await d.call('a', 'POST', '/digital-assets', { asset_name: `small-${i}`, asset_type: 'IMAGE' });
  const bytes = randomBytes(64 * 1024);
  await d.upload(asset_id, 'main.png', function* () { yield bytes; }, 'MAIN');
  small.push(asset_id);
}
/** HTTP requests a region answered so far, by operation (its /metrics). */
const requestCounts = async (name) => {
  const text = await (await fetch(`${d.endpoint(name)}/metrics`)).text();
  const counts = {};
  for (const m of text.matchAll(/^assetbridge_http_requests_total\{operation="([^"]+)",status="\d+"[^}]*\} (\d+)/gm)) counts[m[1]] = (counts[m[1]] ?? 0) + Number(m[2]);
  return counts;
};
const before = { a: await requestCounts('a'), b: await requestCounts('b') };
const cpuBefore = { a: cpuSeconds(d.pid('a')), b: cpuSeconds(d.pid('b')), bench: process.cpuUsage() };
const strace = process.env.BENCH_STRACE_DIR
  ? spawn('strace', ['-f', '-c', '-o', path.join(process.env.BENCH_STRACE_DIR, 'b-small.txt'), '-p', String(d.pid('b'))], { stdio: 'ignore' })
  : undefined;
if (strace) await new Promise((r) => setTimeout(r, 1000));
const smallSeconds = await timed(async () => {
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => { while (next < small.length) await d.copy(small[next++], 'b'); }));
  for (;;) {
    const list = await d.call('b', 'GET', '/digital-assets?asset_state=ACTIVED&limit=1&name=small-');
    if (list.count >= smallCount) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});

const cpuMs = (name) => ((cpuSeconds(d.pid(name)) - cpuBefore[name]) * 1000) / smallCount;
const cpuPerAsset = { a: cpuMs('a'), b: cpuMs('b'), bench: (() => { const u = process.cpuUsage(cpuBefore.bench); return (u.user + u.system) / 1000 / smallCount; })() };
if (strace) await new Promise((r) => { strace.once('exit', r); strace.kill('SIGINT'); });
const after = { a: await requestCounts('a'), b: await requestCounts('b') };
const perAsset = (name) => Object.entries(after[name])
  .map(([op, n]) => [op, (n - (before[name][op] ?? 0)) / smallCount])
  .filter(([op, n]) => n > 0 && op !== 'metrics')
  .map(([op, n]) => `${op} ${n.toFixed(2)}`).join(', ');

const mbs = (s) => bigBytes / 1e6 / s;
const ratio = (ours, ref) => `${(ref / ours).toFixed(2)}x`;
if (withBig) {
  console.log(`large asset: ${bigFiles} x ${bigMiB} MiB`);
  console.log(`  copy into B (SQLite + disk): ${copyDisk.toFixed(2)} s, ${mbs(copyDisk).toFixed(1)} MB/s`);
  const gib = bigBytes / 2 ** 30;
  const perGiB = ({ user, system }) => `${((user + system) / gib).toFixed(2)} (user ${(user / gib).toFixed(2)}, kernel ${(system / gib).toFixed(2)})`;
  console.log(`  CPU s per GiB during the copy: region A ${perGiB(copyCpu.a)}, region B ${perGiB(copyCpu.b)} (all threads)`);
  console.log(`  CPU s per GiB of region A serving sequential curl to /dev/null: ${perGiB(serveCpu)}`);
  console.log(`  sequential curl -o to disk + sync: ${mbs(curlDisk).toFixed(1)} MB/s; copy ratio ${ratio(copyDisk, curlDisk)} (target >= 1.5x)`);
  console.log(`  sequential curl to /dev/null: ${mbs(curlNull).toFixed(1)} MB/s; copy ratio ${ratio(copyDisk, curlNull)}`);
  console.log(`  4 parallel curls to /dev/null: ${mbs(curlPar).toFixed(1)} MB/s; copy ratio ${ratio(copyDisk, curlPar)}`);
  console.log(`  region B peak RSS (VmHWM): ${rssB.toFixed(0)} MiB (target <= 200)`);
  if (withS3) {
    console.log(`  copy into B3 (S3, s3rver): ${copyS3.toFixed(2)} s, ${mbs(copyS3).toFixed(1)} MB/s; peak RSS ${rssB3.toFixed(0)} MiB`);
    console.log(`  CPU s per GiB during the copy into B3: region A ${perGiB(copyS3Cpu.a)}, region B3 ${perGiB(copyS3Cpu.b3)} (all threads; s3rver runs in this process)`);
    console.log(`  AWS SDK upload of the same files to the same s3rver: ${mbs(sdkS3).toFixed(1)} MB/s; copy ratio ${ratio(copyS3, sdkS3)} (target >= 0.8x)`);
  }
}
console.log(`small assets: ${smallCount} x 64 KiB copied in ${smallSeconds.toFixed(1)} s: ${(smallCount / smallSeconds).toFixed(0)} assets/s (target >= 400)`);
console.log(`  CPU ms per asset: region A ${cpuPerAsset.a.toFixed(2)}, region B ${cpuPerAsset.b.toFixed(2)} (all threads), this client ${cpuPerAsset.bench.toFixed(2)}`);
console.log(`  requests per asset answered by A: ${perAsset('a')}`);
console.log(`  requests per asset answered by B: ${perAsset('b')}`);

await d.stop();
await s3server?.close();
await rm(dir, { recursive: true, force: true });
