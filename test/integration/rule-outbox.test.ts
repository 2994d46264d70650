import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import { newAsset } from '../../src/domain/asset-fields.js';
import type { ReplicationRule } from '../../src/domain/replication-rule.js';
import { newId } from '../../src/domain/ids.js';
import { openTestDatabase } from '../helpers/backend.js';

/**
 * The outbox of replication rules on both engines: written in the transaction of the asset's
 * change (and not when it rolls back), one row per rule and asset (the newest version wins),
 * claimed by one worker at a time, kept when a newer change came during a delivery.
 */

let db: Awaited<ReturnType<typeof openTestDatabase>>;
let store: KyselyMetadataStore;
const projectId = newId();
const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 12, 0, s)).toISOString();

const rule = (over: Partial<ReplicationRule> = {}): ReplicationRule => ({
  ruleId: newId(), projectId, accountId: newId(), ruleName: `r-${newId().slice(0, 6)}`, targetRegion: 'ap-southeast-3', targetProjectId: newId(),
  filter: { assetTypes: [], tags: [], namePrefix: null }, replicateUpdates: true, replicateDeletes: false, enabled: true,
  backfillState: null, backfillTotal: 0, createdAt: at(0), updatedAt: at(0), ...over,
});

async function activeAsset(name: string): Promise<string> {
  const asset = newAsset({ projectId, appUserId: null, at: at(1) }, { assetName: name, assetType: 'IMAGE' });
  await store.insertAsset(asset);
  await store.updateAsset(projectId, asset.assetId, { assetState: 'ACTIVED', updatedAt: at(2) });
  return asset.assetId;
}

const claim = (owner: string, now = at(30)) => store.rules.claimDue({ owner, now, leaseUntil: at(59), limit: 100 });

beforeAll(async () => {
  db = await openTestDatabase();
  store = new KyselyMetadataStore(db.database.db, db.database.engine);
});
afterAll(async () => {
  await db.remove();
});

describe('the rule outbox', () => {
  it('is written with the change that activates a matching asset, one row per rule, and not for a rolled-back change', async () => {
    const r1 = rule({ filter: { assetTypes: ['IMAGE'], tags: [], namePrefix: 'out-' } });
    const r2 = rule({ filter: { assetTypes: ['VIDEO'], tags: [], namePrefix: null } });
    await store.rules.insertRule(r1);
    await store.rules.insertRule(r2);
    const id = await activeAsset('out-1');
    await activeAsset('other-name');
    const rows = await claim('w1');
    expect(rows.map((r) => [r.ruleId, r.assetId])).toEqual([[r1.ruleId, id]]);
    expect(rows[0]?.version).toBe((await store.getAsset(projectId, id))?.version);
    expect((await store.rules.getStatus(projectId, id, r1.ruleId))?.state).toBe('PENDING');
    await store.rules.finish(rows[0]!, 'w1');

    await expect(
      store.transaction(async (tx) => {
        await tx.updateAsset(projectId, id, { tags: ['rolled-back'], updatedAt: at(3) });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await claim('w1')).toEqual([]);
  });

  it('gives each row to one worker at a time, and keeps a row whose asset changed during its delivery', async () => {
    const r = rule({ filter: { assetTypes: [], tags: [], namePrefix: 'par-' } });
    await store.rules.insertRule(r);
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1) ids.push(await activeAsset(`par-${i}`));
    const [a, b] = await Promise.all([claim('wa'), claim('wb')]);
    const claimed = [...(a ?? []), ...(b ?? [])].filter((e) => e.ruleId === r.ruleId);
    expect(claimed.map((e) => e.assetId).sort()).toEqual([...ids].sort());
    expect(new Set(claimed.map((e) => e.assetId)).size).toBe(20);
    expect(await claim('wc')).toEqual([]);

    const first = claimed[0]!;
    const owner = (a ?? []).includes(first) ? 'wa' : 'wb';
    await store.updateAsset(projectId, first.assetId, { assetDescription: 'newer', updatedAt: at(4) });
    expect(await store.rules.finish(first, 'someone-else')).toBe(false);
    expect(await store.rules.finish(first, owner)).toBe(false);
    const again = (await claim('wd')).filter((e) => e.ruleId === r.ruleId);
    expect(again.map((e) => [e.assetId, e.version])).toEqual([[first.assetId, first.version + 1]]);
    expect(await store.rules.finish(again[0]!, 'wd')).toBe(true);
  });

  it('makes a lease-expired row claimable again, and retries with the attempt counted', async () => {
    const r = rule({ filter: { assetTypes: [], tags: [], namePrefix: 'lease-' } });
    await store.rules.insertRule(r);
    const id = await activeAsset('lease-1');
    const [row] = (await claim('w1')).filter((e) => e.ruleId === r.ruleId);
    expect(row?.assetId).toBe(id);
    expect((await claim('w2', at(58))).filter((e) => e.ruleId === r.ruleId)).toEqual([]);
    const [taken] = (await store.rules.claimDue({ owner: 'w2', now: new Date(Date.UTC(2026, 11, 6, 12, 1, 0)).toISOString(), leaseUntil: at(59), limit: 100 })).filter((e) => e.ruleId === r.ruleId);
    expect(taken?.assetId).toBe(id);
    await store.rules.reschedule(taken!, 'w2', at(40), 'unreachable');
    const [retried] = (await claim('w3', at(41))).filter((e) => e.ruleId === r.ruleId);
    expect(retried?.attempts).toBe(1);
  });

  it('records the answers of one batch in one transaction: a rollback leaves every row as it was claimed; no error keeps the attempt count', async () => {
    const r = rule({ filter: { assetTypes: [], tags: [], namePrefix: 'batch-' } });
    await store.rules.insertRule(r);
    const ids = [await activeAsset('batch-1'), await activeAsset('batch-2')];
    const rows = (await claim('wb')).filter((e) => e.ruleId === r.ruleId);
    expect(rows.map((e) => e.assetId).sort()).toEqual([...ids].sort());
    const [first, second] = rows as [(typeof rows)[0], (typeof rows)[0]];
    await expect(
      store.transaction(async (tx) => {
        expect(await tx.rules.finish(first, 'wb')).toBe(true);
        await tx.rules.reschedule(second, 'wb', at(31), 'unreachable');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    // Still leased to wb, neither finished nor rescheduled.
    expect((await claim('wc', at(40))).filter((e) => e.ruleId === r.ruleId)).toEqual([]);
    await store.transaction(async (tx) => {
      expect(await tx.rules.finish(first, 'wb')).toBe(true);
      await tx.rules.reschedule(second, 'wb', at(35), null);
    });
    const again = (await claim('wc', at(40))).filter((e) => e.ruleId === r.ruleId);
    expect(again.map((e) => [e.assetId, e.attempts])).toEqual([[second.assetId, 0]]);
    expect(await store.rules.finish(again[0]!, 'wb')).toBe(false);
  });
});
