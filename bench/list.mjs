// ListAssets benchmark (not a test). Loads BENCH_LIST_ASSETS assets (default 100,000) of one
// project straight into a region's database (every asset type in turn, 2 of 50 distinct tags,
// 3 system properties and one of 20 app users each, 5 % in the recycle bin), starts the region
// process on it, then asks ListAssets over HTTP for each filter and sort, `limit=10`, at offsets
// 0 and 1,000 (count included), BENCH_LIST_ROUNDS times each, and prints each case's p50 and
// p99 in ms. BENCH_DATABASE_URL=postgres://... puts the database on PostgreSQL (bench/database.mjs).
// BENCH_EXPLAIN=1 also prints, for each case, the query plan of every statement ListAssets runs
// (run in this process on the same database, with the same count as the HTTP answer), and
// flags a table read without an index. BENCH_LIST_CASES=a,b runs only the cases whose name and
// offset (as printed, e.g. `sort asset_order asc offset 1000`) contain one of the comma-separated
// strings. Each line also names the request that took longest (`max #k`, 1 = the case's first).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signSdkRequest } from '../dist/auth/sdk-signature.js';
import { parseIdentityConfig, SettingsReader } from '../dist/config/index.js';
import { openIdentity } from '../dist/start/identity.js';
import { CompiledQuery, Kysely, sql } from 'kysely';
import { migrate, openDatabase } from '../dist/adapters/db/database.js';
import { dialectFor } from '../dist/adapters/db/engine.js';
import { KyselyMetadataStore } from '../dist/adapters/db/metadata-store-kysely.js';
import { assetTypes } from '../dist/domain/asset.js';
import { newAsset } from '../dist/domain/asset-fields.js';
import { benchDatabase } from './database.mjs';

const total = Number(process.env.BENCH_LIST_ASSETS ?? 100_000);
const rounds = Number(process.env.BENCH_LIST_ROUNDS ?? 50);
const dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-bench-list-'));
const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const port = await freePort();
const endpoint = `http://127.0.0.1:${port}`;
const explain = process.env.BENCH_EXPLAIN === '1';
const only = process.env.BENCH_LIST_CASES?.split(',').filter(Boolean);
const benchDb = await benchDatabase(dir);
const databaseUrl = benchDb.url;
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
await migrate(database);
const store = new KyselyMetadataStore(database.db, database.engine);
const t0 = Date.parse('2026-01-01T00:00:00Z');
const nameOf = (i) => `asset-${String(i).padStart(6, '0')}-${assetTypes[i % assetTypes.length].toLowerCase()}`;
const load0 = performance.now();
for (let start = 0; start < total; start += 5000) {
  await store.transaction(async (tx) => {
    for (let i = start; i < Math.min(total, start + 5000); i++) {
      const at = new Date(t0 + i * 1000).toISOString();
      const asset = newAsset({ projectId: project, appUserId: `user-${i % 20}`, at }, {
        assetName: nameOf(i),
        assetType: assetTypes[i % assetTypes.length],
        // Two of the 50 tags (never the same one twice: 6i + 3 is odd, never a multiple of 50).
        tags: [`tag-${i % 50}`, `tag-${(7 * i + 3) % 50}`],
        systemProperties: [{ key: 'BACKGROUND_IMG', value: i % 2 ? 'Yes' : 'No' }, { key: 'STYLE', value: `s${i % 5}` }, { key: 'REGION', value: `r${i % 3}` }],
        assetOrder: i % 10 === 0 ? null : i % 1000,
      });
      if (i % 20 === 0) Object.assign(asset, { assetState: 'DELETING', stateBeforeDelete: 'ACTIVED', deletedAt: at });
      else asset.assetState = 'ACTIVED';
      await tx.insertAsset(asset);
    }
  });
}
// The planner's statistics, as a database that has served a while has them.
if (database.engine === 'postgres') await sql`VACUUM ANALYZE`.execute(database.db);
const loadSeconds = (performance.now() - load0) / 1000;
await database.close();

