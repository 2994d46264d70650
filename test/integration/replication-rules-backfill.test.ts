import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwoRegions, type TwoRegions } from '../helpers/two-regions.js';

/** Backfill: a rule created with `backfill: true` copies the 500 matching assets that already exist, with progress on the rule. */

let r: TwoRegions;
const png = Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001', 'hex');
const count = 500;

beforeAll(async () => {
  r = await startTwoRegions({ env: { b: { ASSETBRIDGE_COPY_PARALLEL_TASKS: '16' } } });
}, 60_000);
afterAll(async () => {
  await r?.close();
});

async function makeAssets(n: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < n; start += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, n - start) }, async (_, i) => {
        const id = await r.a.client.createAsset({ asset_name: `${prefix}${start + i}`, tags: ['bulk'] });
        await r.a.client.addFile(id, 'main.png', png);
        return id;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

describe('backfill', () => {
  it(`copies ${count} existing assets, counted on the rule, none twice; an asset the filter leaves out stays`, async () => {
    const ids = await makeAssets(count, 'bulk-');
    const left = await r.a.client.createAsset({ asset_name: 'left-out', tags: ['other'] });
    await r.a.client.addFile(left, 'main.png', png);
    const created = await r.a.client.call('POST', '/replication-rules', { body: { rule_name: 'bulk', target_region: 'ap-southeast-3', filter: { tags: ['bulk'] }, backfill: true } });
    expect(created.status).toBe(200);
    const id = created.body.rule_id as string;
    const first = await r.a.client.call('GET', `/replication-rules/${id}`);
    expect(first.body.backfill.queued).toBe(count);
    const deadline = Date.now() + 180_000;
    let shown = first;
    while (shown.body.counts.completed < count) {
      if (Date.now() > deadline) throw new Error(`backfill stuck: ${JSON.stringify(shown.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      shown = await r.a.client.call('GET', `/replication-rules/${id}`);
    }
    expect(shown.body).toMatchObject({ counts: { pending: 0, copying: 0, completed: count, failed: 0 }, backfill: { state: 'DONE', queued: count }, lag_seconds: 0 });
    const inB = await r.clientB.call('GET', '/digital-assets', { query: { tag: 'bulk', limit: '1' } });
    expect(inB.body.count).toBe(count);
    const active = await r.clientB.call('GET', '/digital-assets', { query: { tag: 'bulk', asset_state: 'ACTIVED', limit: '1' } });
    expect(active.body.count).toBe(count);
    expect((await r.clientB.call('GET', `/digital-assets/${left}`)).status).toBe(404);
    expect(new Set(ids).size).toBe(count);
  }, 300_000);
});
