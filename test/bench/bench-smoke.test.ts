// Every benchmark runs once with tiny sizes: a smoke run that checks it still works end to end
// and prints its figures (the figures themselves are checked by `npm run bench:*`, not here).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Runs one bench script with the given sizes; returns its stdout. */
async function bench(script: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await run(process.execPath, [script], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

describe('benchmarks (smoke run, tiny sizes)', () => {
  it('bench/run.mjs prints its upload, download and create figures', async () => {
    const out = await bench('bench/run.mjs', { BENCH_FILE_MIB: '2', BENCH_ASSETS: '5' });
    expect(out).toMatch(/upload/i);
    expect(out).toMatch(/download/i);
    expect(out).toMatch(/\d+(\.\d+)? MB\/s/);
  });

  it('bench/copy.mjs copies between two region processes and prints its ratios', async () => {
    const out = await bench('bench/copy.mjs', { BENCH_BIG_FILES: '1', BENCH_BIG_MIB: '20', BENCH_SMALL_ASSETS: '5' });
    for (const reference of ['curl -o to disk \\+ sync', 'curl to /dev/null', '4 parallel curls to /dev/null', 'AWS SDK upload of the same files to the same s3rver']) {
      expect(out).toMatch(new RegExp(`${reference}: [\\d.]+ MB/s; copy ratio [\\d.]+x`));
    }
    expect(out).toMatch(/copy into B3 \(S3, s3rver\): [\d.]+ s/);
    expect(out).toMatch(/peak RSS \(VmHWM\): \d+ MiB/);
    expect(out).toMatch(/\d+ assets\/s/);
  });

  it('bench/replication.mjs sends assets under a rule and backfills, and prints lag and rate', async () => {
    const out = await bench('bench/replication.mjs', { BENCH_RULE_ASSETS: '5', BENCH_BACKFILL_ASSETS: '10' });
    expect(out).toMatch(/live: 5 assets of 1 MiB under a rule: lag to ACTIVED in B p50 [\d.]+ s, p99 [\d.]+ s \(target p99 <= 5 s\); missing 0, duplicated 0/);
    expect(out).toMatch(/backfill: 10 assets of 64 KiB in [\d.]+ s: \d+ assets\/s/);
  });

  it('bench/wan-proxy.mjs copies through the WAN proxy with 1 and 8 streams and prints both against the cap', async () => {
    const out = await bench('bench/wan-proxy.mjs', { BENCH_WAN_MIB: '33', BENCH_WAN_ONE_MIB: '1', BENCH_WAN_DELAY_MS: '5' });
    expect(out).toMatch(/1 stream, 1 MiB: [\d.]+ MB\/s \([\d.]+x the cap/);
    expect(out).toMatch(/8 streams, 33 MiB: [\d.]+ MB\/s \([\d.]+x the cap/);
  });

  it('bench/api.mjs loads ShowAsset with a token and with AK/SK beside a bare Fastify route', async () => {
    const out = await bench('bench/api.mjs', { BENCH_SECONDS: '1', BENCH_CONNECTIONS: '2' });
    expect(out).toMatch(/bare Fastify.*req\/s/);
    expect(out).toMatch(/ShowAsset, token .*ratio \d+\.\d+.*errors 0/);
    expect(out).toMatch(/ShowAsset, AK\/SK .*ratio \d+\.\d+.*errors 0/);
  });

  it('bench/list.mjs loads assets and prints each filter and sort with its latency and query plans', async () => {
    const out = await bench('bench/list.mjs', { BENCH_LIST_ASSETS: '300', BENCH_LIST_ROUNDS: '2', BENCH_EXPLAIN: '1' });
    expect(out).toMatch(/300 assets loaded in [\d.]+ s \(sqlite\)/);
    expect(out).toMatch(/tag substring +offset +0 +count +\d+ +p50 +[\d.]+ ms +p99 +[\d.]+ ms/);
    expect(out).toMatch(/system_property STYLE:s3 +offset 1000/);
    // 15 of the 300 in the recycle bin; 2 of 50 tags each.
    expect(out).toMatch(/asset_state DELETING +offset +0 +count +15 /);
    expect(out).toMatch(/tag exact +offset +0 +count +12 /);
    expect(out).toMatch(/SEARCH assets USING (COVERING )?INDEX assets_app_user_state_idx \(project_id=\? AND app_user_id=\?\)/);
    expect(out).toMatch(/every statement reads its tables through an index/);
  });

  it('bench/load.mjs runs its mixed load against a region process and prints its figures', async () => {
    const out = await bench('bench/load.mjs', { BENCH_LOAD_SECONDS: '2', BENCH_LOAD_CONNECTIONS: '5', BENCH_LOAD_ASSETS: '10', BENCH_LOAD_BAD_LOGINS: '5', BENCH_LOAD_WARMUP_SECONDS: '1' });
    expect(out).toMatch(/requests\/s \d+/);
    expect(out).toMatch(/p50 \d+ ms, p99 \d+ ms/);
    expect(out).toMatch(/server CPU per request \d+ µs/);
    expect(out).toMatch(/errors 0 +timeouts 0 +5xx 0/);
    expect(out).toMatch(/server RSS after seeding \d+ MiB, after a 1 s warm-up \d+ MiB, after \d+ MiB \(growth -?\d+ MiB\)/);
    expect(out).toMatch(/event-loop delay during the run: p99 [\d.]+ ms, max [\d.]+ ms/);
    expect(out).toMatch(/quiet [\d.]+ ms, under 5 concurrent bad logins [\d.]+ ms/);
  });
});

const pgServer = process.env.ASSETBRIDGE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The benches' databases on the PostgreSQL server (each run drops its own). */
async function benchDatabases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: pgServer });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'assetbridge_bench_%'");
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

describe('benchmarks on PostgreSQL (BENCH_DATABASE_URL, smoke run)', () => {
  const onPg = { BENCH_DATABASE_URL: pgServer };

  it('bench/list.mjs runs on a database of its own, prints the plans, and drops it', async () => {
    const before = await benchDatabases();
    const out = await bench('bench/list.mjs', { ...onPg, BENCH_LIST_ASSETS: '300', BENCH_LIST_ROUNDS: '1', BENCH_EXPLAIN: '1' });
    expect(out).toMatch(/300 assets loaded in [\d.]+ s \(postgres\)/);
    expect(out).toContain('Bitmap Index Scan on assets_name_trgm_idx');
    expect(out).toMatch(/asset_state DELETING +offset 1000 +count +15 /);
    expect(out).toMatch(/every statement reads its tables through an index/);
    expect(await benchDatabases()).toEqual(before);
  });

  it('bench/api.mjs and bench/load.mjs run with the region on PostgreSQL', async () => {
    const before = await benchDatabases();
    const api = await bench('bench/api.mjs', { ...onPg, BENCH_SECONDS: '1', BENCH_CONNECTIONS: '2' });
    expect(api).toMatch(/metadata on postgres/);
    expect(api).toMatch(/ShowAsset, token .*ratio \d+\.\d+.*errors 0/);
    const load = await bench('bench/load.mjs', { ...onPg, BENCH_LOAD_SECONDS: '2', BENCH_LOAD_CONNECTIONS: '5', BENCH_LOAD_ASSETS: '10', BENCH_LOAD_BAD_LOGINS: '5' });
    expect(load).toMatch(/metadata on postgres/);
    expect(load).toMatch(/errors 0 +timeouts 0 +5xx 0/);
    expect(await benchDatabases()).toEqual(before);
  });
});
