// Every benchmark runs once with tiny sizes: a smoke run that checks it still works end to end
// and prints its figures (the figures themselves are checked by `npm run bench:*`, not here).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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

  it('bench/list.mjs loads assets and prints each filter and sort with its latency', async () => {
    const out = await bench('bench/list.mjs', { BENCH_LIST_ASSETS: '300', BENCH_LIST_ROUNDS: '2' });
    expect(out).toMatch(/300 assets loaded/);
    expect(out).toMatch(/tag substring +offset +0 +count +\d+ +p50 +[\d.]+ ms +p99 +[\d.]+ ms/);
    expect(out).toMatch(/system_property STYLE:s3 +offset 1000/);
  });

  it('bench/load.mjs runs its mixed load against a region process and prints its figures', async () => {
    const out = await bench('bench/load.mjs', { BENCH_LOAD_SECONDS: '2', BENCH_LOAD_CONNECTIONS: '5', BENCH_LOAD_ASSETS: '10', BENCH_LOAD_BAD_LOGINS: '5' });
    expect(out).toMatch(/requests\/s \d+/);
    expect(out).toMatch(/p50 \d+ ms, p99 \d+ ms/);
    expect(out).toMatch(/errors 0 +timeouts 0 +5xx 0/);
    expect(out).toMatch(/server RSS before \d+ MiB, after \d+ MiB/);
    expect(out).toMatch(/quiet [\d.]+ ms, under 5 concurrent bad logins [\d.]+ ms/);
  });
});