const child = spawn(process.execPath, ['dist/bin/server.js', 'region'], {
  env: { ...process.env, ...shared, ASSETBRIDGE_REGION: 'cn-north-4', ASSETBRIDGE_PORT: String(port), ASSETBRIDGE_DATA_DIR: dir,
    ASSETBRIDGE_DATABASE_URL: databaseUrl, ASSETBRIDGE_URL_SECRET: randomBytes(32).toString('hex'), ASSETBRIDGE_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
// However the bench ends (a failure, a closed output pipe), the region ends with it.
process.once('exit', () => child.kill('SIGTERM'));
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
  'name exact': { name: nameOf(1234), accurate_query_field: 'name' },
  'tag substring': { tag: 'tag-4' },
  'tag exact': { tag: 'tag-4', accurate_query_field: 'tag' },
  'asset_type VIDEO': { asset_type: 'VIDEO' },
  'asset_state DELETING': { asset_state: 'DELETING' },
  'app_user_id user-7': { app_user_id: 'user-7' },
  'system_property STYLE:s3': { system_property: 'STYLE:s3' },
  'time range (one hour)': { start_time: '2026-01-01T01:00:00Z', end_time: '2026-01-01T02:00:00Z' },
};
/** The store's query for an HTTP case, as the ListAssets route makes it. */
const assetQueryOf = (q) => ({
  projectId: project,
  limit: Number(q.limit),
  offset: Number(q.offset),
  name: q.name,
  tag: q.tag,
  accurateFields: q.accurate_query_field ? [q.accurate_query_field] : undefined,
  assetTypes: q.asset_type?.split(','),
  assetStates: q.asset_state?.split(','),
  appUserId: q.app_user_id,
  systemProperties: q.system_property?.split(',').map((item) => {
    const [key, ...rest] = item.split(':');
    return rest.length ? { key, value: rest.join(':') } : { key };
  }),
  startTime: q.start_time && new Date(q.start_time).toISOString(),
  endTime: q.end_time && new Date(q.end_time).toISOString(),
  sortKey: q.sort_key ?? 'create_time',
  sortDir: q.sort_dir ?? 'asc',
});

/**
 * Plans of the statements ListAssets runs for `q`, each line flagged when it reads assets, tag
 * rows or property rows without an index. A project's tag vocabulary (`project_tags`, one row
 * per distinct tag) is read whole for a substring: no b-tree serves `LIKE '%x%'`.
 */
let planned;
async function plansOf(q, httpCount) {
  planned ??= (() => {
    const { engine, dialect } = dialectFor(databaseUrl);
    const statements = [];
    const db = new Kysely({ dialect, log: (event) => event.level === 'query' && statements.push(event.query) });
    return { engine, db, statements, store: new KyselyMetadataStore(db, engine) };
  })();
  const { engine, db, statements, store: reader } = planned;
  statements.length = 0;
  const { count } = await reader.listAssets(assetQueryOf(q));
  const listed = [...statements];
  if (count !== httpCount) throw new Error(`the explained query counts ${count}, the HTTP answer ${httpCount}: the bench's query differs from the route's`);
  const lines = [];
  const explainEach = async (runner) => {
    for (const statement of listed) {
      const prefix = engine === 'postgres' ? 'EXPLAIN ' : 'EXPLAIN QUERY PLAN ';
      const { rows } = await runner.executeQuery(CompiledQuery.raw(prefix + statement.sql, [...statement.parameters]));
      lines.push(`  ${statement.sql.replace(/\s+/g, ' ')}`);
      for (const row of rows) {
        const text = engine === 'postgres' ? row['QUERY PLAN'] : `${row.detail}`;
        const unindexed = engine === 'postgres' ? /Seq Scan on (assets|asset_tags|asset_properties)\b/.test(text) : /^SCAN (assets|asset_tags|asset_properties|t|p)\b(?!.*USING)/.test(text);
        if (unindexed) unindexedCases.add(currentCase);
        lines.push(`    ${unindexed ? 'NO INDEX> ' : ''}${text}`);
      }
    }
  };
  // PostgreSQL reads a table whole when that costs less (a small table, a count of most of it);
  // with sequential scans priced out, a Seq Scan left in a plan has no index it could use.
  if (engine === 'postgres') {
    await db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      await explainEach(trx);
    });
  } else {
    await explainEach(db);
  }
  return lines.join('\n');
}
const unindexedCases = new Set();
let currentCase = '';

const p = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
console.log(`${total} assets loaded in ${loadSeconds.toFixed(1)} s (${databaseUrl.split(':')[0]}); ${rounds} requests per case, limit=10`);
for (const [name, query] of Object.entries(cases)) {
  for (const offset of [0, 1000]) {
    if (only && !only.some((part) => `${name} offset ${offset}`.includes(part))) continue;
    const times = [];
    let count = 0;
    for (let i = 0; i < rounds; i++) {
      const r = await list({ ...query, limit: '10', offset: String(offset) });
      times.push(r.ms);
      count = r.count;
    }
    const slowest = times.indexOf(Math.max(...times)) + 1;
    times.sort((a, b) => a - b);
    currentCase = `${name}, offset ${offset}`;
    const plans = explain ? `\n${await plansOf({ ...query, limit: '10', offset: String(offset) }, count)}` : '';
    console.log(`${name.padEnd(28)} offset ${String(offset).padStart(4)}  count ${String(count).padStart(6)}  p50 ${p(times, 0.5).toFixed(1).padStart(6)} ms  p99 ${p(times, 0.99).toFixed(1).padStart(6)} ms  max #${slowest}${plans}`);
  }
}
if (explain) console.log(unindexedCases.size === 0 ? 'every statement reads its tables through an index' : `read without an index: ${[...unindexedCases].join('; ')}`);
await planned?.db.destroy();

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await benchDb.drop();
await rm(dir, { recursive: true, force: true });
