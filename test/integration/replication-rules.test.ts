import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../helpers/api-client.js';
import { startTwoRegions, type TwoRegions } from '../helpers/two-regions.js';
import { pollUntil } from '../helpers/poll.js';
import { activeAsset, png, show, stateIn } from '../helpers/rule-assets.js';

/**
 * Replication rules between two regions of one deployment (A cn-north-4, B ap-southeast-3),
 * each running its background loops: new assets, changes and deletes reach B by themselves;
 * B's replicas are read-only while fed; the delivery channel and ordinary replication info
 * never open for each other.
 */

let r: TwoRegions;

const expectError = (res: ApiResponse, status: number, code: string) => {
  expect({ status: res.status, code: res.body?.error_code }).toEqual({ status, code });
};

const until = pollUntil;



async function rule(body: Record<string, unknown>): Promise<string> {
  const res = await r.a.client.call('POST', '/replication-rules', { body: { rule_name: `rule-${Math.random().toString(16).slice(2)}`, target_region: 'ap-southeast-3', ...body } });
  expect(res.status).toBe(200);
  return res.body.rule_id as string;
}

beforeAll(async () => {
  r = await startTwoRegions();
}, 60_000);
afterAll(async () => {
  await r?.close();
});

describe('a rule A -> B', () => {
  let ruleId = '';
  let assetId = '';

  beforeAll(async () => {
    ruleId = await rule({ filter: { tags: ['follow'] } });
    assetId = await activeAsset(r.a.client, { asset_name: 'followed', tags: ['follow', 'x'] });
  });

  it('copies a new matching asset to B, marked with its origin, and A shows the replica COMPLETED', async () => {
    const replica = await stateIn(r.clientB, assetId, ['ACTIVED']);
    expect(replica.body).toMatchObject({ asset_name: 'followed', tags: ['follow', 'x'], project_id: r.projectB });
    expect(replica.body.files).toHaveLength(1);
    const a = await until(() => show(r.a.client, assetId), (res) => res.body.replication_status?.[0]?.state === 'COMPLETED');
    expect(a.body.replication_status).toEqual([{ target_region: 'ap-southeast-3', rule_id: ruleId, state: 'COMPLETED', completed_time: expect.any(String) }]);
    const listed = await r.a.client.call('GET', '/digital-assets', { query: { replication_state: 'COMPLETED' } });
    expect(listed.body.assets.map((x: { asset_id: string }) => x.asset_id)).toEqual([assetId]);
    expect((await r.a.client.call('GET', '/digital-assets', { query: { replication_state: 'FAILED' } })).body.count).toBe(0);
    expectError(await r.a.client.call('GET', '/digital-assets', { query: { replication_state: 'LOST' } }), 400, 'MSS.00000003');
    const shown = await r.a.client.call('GET', `/replication-rules/${ruleId}`);
    expect(shown.body.counts).toEqual({ pending: 0, copying: 0, completed: 1, failed: 0 });
  });

  it('leaves an asset the filter does not select', async () => {
    const other = await activeAsset(r.a.client, { asset_name: 'not-followed', tags: ['other'] });
    const marker = await activeAsset(r.a.client, { asset_name: 'marker', tags: ['follow'] });
    await stateIn(r.clientB, marker, ['ACTIVED']);
    expect((await show(r.clientB, other)).status).toBe(404);
    expect((await show(r.a.client, other)).body.replication_status).toBeUndefined();
  });

  it('carries a changed tag and description to B', async () => {
    const put = await r.a.client.call('PUT', `/digital-assets/${assetId}`, { body: { tags: ['follow', 'y'], asset_description: 'changed in A' } });
    expect(put.status).toBe(200);
    const replica = await until(() => show(r.clientB, assetId), (res) => Boolean(res.body.tags?.includes('y')));
    expect(replica.body).toMatchObject({ tags: ['follow', 'y'], asset_description: 'changed in A', asset_state: 'ACTIVED' });
  });

  it('carries the ACTIVED/UNACTIVED toggle', async () => {
    expect((await r.a.client.call('PUT', `/digital-assets/${assetId}`, { body: { asset_state: 'UNACTIVED' } })).status).toBe(200);
    await stateIn(r.clientB, assetId, ['UNACTIVED']);
    expect((await r.a.client.call('PUT', `/digital-assets/${assetId}`, { body: { asset_state: 'ACTIVED' } })).status).toBe(200);
    await stateIn(r.clientB, assetId, ['ACTIVED']);
  });

  it('carries a new file and a replaced one to B; the replica stays ACTIVED with its old files until the new ones are in', async () => {
    const seen = new Set<string>();
    const watch = async () => {
      const res = await show(r.clientB, assetId);
      seen.add(res.body.asset_state as string);
      return res;
    };
    await r.a.client.addFile(assetId, 'cover.png', png, 'COVER');
    const added = await until(watch, (res) => Boolean(res.body.files?.length === 2 && res.body.files.every((f: { state: string }) => f.state === 'CREATED')));
    expect(added.body.files.map((f: { file_name: string }) => f.file_name).sort()).toEqual(['cover.png', 'main.png']);
    const oldCover = added.body.files.find((f: { file_name: string }) => f.file_name === 'cover.png').file_id as string;
    // The cover is replaced in A: deleted, and a new one added.
    expect((await r.a.client.call('DELETE', `/files/${oldCover}`)).status).toBe(200);
    const newCover = await r.a.client.addFile(assetId, 'cover2.png', Buffer.concat([png, Buffer.from('v2')]), 'COVER');
    const replaced = await until(watch, (res) => Boolean(res.body.files?.some((f: { file_id: string; state: string }) => f.file_id === newCover && f.state === 'CREATED') && res.body.files.length === 2));
    expect(replaced.body.files.map((f: { file_name: string }) => f.file_name).sort()).toEqual(['cover2.png', 'main.png']);
    expect([...seen]).toEqual(['ACTIVED']);
  });

  it('keeps the replica read-only in B while the rule feeds it (409 with its own code)', async () => {
    expectError(await r.clientB.call('PUT', `/digital-assets/${assetId}`, { body: { asset_description: 'edited in B' } }), 409, 'MSS.10008007');
    expectError(await r.clientB.call('DELETE', `/digital-assets/${assetId}`), 409, 'MSS.10008007');
    expectError(await r.clientB.call('POST', '/files', { body: { asset_id: assetId, file_name: 'x.png', file_type: 'png', asset_file_category: 'OTHER', file_size: 1, file_md5: 'AAAAAAAAAAAAAAAAAAAAAA==' } }), 409, 'MSS.10008007');
    expect((await show(r.clientB, assetId)).body.asset_description).toBe('changed in A');
  });

  it('without replicate_deletes, a delete in A leaves the replica', async () => {
    const gone = await activeAsset(r.a.client, { asset_name: 'deleted-in-a', tags: ['follow'] });
    await stateIn(r.clientB, gone, ['ACTIVED']);
    expect((await r.a.client.call('DELETE', `/digital-assets/${gone}`)).status).toBe(200);
    const marker = await activeAsset(r.a.client, { asset_name: 'after-delete', tags: ['follow'] });
    await stateIn(r.clientB, marker, ['ACTIVED']);
    expect((await show(r.clientB, gone)).body.asset_state).toBe('ACTIVED');
  });

  it('stops updating an asset that no longer matches: its replica stays as it was', async () => {
    const id = await activeAsset(r.a.client, { asset_name: 'leaves-filter', tags: ['follow'], asset_description: 'before' });
    await stateIn(r.clientB, id, ['ACTIVED']);
    expect((await r.a.client.call('PUT', `/digital-assets/${id}`, { body: { tags: ['elsewhere'], asset_description: 'after' } })).status).toBe(200);
    // The change is queued, then dropped by the delivery loop: the outbox empties without sending it.
    await until(() => r.a.region.store.rules.pendingByTarget(), (pending) => (pending.get('ap-southeast-3') ?? 0) === 0);
    expect((await show(r.clientB, id)).body).toMatchObject({ tags: ['follow'], asset_description: 'before', asset_state: 'ACTIVED' });
  });

  it('when the rule is disabled, B is told and its replicas become ordinary assets', async () => {
    const put = await r.a.client.call('PUT', `/replication-rules/${ruleId}`, { body: { enabled: false } });
    expect(put.body.enabled).toBe(false);
    await until(
      () => r.clientB.call('PUT', `/digital-assets/${assetId}`, { body: { asset_description: 'mine now' } }),
      (res) => res.status === 200,
    );
    expect((await show(r.clientB, assetId)).body.asset_description).toBe('mine now');
  });
});

