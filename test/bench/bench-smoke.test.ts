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
    const out = await bench('bench/copy.mjs', { BENCH_BIG_FILES: '1', BENCH_BIG_MIB: '2', BENCH_SMALL_ASSETS: '5' });
    expect(out).toMatch(/ratio|x\b/i);
    expect(out).toMatch(/assets\/s/);
  });

  it('bench/api.mjs loads ShowAsset with a token and with AK/SK beside a bare Fastify route', async () => {
    const out = await bench('bench/api.mjs', { BENCH_SECONDS: '1', BENCH_CONNECTIONS: '2' });
    expect(out).toMatch(/bare Fastify.*req\/s/);
    expect(out).toMatch(/ShowAsset, token .*ratio \d+\.\d+.*errors 0/);
    expect(out).toMatch(/ShowAsset, AK\/SK .*ratio \d+\.\d+.*errors 0/);
  });
});
