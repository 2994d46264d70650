import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/adapters/system-clock.js';
import { startTwoRegions, type TwoRegions } from '../helpers/two-regions.js';
import { parseKeyRing, type KeyRing } from '../../src/services/replication/key-ring.js';
import { openDelivery, sealDelivery } from '../../src/services/replication/seal.js';
import { httpDeliveryTransport, RuleDeliverer, type DeliveryTransport } from '../../src/services/replication/rule-deliverer.js';
import { parsePayload, type DeliveryBody, type DeliveryItemAnswer, type DeliveryPayload } from '../../src/services/replication/rule-delivery.js';
import { pollUntil } from '../helpers/poll.js';
import { activeAsset, show, stateIn } from '../helpers/rule-assets.js';

/**
 * Rule deliveries in batches: one request carries several deliveries, each sealed for its own
 * rule, asset and version and answered on its own; a copy region B took is asked about with a
 * status question (no manifest), and one such request covers many replicas.
 */

let r: TwoRegions;
let ring: KeyRing;
const until = pollUntil;


const ruleIdOf = () => Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32);

/** A delivery as region A seals it (for B unless `target` says otherwise). */
function item(ruleId: string, assetId: string, version: number, payload: DeliveryPayload, target = 'ap-southeast-3'): DeliveryBody {
  const sealed = sealDelivery(ring, { targetRegion: target, ruleId, assetId, version }, Buffer.from(JSON.stringify(payload)));
  return { ...sealed, rule_id: ruleId, version, source_region: 'cn-north-4', target_region: target };
}