describe('a rule with replicate_deletes', () => {
  it('sends the recycle bin, the restore and the delete for good', async () => {
    await rule({ filter: { name_prefix: 'del-' }, replicate_deletes: true });
    const id = await activeAsset(r.a.client, { asset_name: 'del-one' });
    await stateIn(r.clientB, id, ['ACTIVED']);
    expect((await r.a.client.call('DELETE', `/digital-assets/${id}`)).status).toBe(200);
    await stateIn(r.clientB, id, ['DELETING']);
    expect((await r.a.client.call('POST', `/digital-assets/${id}/restore`)).status).toBe(200);
    await stateIn(r.clientB, id, ['ACTIVED']);
    expect((await r.a.client.call('DELETE', `/digital-assets/${id}`, { query: { mode: 'force' } })).status).toBe(200);
    await until(() => show(r.clientB, id), (res) => res.status === 404);
  });
});

describe('the delivery channel', () => {
  it('refuses replication info a user exported, and CreateAssetByReplicationInfo refuses a delivery', async () => {
    const id = await activeAsset(r.a.client, { asset_name: 'channel' });
    const info = (await r.a.client.call('GET', `/digital-assets/${id}/replication-info`)).body;
    const asDelivery = {
      rule_id: 'a'.repeat(32), asset_id: id, version: 1, source_region: 'cn-north-4', target_region: 'ap-southeast-3',
      asset_info: info.asset_info, encryption_info: info.encryption_info,
    };
    const posted = await fetch(`${r.b.endpoint}/replication/v1/rule-deliveries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(asDelivery) });
    expect(posted.status).toBe(400);
    expect(((await posted.json()) as { error_code: string }).error_code).toBe('MSS.10008009');
    expect((await show(r.clientB, id)).status).toBe(404);

    // A delivery as region A seals it, carried to B's CreateAssetByReplicationInfo.
    const { sealDelivery } = await import('../../src/services/replication/seal.js');
    const { parseKeyRing } = await import('../../src/services/replication/key-ring.js');
    const ring = parseKeyRing({ active: 'k1', keys: { k1: r.ringKey } });
    const sealed = sealDelivery(ring, { targetRegion: 'ap-southeast-3', ruleId: 'a'.repeat(32), assetId: id, version: 1 }, Buffer.from(JSON.stringify({ v: 1 })));
    expectError(await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: { asset_id: id, asset_info: sealed.asset_info, encryption_info: sealed.encryption_info } }), 400, 'MSS.10003001');
    expect((await show(r.clientB, id)).status).toBe(404);
  });
});
