// ListAssets benchmark (not a test). Loads BENCH_LIST_ASSETS assets (default 100,000) of one
// project straight into a region's SQLite database (types spread evenly, 50 distinct tags, 3
// system properties each, 5 % in the recycle bin), starts the region process on it, then asks
// ListAssets over HTTP for each filter and sort, `limit=10`, at offsets 0 and 1,000 (count
// included), BENCH_LIST_ROUNDS times each, and prints each case's p50 and p99 in ms.
// BENCH_DATABASE_URL=postgres://... runs the same on PostgreSQL (a database the bench empties).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signSdkRequest } from '../dist/auth/sdk-signature.js';
import { parseIdentityConfig, SettingsReader } from '../dist/config/index.js';
import { openIdentity } from '../dist/start/identity.js';
import { migrate, openDatabase } from '../dist/adapters/db/database.js';
import { KyselyMetadataStore } from '../dist/adapters/db/metadata-store-kysely.js';
import { newAsset } from '../dist/domain/asset-fields.js';

const total = Number(process.env.BENCH_LIST_ASSETS ?? 100_000);
const rounds = Number(process.env.BENCH_LIST_ROUNDS ?? 50);
const dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-bench-list-'));
const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const port = await freePort();
const endpoint = `http://127.0.0.1:${port}`;
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `sqlite:${path.join(dir, 'metadata.db')}`;
const shared = {
  ASSETBRIDGE_MASTER_KEY: randomBytes(32).toString('hex'),
  ASSETBRIDGE_IDENTITY_DATABASE_URL: `sqlite:${path.join(dir, 'identity.db')}`,
};

// The account and its project, then the rows, before the region starts.
const identity = await openIdentity(parseIdentityConfig(new SettingsReader(shared), dir));
await identity.registerRegion('cn-north-4', endpoint);
await identity.createAccount('bench');
const { accessKey, secretKey } = await identity.createCredential('bench');
const project = (await identity.projects('bench'))[0].id;
await identity.close();

const database = openDatabase(databaseUrl);
if (databaseUrl.startsWith('postgres')) {
  const { sql } = await import('kysely');
  await sql`DROP SCHEMA public CASCADE; CREATE SCHEMA public`.execute(database.db);
}
await migrate(database);
const store = new KyselyMetadataStore(database.db, database.engine);
const types = ['IMAGE', 'VIDEO', 'AUDIO', 'HUMAN_MODEL_2D', 'SCENE', 'MATERIAL'];
const t0 = Date.parse('2026-01-01T00:00:00Z');
const load0 = performance.now();
for (let start = 0; start < total; start += 5000) {
  await store.transaction(async (tx) => {
    for (let i = start; i < Math.min(total, start + 5000); i++) {
      const at = new Date(t0 + i * 1000).toISOString();
      const asset = newAsset({ projectId: project, at }, {
        assetName: `asset-${String(i).padStart(6, '0')}-${types[i % types.length].toLowerCase()}`,
        assetType: types[i % types.length],
        tags: [`tag-${i % 50}`, `group-${i % 7}`],
        systemProperties: [{ key: 'BACKGROUND_IMG', value: i % 2 ? 'Yes' : 'No' }, { key: 'STYLE', value: `s${i % 5}` }, { key: 'REGION', value: `r${i % 3}` }],
        assetOrder: i % 10 === 0 ? null : i % 1000,
      });
      asset.assetState = i % 20 === 0 ? 'DELETED' : 'ACTIVED';
      await tx.insertAsset(asset);
    }
  });
}
const loadSeconds = (performance.now() - load0) / 1000;
await database.close();

const child = spawn(process.execPath, ['dist/bin/server.js', 'region'], {
  env: { ...process.env, ...shared, ASSETBRIDGE_REGION: 'cn-north-4', ASSETBRIDGE_PORT: String(port), ASSETBRIDGE_DATA_DIR: dir,
    ASSETBRIDGE_DATABASE_URL: databaseUrl, ASSETBRIDGE_URL_SECRET: randomBytes(32).toString('hex'), ASSETBRIDGE_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
for (let i = 0; ; i++) {
  try { if ((await fetch(`${endpoint}/openapi.json`)).status === 200) break; } catch { /* starting */ }
  if (i > 600) throw new Error('the region did not start');
  await new Promise((r) => setTimeout(r, 100));
}

async function list(query) {
  const url = `${endpoint}/v1/${project}/digital-assets?${new URLSearchParams(query)}`;
  const headers = { 'x-project-id': project };
  Object.assign(headers, signSdkRequest({ method: 'GET', url, headers, body: Buffer.alloc(0), accessKey, secretKey }));
  const s = performance.now();
  const res = await fetch(url, { headers });
  const body = await res.json();
  const ms = performance.now() - s;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return { ms, count: body.count };
}

const cases = {
  'no filter (oldest first)': {},
  'sort create_time asc': { sort_key: 'create_time', sort_dir: 'asc' },
  'sort update_time desc': { sort_key: 'update_time', sort_dir: 'desc' },
  'sort asset_name asc': { sort_key: 'asset_name', sort_dir: 'asc' },
  'sort asset_order asc': { sort_key: 'asset_order', sort_dir: 'asc' },
  'name substring': { name: '01234' },
  'tag substring': { tag: 'tag-4' },
  'tag exact': { tag: 'tag-4', accurate_query_field: 'tag' },
  'asset_type VIDEO': { asset_type: 'VIDEO' },
  'asset_state DELETED': { asset_state: 'DELETED' },
  'system_property STYLE:s3': { system_property: 'STYLE:s3' },
  'time range (one hour)': { start_time: '2026-01-01T01:00:00Z', end_time: '2026-01-01T02:00:00Z' },
};
const p = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
console.log(`${total} assets loaded in ${loadSeconds.toFixed(1)} s (${databaseUrl.split(':')[0]}); ${rounds} requests per case, limit=10`);
for (const [name, query] of Object.entries(cases)) {
  for (const offset of [0, 1000]) {
    const times = [];
    let count = 0;
    for (let i = 0; i < rounds; i++) {
      const r = await list({ ...query, limit: '10', offset: String(offset) });
      times.push(r.ms);
      count = r.count;
    }
    times.sort((a, b) => a - b);
    console.log(`${name.padEnd(28)} offset ${String(offset).padStart(4)}  count ${String(count).padStart(6)}  p50 ${p(times, 0.5).toFixed(1).padStart(6)} ms  p99 ${p(times, 0.99).toFixed(1).padStart(6)} ms`);
  }
}

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await rm(dir, { recursive: true, force: true });
