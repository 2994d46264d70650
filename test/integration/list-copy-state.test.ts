import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CopyTask } from '../../src/domain/copy-task.js';
import { isoTime } from '../../src/domain/time.js';
import { insertCopy } from '../helpers/copy-fixture.js';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

/** ListAssets `copy_state`: incoming copies by the state of their copy (SQLite, or PostgreSQL with ASSETBRIDGE_TEST_BACKEND=postgres). */
let t: TestRegion;
let creating: CopyTask;
let failed: CopyTask;
let activated: CopyTask;
let plain: string;
// Never due: no worker picks these copies up while the test reads them.
const later = '2999-01-01T00:00:00.000Z';

async function finish(task: CopyTask, state: 'ACTIVED' | 'FAILED'): Promise<void> {
  const store = t.region.store;
  const at = isoTime(new Date());
  await store.transaction(async (tx) => {
    if (state === 'FAILED') {
      await tx.copyTasks.finish(task, { state, at, failureCode: 'source_not_found', lastError: 'gone at the source' });
      await tx.updateAsset(task.projectId, task.assetId, { assetState: 'FAILED', failType: 'source_not_found', reason: 'gone at the source', updatedAt: at }, ['CREATING']);
    } else {
      await tx.copyTasks.finish(task, { state, at });
      await tx.updateAsset(task.projectId, task.assetId, { assetState: 'ACTIVED', updatedAt: at }, ['CREATING']);
    }
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
const idsOf = (body: any): string[] => (body.assets as { asset_id: string }[]).map((a) => a.asset_id).sort();

beforeAll(async () => {
  t = await startTestRegion();
  const store = t.region.store;
  creating = await insertCopy(store, { projectId: t.projectId, nextRunAt: later });
  failed = await insertCopy(store, { projectId: t.projectId, nextRunAt: later });
  activated = await insertCopy(store, { projectId: t.projectId, nextRunAt: later });
  await finish(failed, 'FAILED');
  await finish(activated, 'ACTIVED');
  plain = await t.client.createAsset({ asset_name: 'not-a-copy' });
});
afterAll(async () => t?.close());

describe('ListAssets copy_state', () => {
  it('lists only incoming copies in the states named, with their progress and reasons', async () => {
    const all = await t.client.call('GET', '/digital-assets?limit=100');
    expect(idsOf(all.body)).toEqual([creating.assetId, failed.assetId, activated.assetId, plain].sort());

    const one = await t.client.call('GET', '/digital-assets?copy_state=CREATING');
    expect(one.status).toBe(200);
    expect(one.body.count).toBe(1);
    expect(one.body.assets[0]).toMatchObject({ asset_id: creating.assetId, asset_state: 'CREATING', replication: { state: 'CREATING', files_total: 1, bytes_total: 1 } });

    const bad = await t.client.call('GET', '/digital-assets?copy_state=FAILED');
    expect(bad.body.count).toBe(1);
    expect(bad.body.assets[0]).toMatchObject({
      asset_id: failed.assetId,
      asset_state: 'FAILED',
      reason: 'gone at the source',
      replication: { state: 'FAILED', failure_code: 'source_not_found', last_error: 'gone at the source' },
    });

    const both = await t.client.call('GET', '/digital-assets?copy_state=CREATING,FAILED&limit=100');
    expect(idsOf(both.body)).toEqual([creating.assetId, failed.assetId].sort());
    const done = await t.client.call('GET', '/digital-assets?copy_state=ACTIVED');
    expect(idsOf(done.body)).toEqual([activated.assetId]);
  });

  it('is paged by the server: count is the whole match, each page a slice of it', async () => {
    const pages = [];
    for (const offset of [0, 1, 2]) {
      const res = await t.client.call('GET', `/digital-assets?copy_state=CREATING,FAILED&limit=1&offset=${offset}&sort_dir=desc`);
      expect(res.status).toBe(200);
      expect(res.body.count).toBe(2);
      pages.push(...idsOf(res.body));
    }
    expect(pages.sort()).toEqual([creating.assetId, failed.assetId].sort());
  });

  it('combines with the other filters and sees only the caller project', async () => {
    const typed = await t.client.call('GET', '/digital-assets?copy_state=CREATING,FAILED&asset_state=FAILED');
    expect(idsOf(typed.body)).toEqual([failed.assetId]);
    const other = await t.addAccount();
    const res = await other.client.call('GET', '/digital-assets?copy_state=CREATING,FAILED');
    expect(res.body).toEqual({ count: 0, assets: [] });
  });

  it('refuses an unknown state with 400, naming the parameter and the value', async () => {
    const res = await t.client.call('GET', '/digital-assets?copy_state=CREATING,COPYING');
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('MSS.00000003');
    expect(res.body.error_msg).toContain('copy_state: unknown value "COPYING"');
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${t.endpoint}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId?: string; parameters?: { name: string; in: string; description?: string }[] }>>;
    };
    const list = doc.paths['/v1/{project_id}/digital-assets']?.get;
    expect(list?.operationId).toBe('ListAssets');
    const param = list?.parameters?.find((p) => p.name === 'copy_state');
    expect(param).toMatchObject({ in: 'query' });
    expect(param?.description).toContain('CREATING, ACTIVED, FAILED, CANCELLED');
  });
});
