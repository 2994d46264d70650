// API hot-path benchmark (not a test). In one run, against a region process (SQLite + disk,
// default log level, metrics on) and a bare Fastify process answering the same JSON:
// ShowAsset with token auth, ShowAsset signed with AK/SK as the official SDK signs, and the
// bare route, each with BENCH_CONNECTIONS connections for BENCH_SECONDS; prints requests/s, the
// ratio to the bare route, latency p50/p99, errors, and the region's event-loop delay p99
// during each run (from its /metrics, which resets the figure at every scrape).
// BENCH_DATABASE_URL=postgres://... puts the region's metadata on PostgreSQL (bench/database.mjs).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { cpuSeconds, eventLoopDelayMs } from './process-figures.mjs';
import { signSdkRequest } from '../dist/auth/sdk-signature.js';
import { parseIdentityConfig, SettingsReader } from '../dist/config/index.js';
import { openIdentity } from '../dist/start/identity.js';
import { benchDatabase } from './database.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);

const dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-bench-api-'));
const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const children = [];
// However the bench ends (a failure, a closed output pipe), its processes end with it.
process.once('exit', () => children.forEach((c) => c.kill('SIGTERM')));

/** Starts a process and waits until `probe` answers 200. */
async function startProcess(args, env, probe) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(probe)).status === 200) return child;
    } catch { /* not yet listening */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${args.join(' ')} did not start`);
}

const database = await benchDatabase(dir);
const port = await freePort();
const endpoint = `http://127.0.0.1:${port}`;
const shared = {
  ASSETBRIDGE_MASTER_KEY: randomBytes(32).toString('hex'),
  ASSETBRIDGE_IDENTITY_DATABASE_URL: `sqlite:${path.join(dir, 'identity.db')}`,
};
// BENCH_PROFILE_DIR: the region writes a CPU profile there when it stops.
const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
const region = await startProcess([...profile, 'dist/bin/server.js', 'region'], {
  ...shared, ASSETBRIDGE_REGION: 'cn-north-4', ASSETBRIDGE_PORT: String(port), ASSETBRIDGE_DATA_DIR: path.join(dir, 'a'),
  ASSETBRIDGE_DATABASE_URL: database.url,
  ASSETBRIDGE_URL_SECRET: randomBytes(32).toString('hex'), ASSETBRIDGE_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
}, `${endpoint}/openapi.json`);

const identity = await openIdentity(parseIdentityConfig(new SettingsReader(shared), dir));
await identity.createAccount('bench');
const { password } = await identity.createUser('bench', 'bench');
const { accessKey, secretKey } = await identity.createCredential('bench', { userName: 'bench' });
const project = (await identity.projects('bench'))[0].id;
await identity.close();

const signed = (method, url, body) => {
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const headers = { 'content-type': 'application/json', 'x-project-id': project };
  return { headers: { ...headers, ...signSdkRequest({ method, url, headers, body: bytes, accessKey, secretKey }) }, bytes };
};
async function call(method, p, body) {
  const url = `${endpoint}/v1/${project}${p}`;
  const { headers, bytes } = signed(method, url, body);
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : bytes });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// One asset with a main file and a cover, as a library holds them.
const { asset_id: assetId } = await call('POST', '/digital-assets', { asset_name: 'bench-show', asset_type: 'IMAGE', tags: ['bench', 'api'] });
for (const [name, category] of [['cover.png', 'COVER'], ['main.png', 'MAIN']]) {
  const bytes = randomBytes(4096);
  
  const f = await call('POST', '/files', { asset_id: assetId, file_name: name, file_md5: createHash('md5').update(bytes).digest('base64'), file_size: bytes.length, asset_file_category: category });
  const put = await fetch(f.upload_url, { method: 'PUT', body: bytes });
  if (put.status !== 200) throw new Error(`upload ${put.status}`);
  await call('POST', `/files/${f.file_id}/complete`, { state: 'CREATED' });
}
const showPath = `/v1/${project}/digital-assets/${assetId}`;
const sample = await call('GET', `/digital-assets/${assetId}`);

const tokenRes = await fetch(`${endpoint}/v3/auth/tokens`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'bench', password, domain: { name: 'bench' } } } }, scope: { project: { id: project } } } }),
});
const token = tokenRes.headers.get('x-subject-token');

// The bare route: Fastify alone, answering the same JSON.
const barePort = await freePort();
const jsonFile = path.join(dir, 'show.json');
writeFileSync(jsonFile, JSON.stringify(sample));
const bareProcess = await startProcess(['bench/bare-fastify.mjs'], { BENCH_PORT: String(barePort), BENCH_JSON: jsonFile }, `http://127.0.0.1:${barePort}${showPath}`);

async function load(url, headers, pid) {
  await eventLoopDelayMs(endpoint); // starts the region's event-loop delay window
  const cpuBefore = cpuSeconds(pid);
  const r = await autocannon({ url, connections, duration: seconds, headers, timeout: 10 });
  const cpuUs = ((cpuSeconds(pid) - cpuBefore) / r.requests.total) * 1e6;
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx, delay: (await eventLoopDelayMs(endpoint)).p99, cpuUs };
}

const bare = await load(`http://127.0.0.1:${barePort}${showPath}`, {}, bareProcess.pid);
const tokenRun = await load(`${endpoint}${showPath}`, { 'x-auth-token': token }, region.pid);
// One signature reused for the whole run: X-Sdk-Date stays within its 15 minutes.
const akskRun = await load(`${endpoint}${showPath}`, signed('GET', `${endpoint}${showPath}`).headers, region.pid);

const row = (name, r) => `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s  ratio ${(r.rps / bare.rps).toFixed(2)}  p50 ${r.p50} ms  p99 ${r.p99} ms  errors ${r.errors}  server CPU ${r.cpuUs.toFixed(0)} µs/req${Number.isNaN(r.delay) ? '' : `  event-loop delay p99 ${r.delay.toFixed(1)} ms`}`;
console.log(`ShowAsset, ${connections} connections, ${seconds} s each (metadata on ${database.engine}):`);
console.log(row('bare Fastify, same JSON', bare));
console.log(row('ShowAsset, token', tokenRun));
console.log(row('ShowAsset, AK/SK (SDK)', akskRun));

for (const child of children) child.kill('SIGTERM');
await new Promise((r) => region.once('exit', r));
await database.drop();
await rm(dir, { recursive: true, force: true });
