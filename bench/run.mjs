// Benchmarks of one region (not tests): prints figures. Run with `npm run bench` after `npm run build`.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseRegionSettings } from '../dist/config/index.js';
import { createLogger } from '../dist/start/logger.js';
import { startRegion } from '../dist/start/region.js';
import { signSdkRequest } from '../dist/auth/sdk-signature.js';

const fileMiB = Number(process.env.BENCH_FILE_MIB ?? 256);
const assetCount = Number(process.env.BENCH_ASSETS ?? 500);

const dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-bench-'));
const settings = parseRegionSettings({
  ASSETBRIDGE_PORT: '0', ASSETBRIDGE_DATA_DIR: dataDir, ASSETBRIDGE_URL_SECRET: randomBytes(32).toString('hex'),
  ASSETBRIDGE_MASTER_KEY: randomBytes(32).toString('hex'),
});
const region = await startRegion(settings, createLogger('silent'));
const endpoint = region.config.publicEndpoint;
await region.identity.createAccount('bench');
const { accessKey, secretKey } = await region.identity.createCredential('bench');
const projectId = (await region.identity.projects('bench'))[0].id;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

async function call(method, p, body) {
  const url = `${endpoint}/v1/${projectId}${p}`;
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const headers = { 'content-type': 'application/json', 'x-project-id': projectId };
  Object.assign(headers, signSdkRequest({ method, url, headers, body: bytes, accessKey, secretKey }));
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : bytes });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// 1. One large file: streamed upload, then download.
const chunk = randomBytes(1024 * 1024);
const md5 = createHash('md5');
for (let i = 0; i < fileMiB; i++) md5.update(chunk);
const size = fileMiB * chunk.length;
const { asset_id } = await call('POST', '/digital-assets', { asset_name: 'bench-large', asset_type: 'VIDEO' });
const file = await call('POST', '/files', { asset_id, file_name: 'large.mp4', file_md5: md5.digest('base64'), file_size: size, asset_file_category: 'MAIN' });
const body = Readable.from((function* () { for (let i = 0; i < fileMiB; i++) yield chunk; })());
let t0 = performance.now();
const put = await fetch(file.upload_url, { method: 'PUT', body, duplex: 'half', headers: { 'content-length': String(size) } });
if (put.status !== 200) throw new Error(`upload ${put.status} ${await put.text()}`);
const uploadS = (performance.now() - t0) / 1000;
await call('POST', `/files/${file.file_id}/complete`, { state: 'CREATED' });
const shown = await call('GET', `/digital-assets/${asset_id}`);
t0 = performance.now();
const res = await fetch(shown.files[0].download_url);
let got = 0;
for await (const part of res.body) got += part.length;
const downloadS = (performance.now() - t0) / 1000;
if (got !== size) throw new Error('short download');

// 2. Many small assets created.
t0 = performance.now();
for (let i = 0; i < assetCount; i++) await call('POST', '/digital-assets', { asset_name: `bench-${i}`, asset_type: 'IMAGE' });
const createS = (performance.now() - t0) / 1000;

clearInterval(sampler);
const mb = size / 1e6;
console.log(`upload   ${fileMiB} MiB: ${(mb / uploadS).toFixed(1)} MB/s`);
console.log(`download ${fileMiB} MiB: ${(mb / downloadS).toFixed(1)} MB/s`);
console.log(`create asset (sequential, signed): ${(assetCount / createS).toFixed(0)} req/s`);
console.log(`peak RSS (client and server in one process): ${(peakRss / 1048576).toFixed(0)} MiB`);
await region.close();
await rm(dataDir, { recursive: true, force: true });
