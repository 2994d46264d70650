import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegion, TestClock, type TestRegion } from '../helpers/test-region.js';

let t: TestRegion;
const clock = new TestClock();

beforeAll(async () => {
  t = await startTestRegion({ clock });
});
afterAll(async () => {
  await t.close();
});

type Listed = { asset_name: string };
const names = (body: { assets: Listed[] }): string[] => body.assets.map((a) => a.asset_name);

describe('ListAssets sorting', () => {
  // Created one second apart, in this order; asset_order: c=1, a=2, e=2 (newer than a), b and d none.
  const created = [
    { name: 'a', order: 2 },
    { name: 'b' },
    { name: 'c', order: 1 },
    { name: 'd' },
    { name: 'e', order: 2 },
  ];
  const tag = `sort${Date.now()}`;

  beforeAll(async () => {
    for (const a of created) {
      clock.offsetMs += 1000;
      await t.client.createAsset({ asset_name: `${tag}-${a.name}`, tags: [tag], ...(a.order === undefined ? {} : { asset_order: a.order }) });
    }
    // Touch "a" last so update_time differs from create_time order.
    clock.offsetMs += 1000;
    const listed = await t.client.call('GET', '/digital-assets', { query: { name: `${tag}-a` } });
    await t.client.ok('PUT', `/digital-assets/${listed.body.assets[0].asset_id as string}`, { body: { asset_description: 'touched' } });
  });

  const list = async (query: Record<string, string>): Promise<string[]> => {
    const res = await t.client.call('GET', '/digital-assets', { query: { tag, ...query } });
    expect(res.status).toBe(200);
    return names(res.body).map((n) => n.slice(tag.length + 1));
  };

  it('lists oldest first when neither sort_key nor sort_dir is given', async () => {
    expect(await list({})).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('defaults sort_dir to asc for any sort_key, and sort_key to create_time', async () => {
    expect(await list({ sort_key: 'create_time' })).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await list({ sort_dir: 'desc' })).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(await list({ sort_key: 'update_time' })).toEqual(['b', 'c', 'd', 'e', 'a']);
    expect(await list({ sort_key: 'update_time', sort_dir: 'desc' })).toEqual(['a', 'e', 'd', 'c', 'b']);
    expect(await list({ sort_key: 'asset_name', sort_dir: 'desc' })).toEqual(['e', 'd', 'c', 'b', 'a']);
  });

  it('sorts by asset_order with assets without one last in both directions, equal orders newest first', async () => {
    expect(await list({ sort_key: 'asset_order' })).toEqual(['c', 'e', 'a', 'd', 'b']);
    expect(await list({ sort_key: 'asset_order', sort_dir: 'desc' })).toEqual(['e', 'a', 'c', 'd', 'b']);
    // Paging keeps the same order.
    expect(await list({ sort_key: 'asset_order', limit: '2', offset: '2' })).toEqual(['a', 'd']);
  });

  it('refuses an unknown sort_key or sort_dir with 400 naming the parameter', async () => {
    for (const query of [{ sort_key: 'asset_size' }, { sort_dir: 'up' }] as Record<string, string>[]) {
      const res = await t.client.call('GET', '/digital-assets', { query });
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe('MSS.00000003');
      expect(res.body.error_msg).toContain(Object.keys(query)[0]);
    }
  });
});
