import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../helpers/api-client.js';
import type { TestAccount } from '../helpers/test-region.js';
import { startTwoRegions, type TwoRegions } from '../helpers/two-regions.js';
import { parseKeyRing } from '../../src/services/replication/key-ring.js';
import { sealDelivery } from '../../src/services/replication/seal.js';
import type { DeliveryAnswer, DeliveryPayload } from '../../src/services/replication/rule-delivery.js';
import { CHUNK_SIZE } from '../../src/domain/chunks.js';
import { pollUntil } from '../helpers/poll.js';
import { activeAsset, show } from '../helpers/rule-assets.js';

/**
 * Replication rules, the harder cases: deliveries out of order, rules both ways without a loop,
 * adopting a manual copy, a conflict, another account's rule.
 */

let r: TwoRegions;

const until = pollUntil;

const activeIn = (client: ApiClient, id: string) => until(() => show(client, id), (res) => res.status === 200 && res.body.asset_state === 'ACTIVED');


async function rule(client: ApiClient, target: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await client.call('POST', '/replication-rules', { body: { rule_name: `rule-${Math.random().toString(16).slice(2)}`, target_region: target, ...body } });
  expect(res.status).toBe(200);
  return res.body.rule_id as string;
}

/** Posts a delivery to region B as region A would seal it. */
async function deliver(ruleId: string, assetId: string, version: number, payload: DeliveryPayload): Promise<{ status: number; body: DeliveryAnswer & { error_code?: string } }> {
  const ring = parseKeyRing({ active: 'k1', keys: { k1: r.ringKey } });
  const sealed = sealDelivery(ring, { targetRegion: 'ap-southeast-3', ruleId, assetId, version }, Buffer.from(JSON.stringify(payload)));
  const res = await fetch(`${r.b.endpoint}/replication/v1/rule-deliveries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...sealed, rule_id: ruleId, version, source_region: 'cn-north-4', target_region: 'ap-southeast-3' }),
  });
  return { status: res.status, body: (await res.json()) as DeliveryAnswer & { error_code?: string } };
}

beforeAll(async () => {
  r = await startTwoRegions();
}, 60_000);
afterAll(async () => {
  await r?.close();
});

describe('versions', () => {
  it('two updates delivered in reverse order end with the newer', async () => {
    const ruleId = await rule(r.a.client, 'ap-southeast-3', { filter: { name_prefix: 'order-' } });
    const id = await activeAsset(r.a.client, { asset_name: 'order-1', tags: ['v1'] });
    await activeIn(r.clientB, id);
    const asset = (await r.a.region.store.getAsset(r.a.projectId, id))!;
    const manifest = await r.a.region.replication.manifestFor(asset, r.a.accountId);
    const base = { v: 1 as const, exp: Math.floor(Date.now() / 1000) + 600, kind: 'upsert' as const, state: 'ACTIVED' as const, src: manifest.src, target_project: r.projectB };
    const v = (asset.version ?? 1) + 10;
    const newer = await deliver(ruleId, id, v + 2, { ...base, manifest: { ...manifest, meta: { ...manifest.meta, tags: ['newer'] } } });
    expect(newer).toMatchObject({ status: 200, body: { state: 'COMPLETED', version: v + 2 } });
    const older = await deliver(ruleId, id, v + 1, { ...base, manifest: { ...manifest, meta: { ...manifest.meta, tags: ['older'] } } });
    expect(older).toMatchObject({ status: 200, body: { state: 'COMPLETED', version: v + 2 } });
    expect((await show(r.clientB, id)).body.tags).toEqual(['newer']);
  });

  it('a delivery sealed for one version does not open as another, nor for another region', async () => {
    const ruleId = 'b'.repeat(32);
    const ring = parseKeyRing({ active: 'k1', keys: { k1: r.ringKey } });
    const payload = { v: 1, exp: Math.floor(Date.now() / 1000) + 600, kind: 'release', src: { region: 'cn-north-4', account: r.a.accountId, project: r.a.projectId, asset: '*' }, target_project: r.projectB };
    const sealed = sealDelivery(ring, { targetRegion: 'ap-southeast-3', ruleId, assetId: '*', version: 3 }, Buffer.from(JSON.stringify(payload)));
    const post = (body: Record<string, unknown>) =>
      fetch(`${r.b.endpoint}/replication/v1/rule-deliveries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...sealed, rule_id: ruleId, source_region: 'cn-north-4', target_region: 'ap-southeast-3', version: 3, ...body }) });
    expect((await post({})).status).toBe(200);
    const otherVersion = await post({ version: 4 });
    expect(otherVersion.status).toBe(400);
    expect(((await otherVersion.json()) as { error_code: string }).error_code).toBe('MSS.10008009');
    expect((await post({ target_region: 'cn-north-4' })).status).toBe(400);
    // A delivery past its life (it is sealed afresh at every attempt) is refused.
    const stale = sealDelivery(ring, { targetRegion: 'ap-southeast-3', ruleId, assetId: '*', version: 3 }, Buffer.from(JSON.stringify({ ...payload, exp: Math.floor(Date.now() / 1000) - 1 })));
    const replayed = await post({ ...stale });
    expect(replayed.status).toBe(400);
    expect(((await replayed.json()) as { error_msg: string }).error_msg).toContain('expired');
  });
});

