// Reads load files and covers in a fixed number of queries (no query per asset or per file),
// counted per request by the server itself and read back from /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';
import { testBackend } from '../helpers/backend.js';

let t: TestRegion;

beforeAll(async () => {
  t = await startTestRegion();
});
afterAll(async () => {
  await t.close();
});

/** Sum and count of the per-request query histogram of one operation. */
async function tally(operation: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${t.endpoint}/metrics`)).text();
  const read = (suffix: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`assetbridge_http_request_db_queries_${suffix}{`) && l.includes(`operation="${operation}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  return { sum: read('sum'), count: read('count') };
}

/** Queries one request of `operation` made, read back from the server's histogram. */
async function queriesOfOne(operation: string, request: () => Promise<{ status: number }>): Promise<number> {
  const before = await tally(operation);
  const res = await request();
  expect(res.status).toBe(200);
  // The access log and the histogram are written once the response has been sent.
  await expect.poll(async () => (await tally(operation)).count, { timeout: 10_000 }).toBe(before.count + 1);
  return (await tally(operation)).sum - before.sum;
}

/**
 * Queries one request of `operation` makes: the fewest of three in a row. The identity lookups
 * cached for a few seconds (key, user, project) add queries to whichever request finds one
 * expired: the fewest of three requests made a few milliseconds apart is the request's own count.
 */
async function queriesOf(operation: string, request: () => Promise<{ status: number }>): Promise<number> {
  const counts: number[] = [];
  for (let i = 0; i < 3; i += 1) counts.push(await queriesOfOne(operation, request));
  return Math.min(...counts);
}

const bytes = (n: number) => Buffer.alloc(64, n);

/** A project's asset with `files` files (one MAIN, the rest OTHER) and one COVER. */
async function assetWith(files: number, tag: string): Promise<string> {
  const id = await t.client.createAsset({ asset_type: 'VIDEO', tags: [tag] });
  await t.client.addFile(id, 'cover.png', bytes(0), 'COVER');
  for (let i = 1; i < files; i += 1) await t.client.addFile(id, `extra-${i}.bin`, bytes(i), 'OTHER');
  await t.client.addFile(id, 'main.mp4', bytes(99), 'MAIN');
  return id;
}

describe('queries per request', () => {
  it('ShowAsset makes as many queries for an asset of 12 files as for one of 1', async () => {
    const small = await assetWith(1, 'one');
    const large = await assetWith(12, 'many');
    const forSmall = await queriesOf('asset.show', () => t.client.call('GET', `/digital-assets/${small}`));
    const forLarge = await queriesOf('asset.show', () => t.client.call('GET', `/digital-assets/${large}`));
    expect(forSmall).toBeGreaterThan(0);
    expect(forLarge).toBe(forSmall);
  });

  it('ListAssets and ListAssetSummary make as many queries for a page of 8 assets as for a page of 1', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i += 1) ids.push(await assetWith(3, 'page'));
    const one = await queriesOf('asset.list', () => t.client.call('GET', '/digital-assets', { query: { tag: 'page', limit: '1' } }));
    const eight = await queriesOf('asset.list', () => t.client.call('GET', '/digital-assets', { query: { tag: 'page', limit: '8' } }));
    expect(eight).toBe(one);
    const summary = (assetIds: string[]) => () => t.client.call('POST', '/digital-assets/summarys', { body: { asset_ids: assetIds } });
    const summaryOne = await queriesOf('asset.summary', summary(ids.slice(0, 1)));
    const summaryEight = await queriesOf('asset.summary', summary(ids));
    expect(summaryEight).toBe(summaryOne);
  });

  it('counts each of many concurrent requests its own queries, none lost nor counted twice', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push(await assetWith(2, 'concurrent'));
    const list = () => t.client.call('GET', '/digital-assets', { query: { tag: 'concurrent', limit: '4' } });
    const one = await queriesOf('asset.list', list);
    // The page's count, rows, files, copies and replicas: queries made after the request's awaits.
    expect(one).toBeGreaterThan(1);
    // The fewest of three batches (an identity lookup found expired adds queries to one batch).
    const sums: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const before = await tally('asset.list');
      const answers = await Promise.all(Array.from({ length: 16 }, () => list()));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      await expect.poll(async () => (await tally('asset.list')).count, { timeout: 10_000 }).toBe(before.count + 16);
      sums.push((await tally('asset.list')).sum - before.sum);
    }
    expect(Math.min(...sums)).toBe(16 * one);
  });

  it('CreateAsset writes a new asset without first reading or removing rows it cannot have', async () => {
    let n = 0;
    const create = (body: Record<string, unknown>) => () => t.client.call('POST', '/digital-assets', { body: { asset_name: `counted-${(n += 1)}`, asset_type: 'IMAGE', ...body } });
    // The quota count, the asset row, the project's count of held assets, and the transaction's
    // begin and commit (PostgreSQL: and the project's quota lock, taken twice): no removal of
    // term rows nor read of scheduled operations first.
    const plain = await queriesOf('asset.create', create({}));
    expect(plain).toBe(testBackend() === 'postgres' ? 7 : 5);
    // One insert each for the tag rows, the project's tag vocabulary and the property rows.
    const terms = await queriesOf('asset.create', create({ tags: ['a', 'b'], system_properties: [{ key: 'STYLE_ID', value: 's1' }] }));
    expect(terms).toBe(plain + 3);
  });
});