async function postBatch(items: DeliveryBody[]): Promise<{ status: number; body: { items: DeliveryItemAnswer[]; error_code?: string } }> {
  const res = await fetch(`${r.b.endpoint}/replication/v1/rule-delivery-batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
  return { status: res.status, body: (await res.json()) as { items: DeliveryItemAnswer[] } };
}

/** The upsert region A would deliver for `assetId` as it is now. */
async function upsert(ruleId: string, assetId: string, over: Partial<DeliveryPayload> = {}): Promise<{ body: DeliveryBody; version: number; payload: DeliveryPayload }> {
  const asset = (await r.a.region.store.getAsset(r.a.projectId, assetId))!;
  const manifest = await r.a.region.replication.manifestFor(asset, r.a.accountId);
  const version = asset.version ?? 1;
  const payload: DeliveryPayload = { v: 1, exp: Math.floor(Date.now() / 1000) + 600, kind: 'upsert', state: 'ACTIVED', src: manifest.src, target_project: r.projectB, manifest, ...over };
  return { body: item(ruleId, assetId, version, payload), version, payload };
}

/** A status question about `version` of `assetId`. */
const question = (ruleId: string, assetId: string, version: number, state: 'ACTIVED' | 'UNACTIVED' = 'ACTIVED'): DeliveryBody =>
  item(ruleId, assetId, version, {
    v: 1, exp: Math.floor(Date.now() / 1000) + 600, kind: 'status', state,
    src: { region: 'cn-north-4', account: r.a.accountId, project: r.a.projectId, asset: assetId }, target_project: r.projectB,
  });

/** Opens what region A posted (as region B would): its kind and whether it carried a manifest. */
function opened(body: DeliveryBody): DeliveryPayload {
  const o = openDelivery(ring, { targetRegion: body.target_region, ruleId: body.rule_id, assetId: body.asset_id, version: body.version }, body);
  if (!o.ok) throw new Error('does not open');
  return parsePayload(o.plaintext.toString('utf8'))!;
}

beforeAll(async () => {
  r = await startTwoRegions();
  ring = parseKeyRing({ active: 'k1', keys: { k1: r.ringKey } });
}, 60_000);
afterAll(async () => {
  await r?.close();
});

describe('region B and a batch', () => {
  const ruleId = ruleIdOf();
  const ids: string[] = [];

  it('answers each item on its own: a tampered, a foreign and another account\'s item are refused alone, the others applied', async () => {
    for (let i = 0; i < 5; i++) ids.push(await activeAsset(r.a.client, { asset_name: `batch-${i}` }));
    const [good1, good2, tampered] = [await upsert(ruleId, ids[0]!), await upsert(ruleId, ids[1]!), await upsert(ruleId, ids[2]!)];
    const flipped = Buffer.from(tampered.body.asset_info.split(':')[1]!, 'base64');
    flipped[5] = (flipped[5] ?? 0) ^ 1;
    const tamperedBody = { ...tampered.body, asset_info: `${tampered.body.asset_info.split(':')[0]}:${flipped.toString('base64')}` };
    // Replication info a user exported, posted as a delivery.
    const info = (await r.a.client.call('GET', `/digital-assets/${ids[3]}/replication-info`)).body;
    const foreign: DeliveryBody = { rule_id: ruleId, asset_id: ids[3]!, version: 1, source_region: 'cn-north-4', target_region: 'ap-southeast-3', asset_info: info.asset_info, encryption_info: info.encryption_info };
    // Sealed for a project of another account in B.
    const other = await r.a.addAccount();
    const otherProjectB = (await r.a.identity.projects(other.name)).find((p) => p.region === 'ap-southeast-3')!.id;
    const intruder = await upsert(ruleId, ids[4]!, { target_project: otherProjectB });

    const res = await postBatch([good1.body, tamperedBody, foreign, intruder.body, good2.body]);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(5);
    expect(res.body.items[0]).toMatchObject({ status: 200, state: 'COPYING', version: good1.version, retry_after_ms: expect.any(Number) });
    expect(res.body.items[1]).toMatchObject({ status: 400, error_code: 'MSS.10008009' });
    expect(res.body.items[2]).toMatchObject({ status: 400, error_code: 'MSS.10008009' });
    expect(res.body.items[3]).toMatchObject({ status: 403, error_code: 'MSS.10008008' });
    expect(res.body.items[4]).toMatchObject({ status: 200, state: 'COPYING', version: good2.version });

    await stateIn(r.clientB, ids[0]!, ['ACTIVED']);
    await stateIn(r.clientB, ids[1]!, ['ACTIVED']);
    for (const refused of [ids[2]!, ids[3]!]) expect((await show(r.clientB, refused)).status).toBe(404);
    expect(await r.b.region.store.getAsset(otherProjectB, ids[4]!)).toBeUndefined();
    expect(await r.b.region.store.getAsset(r.projectB, ids[4]!)).toBeUndefined();
  });

  it('refuses a batch of no item, or of more than 100, whole', async () => {
    expect(await postBatch([])).toMatchObject({ status: 400, body: { error_code: 'MSS.00000003' } });
    const one = question(ruleId, ids[0]!, 1);
    expect(await postBatch(Array.from({ length: 101 }, () => one))).toMatchObject({ status: 400, body: { error_code: 'MSS.00000003' } });
  });

  it('one status question covers many replicas; it creates nothing, and a version B does not hold is UNKNOWN', async () => {
    const [v0, v1] = [(await r.a.region.store.getAsset(r.a.projectId, ids[0]!))!.version ?? 1, (await r.a.region.store.getAsset(r.a.projectId, ids[1]!))!.version ?? 1];
    const res = await postBatch([question(ruleId, ids[0]!, v0), question(ruleId, ids[1]!, v1), question(ruleId, ids[2]!, 1), question(ruleId, ids[0]!, v0 + 1)]);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      { status: 200, state: 'COMPLETED', version: v0, completed_time: expect.any(String) },
      { status: 200, state: 'COMPLETED', version: v1, completed_time: expect.any(String) },
      { status: 200, state: 'UNKNOWN', version: 0 },
      { status: 200, state: 'UNKNOWN', version: v0 },
    ]);
    expect((await show(r.clientB, ids[2]!)).status).toBe(404);
    expect((await show(r.clientB, ids[0]!)).body).toMatchObject({ asset_name: 'batch-0', asset_state: 'ACTIVED' });
  });

  it('a status question brings the ACTIVED/UNACTIVED toggle, as a repeated delivery did', async () => {
    const v0 = (await r.a.region.store.getAsset(r.a.projectId, ids[0]!))!.version ?? 1;
    const res = await postBatch([question(ruleId, ids[0]!, v0, 'UNACTIVED')]);
    expect(res.body.items[0]).toMatchObject({ status: 200, state: 'COMPLETED', version: v0 });
    expect((await show(r.clientB, ids[0]!)).body.asset_state).toBe('UNACTIVED');
  });
});

describe('region A delivering in batches', () => {
  /** A's own loop stops; a deliverer of the test's posts through a transport that records every request. */
  const posted: { batch: boolean; items: DeliveryBody[] }[] = [];
  let deliverer: RuleDeliverer;
  let batchAnswer: (() => { status: number; body: unknown } | undefined) | undefined;

  beforeAll(async () => {
    await r.a.region.deliverer.stop();
    const http = httpDeliveryTransport();
    const transport: DeliveryTransport = {
      post: (endpoint, body) => {
        posted.push({ batch: false, items: [body] });
        return http.post(endpoint, body);
      },
      postBatch: (endpoint, body) => {
        posted.push({ batch: true, items: body.items });
        const canned = batchAnswer?.();
        return canned ? Promise.resolve(canned) : http.postBatch(endpoint, body);
      },
    };
    deliverer = new RuleDeliverer({
      store: r.a.region.store, replication: r.a.region.replication, keyRing: ring, clock: systemClock, logger: pino({ level: 'silent' }),
      region: 'cn-north-4', peers: { 'ap-southeast-3': r.b.endpoint }, transport, concurrency: 2, batchSize: 10, leaseMs: 30_000, retryMaxMs: 1_000, pollMs: 50,
    });
    deliverer.start();
  });
  afterAll(async () => {
    await deliverer.stop();
  });

  const counts = (ruleId: string) => r.a.client.call('GET', `/replication-rules/${ruleId}`);

  it('sends a backfill of 25 assets in requests of at most 10 deliveries, each version delivered whole once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push(await activeAsset(r.a.client, { asset_name: `fill-${i}` }));
    const created = await r.a.client.call('POST', '/replication-rules', { body: { rule_name: 'fill', target_region: 'ap-southeast-3', filter: { name_prefix: 'fill-' }, backfill: true } });
    expect(created.status).toBe(200);
    const ruleId = created.body.rule_id as string;
    await until(() => counts(ruleId), (res) => res.body.counts?.completed === 25, 60_000);
    for (const id of ids) expect((await show(r.clientB, id)).body.asset_state).toBe('ACTIVED');

    const mine = posted.filter((p) => p.items.some((i) => i.rule_id === ruleId));
    expect(mine.every((p) => p.batch && p.items.length <= 10)).toBe(true);
    const kinds = mine.flatMap((p) => p.items.map((i) => ({ asset: i.asset_id, version: i.version, payload: opened(i) })));
    const upserts = kinds.filter((k) => k.payload.kind === 'upsert');
    // Every asset, and each version of it (a background step in A may change it once more) once.
    expect(new Set(upserts.map((k) => k.asset))).toEqual(new Set(ids));
    expect(new Set(upserts.map((k) => `${k.asset}/${k.version}`)).size).toBe(upserts.length);
    // The questions about running copies carry no manifest.
    expect(kinds.filter((k) => k.payload.kind === 'status').every((k) => k.payload.manifest === undefined)).toBe(true);
    // Far fewer requests than assets.
    expect(mine.filter((p) => p.items.some((i) => opened(i).kind === 'upsert')).length).toBeLessThanOrEqual(13);
  });

  it('asks about a copy B took with a status question, and delivers whole a version B answers UNKNOWN for', async () => {
    const created = await r.a.client.call('POST', '/replication-rules', { body: { rule_name: 'ask', target_region: 'ap-southeast-3', filter: { name_prefix: 'ask-' } } });
    const ruleId = created.body.rule_id as string;
    const id = await activeAsset(r.a.client, { asset_name: 'ask-1' });
    // The image's metadata makes a newer version in A: it is delivered before anything is counted.
    await r.a.region.media.idle();
    await until(
      async () => ({ s: await r.a.region.store.rules.getStatus(r.a.projectId, id, ruleId), a: await r.a.region.store.getAsset(r.a.projectId, id) }),
      (x) => x.s?.state === 'COMPLETED' && x.s.version === x.a?.version,
    );
    const status = (await r.a.region.store.rules.getStatus(r.a.projectId, id, ruleId))!;
    const sentTo = (kind: string) => posted.flatMap((p) => p.items).filter((i) => i.asset_id === id && opened(i).kind === kind).length;
    const before = { upsert: sentTo('upsert'), status: sentTo('status') };

    // A believes the copy still runs (its state COPYING at the version B holds): it only asks.
    await r.a.region.store.rules.putStatus({ ...status, state: 'COPYING', completedTime: null });
    await r.a.region.store.rules.enqueue([{ ruleId, projectId: r.a.projectId, assetId: id, version: status.version, changedAt: status.changedAt }], new Date().toISOString());
    deliverer.wake();
    await until(() => r.a.region.store.rules.getStatus(r.a.projectId, id, ruleId), (s) => s?.state === 'COMPLETED');
    expect({ upsert: sentTo('upsert'), status: sentTo('status') }).toEqual({ upsert: before.upsert, status: before.status + 1 });

    // B holds an older version than A asks about: the answer is UNKNOWN, and A delivers that version whole.
    const replica = (await r.b.region.store.getAsset(r.projectB, id))!;
    await r.b.region.store.updateAsset(r.projectB, id, { origin: { ...replica.origin!, version: replica.origin!.version - 1 }, updatedAt: new Date().toISOString() });
    await r.a.region.store.rules.putStatus({ ...status, state: 'COPYING', completedTime: null });
    await r.a.region.store.rules.enqueue([{ ruleId, projectId: r.a.projectId, assetId: id, version: status.version, changedAt: status.changedAt }], new Date().toISOString());
    deliverer.wake();
    await until(
      async () => ({ s: await r.a.region.store.rules.getStatus(r.a.projectId, id, ruleId), upserts: sentTo('upsert') }),
      (x) => x.s?.state === 'COMPLETED' && x.upserts === before.upsert + 1,
    );
    expect(sentTo('status')).toBe(before.status + 2);
    expect((await r.b.region.store.getAsset(r.projectB, id))!.origin?.version).toBe(status.version);
  });

  it('delivers one by one, with no status question, to a region that answers 404 to a batch', async () => {
    const created = await r.a.client.call('POST', '/replication-rules', { body: { rule_name: 'old', target_region: 'ap-southeast-3', filter: { name_prefix: 'old-' } } });
    const ruleId = created.body.rule_id as string;
    batchAnswer = () => ({ status: 404, body: { error_code: 'MSS.00010003', error_msg: 'SR.api not found' } });
    try {
      const ids = [await activeAsset(r.a.client, { asset_name: 'old-1' }), await activeAsset(r.a.client, { asset_name: 'old-2' })];
      await until(() => counts(ruleId), (res) => res.body.counts?.completed === 2, 30_000);
      const mine = posted.filter((p) => p.items.some((i) => i.rule_id === ruleId));
      const single = mine.filter((p) => !p.batch).flatMap((p) => p.items);
      expect(mine.filter((p) => p.batch).length).toBeGreaterThanOrEqual(1);
      expect(new Set(single.map((i) => i.asset_id))).toEqual(new Set(ids));
      expect(single.every((i) => opened(i).kind === 'upsert')).toBe(true);
    } finally {
      batchAnswer = undefined;
    }
  });
});