describe('replicas and origins', () => {
  it('rules A->B and B->A together: no loop, no duplicate', async () => {
    await rule(r.a.client, 'ap-southeast-3', { filter: { name_prefix: 'both-' } });
    const back = await rule(r.clientB, 'cn-north-4', { filter: { name_prefix: 'both-' } });
    const fromA = await activeAsset(r.a.client, { asset_name: 'both-from-a' });
    const fromB = await activeAsset(r.clientB, { asset_name: 'both-from-b' });
    await activeIn(r.clientB, fromA);
    await activeIn(r.a.client, fromB);
    // The replica in B never feeds B's rule: B's rule only ever sent B's own asset.
    const shownBack = await until(() => r.clientB.call('GET', `/replication-rules/${back}`), (res) => res.body.counts.completed === 1);
    expect(shownBack.body.counts).toEqual({ pending: 0, copying: 0, completed: 1, failed: 0 });
    expect((await show(r.clientB, fromA)).body.replication_status).toBeUndefined();
    const listA = await r.a.client.call('GET', '/digital-assets', { query: { name: 'both-', limit: '100' } });
    expect(listA.body.assets.map((a: { asset_name: string }) => a.asset_name).sort()).toEqual(['both-from-a', 'both-from-b']);
    const listB = await r.clientB.call('GET', '/digital-assets', { query: { name: 'both-', limit: '100' } });
    expect(listB.body.assets.map((a: { asset_name: string }) => a.asset_name).sort()).toEqual(['both-from-a', 'both-from-b']);
  });

  it('adopts a manual copy of the same origin, and fails an asset of that id that is not one (conflict)', async () => {
    const id = await activeAsset(r.a.client, { asset_name: 'adopt-me' });
    const info = (await r.a.client.call('GET', `/digital-assets/${id}/replication-info`)).body;
    expect((await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: { asset_id: id, asset_info: info.asset_info, encryption_info: info.encryption_info } })).status).toBe(200);
    await activeIn(r.clientB, id);
    const ruleId = await rule(r.a.client, 'ap-southeast-3', { filter: { name_prefix: 'adopt-' }, backfill: true });
    await until(() => show(r.a.client, id), (res) => res.body.replication_status?.[0]?.state === 'COMPLETED');
    // Adopted: fed by the rule from now on, so read-only in B.
    expect((await r.clientB.call('PUT', `/digital-assets/${id}`, { body: { asset_description: 'x' } })).body.error_code).toBe('MSS.10008007');

    const own = await r.clientB.createAsset({ asset_name: 'b-own' });
    const manifest = {
      v: 2, chunk_size: CHUNK_SIZE, tid: 'c'.repeat(32), exp: Math.floor(Date.now() / 1000) + 600, cap_exp: Math.floor(Date.now() / 1000) + 1200,
      src: { region: 'cn-north-4', account: r.a.accountId, project: r.a.projectId, asset: own }, meta: { asset_name: 'clash', asset_type: 'IMAGE', app_user_id: null }, files: [],
    };
    const clash = await deliver(ruleId, own, 5, { v: 1, exp: Math.floor(Date.now() / 1000) + 600, kind: 'upsert', state: 'ACTIVED', src: manifest.src, target_project: r.projectB, manifest: manifest as unknown as DeliveryPayload['manifest'] });
    expect(clash).toMatchObject({ status: 200, body: { state: 'FAILED', reason: 'conflict' } });
    expect((await show(r.clientB, own)).body.asset_name).toBe('b-own');
  });
});

describe('isolation', () => {
  let other: TestAccount;
  beforeAll(async () => {
    other = await r.a.addAccount();
  });

  it("another account's rule never touches this account's assets", async () => {
    const otherRule = await rule(other.client, 'ap-southeast-3', { backfill: true });
    const mine = await activeAsset(r.a.client, { asset_name: 'isolated-mine' });
    const theirs = await activeAsset(other.client, { asset_name: 'isolated-theirs' });
    const otherProjectB = (await r.a.identity.projects(other.name)).find((p) => p.region === 'ap-southeast-3')?.id ?? '';
    const { ApiClient } = await import('../helpers/api-client.js');
    const otherB = new ApiClient({ endpoint: r.b.endpoint, projectId: otherProjectB, accessKey: other.accessKey, secretKey: other.secretKey });
    await activeIn(otherB, theirs);
    expect((await show(otherB, mine)).status).toBe(404);
    expect((await show(r.clientB, theirs)).status).toBe(404);
    const shown = await until(() => other.client.call('GET', `/replication-rules/${otherRule}`), (res) => res.body.counts.copying === 0);
    expect(shown.body.counts).toEqual({ pending: 0, copying: 0, completed: 1, failed: 0 });
    expect((await show(r.a.client, mine)).body.replication_status).toBeUndefined();
  });
});
