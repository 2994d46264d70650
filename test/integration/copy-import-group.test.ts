import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SealedInfo } from '../../src/services/replication/seal.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import { testBackend } from '../helpers/backend.js';
import { startTwoRegions, waitForCopy, type TwoRegions } from '../helpers/two-regions.js';

/** Imports started in one turn of region B's event loop share one transaction, a savepoint each. */

let r: TwoRegions;
beforeAll(async () => {
  r = await startTwoRegions();
});
afterAll(async () => {
  await r.close();
});

async function sealed(name: string): Promise<SealedInfo> {
  const id = await r.a.client.createAsset({ asset_name: name, asset_type: 'IMAGE' });
  await r.a.client.addFile(id, 'main.png', randomBytes(500));
  const res = await r.a.client.call('GET', `/digital-assets/${id}/replication-info`);
  expect(res.status).toBe(200);
  return res.body as SealedInfo;
}

it('commits imports started together in one transaction; one refused changes nothing and fails alone', async () => {
  // B's project already holds an asset of the name the second copy brings.
  const taken = `taken-${randomBytes(4).toString('hex')}`;
  expect((await r.clientB.call('POST', '/digital-assets', { body: { asset_name: taken, asset_type: 'IMAGE' } })).status).toBe(200);
  const infos = [await sealed(`first-${randomBytes(4).toString('hex')}`), await sealed(taken), await sealed(`third-${randomBytes(4).toString('hex')}`)];

  const store: MetadataStore = r.b.region.store;
  const transaction = store.transaction.bind(store);
  let transactions = 0;
  store.transaction = (fn) => {
    transactions += 1;
    return transaction(fn);
  };
  const principal = { accountId: r.a.accountId, projectId: r.projectB };
  let results: PromiseSettledResult<{ assetId: string; assetState: string }>[];
  try {
    // In one turn, as B starts several requests per turn.
    results = await Promise.allSettled(infos.map((info, i) => r.b.region.replication.import(principal, info, `req-${i}`)));
  } finally {
    store.transaction = transaction;
  }
  // SQLite answers within the turn, so all three reach the group in it; on PostgreSQL each import
  // first awaits a read of its own (leftovers of an earlier run), so the group may form later.
  if (testBackend() === 'postgres') expect(transactions).toBeLessThanOrEqual(3);
  else expect(transactions).toBe(1);
  expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  const refused = results[1] as PromiseRejectedResult;
  expect(refused.reason).toMatchObject({ kind: 'assetNameExists' });
  // Nothing of the refused import stays; the others copy.
  expect(await store.getAsset(r.projectB, infos[1]!.asset_id)).toBeUndefined();
  expect(await store.copyTasks.getTask(r.projectB, infos[1]!.asset_id)).toBeUndefined();
  for (const info of [infos[0]!, infos[2]!]) expect((await waitForCopy(r.clientB, info.asset_id)).asset_state).toBe('ACTIVED');
});
