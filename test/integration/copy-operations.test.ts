import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../src/adapters/db/database.js';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import { AppError } from '../../src/domain/errors.js';
import { newId } from '../../src/domain/ids.js';
import { isoTime } from '../../src/domain/time.js';
import { CopyOperations } from '../../src/services/replication/copy-operations.js';
import { openTestDatabase } from '../helpers/backend.js';
import { insertCopy } from '../helpers/copy-fixture.js';
import { TestClock } from '../helpers/test-region.js';

/** The operator's copy commands on a region's metadata (SQLite, or PostgreSQL with ASSETBRIDGE_TEST_BACKEND=postgres). */
let database: OpenDatabase;
let remove: () => Promise<void>;
let store: KyselyMetadataStore;
let clock: TestClock;
let ops: CopyOperations;
beforeEach(async () => {
  ({ database, remove } = await openTestDatabase());
  store = new KyselyMetadataStore(database.db, database.engine);
  clock = new TestClock();
  ops = new CopyOperations({ store, clock, region: 'ap-southeast-3' });
});
afterEach(async () => remove());

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return `${err.code} ${err.message}`;
};

/** Fails a copy as a worker does, leftovers removed (or not yet). */
async function failCopy(projectId: string, assetId: string, swept = true): Promise<void> {
  const task = (await store.copyTasks.getTask(projectId, assetId))!;
  const at = isoTime(clock.now());
  await store.transaction(async (tx) => {
    await tx.copyTasks.finish(task, { state: 'FAILED', at, failureCode: 'source_not_found', lastError: 'gone at the source' });
    await tx.updateAsset(projectId, assetId, { assetState: 'FAILED', failType: 'source_not_found', reason: 'gone at the source', updatedAt: at }, ['CREATING']);
    for (const f of task.files) await tx.updateFile(f.id, { state: 'FAILED', updatedAt: at }, ['CREATING']);
  });
  if (swept) await store.copyTasks.markSwept(task, at);
}

describe('operator copy commands', () => {
  it('lists copies of every project, or of one, newest first, by state', async () => {
    const p1 = newId();
    const a = await insertCopy(store, { projectId: p1 });
    const b = await insertCopy(store);
    await failCopy(b.projectId, b.assetId);
    expect((await ops.list()).map((t) => t.assetId).sort()).toEqual([a.assetId, b.assetId].sort());
    expect((await ops.list({ projectId: p1 })).map((t) => t.assetId)).toEqual([a.assetId]);
    expect(await ops.list({ states: ['FAILED'] })).toEqual([expect.objectContaining({ assetId: b.assetId, failureCode: 'source_not_found', lastError: 'gone at the source' })]);
    expect(await ops.list({ projectId: newId() })).toEqual([]);
  });

  it('retries a failed copy within its window: task, asset and files back to CREATING, due now, claims and attempts reset', async () => {
    const t = await insertCopy(store);
    await store.copyTasks.claimDue({ owner: 'w', now: isoTime(new Date(Date.now() + 1000)), leaseUntil: isoTime(new Date(Date.now() + 2000)), limit: 10 });
    await failCopy(t.projectId, t.assetId);
    const retried = await ops.retry(t.assetId);
    expect(retried).toMatchObject({ state: 'CREATING', attempts: 0, claims: 0, failureCode: null, lastError: null, leaseOwner: null, epoch: 2, sweptAt: null });
    expect(await store.getAsset(t.projectId, t.assetId)).toMatchObject({ assetState: 'CREATING', reason: null, failType: null });
    expect((await store.listFiles(t.projectId, [t.assetId])).map((f) => f.state)).toEqual(['CREATING']);
    // Due for the next claim.
    expect((await store.copyTasks.claimDue({ owner: 'w2', now: isoTime(new Date(Date.now() + 1000)), leaseUntil: isoTime(new Date(Date.now() + 60_000)), limit: 10 })).map((c) => c.assetId)).toEqual([t.assetId]);
  });

  it('refuses a retry after the copy window, saying to post the replication info again, and changes nothing', async () => {
    const t = await insertCopy(store, { deadline: isoTime(new Date(Date.now() + 60_000)) });
    await failCopy(t.projectId, t.assetId);
    const before = await store.copyTasks.getTask(t.projectId, t.assetId);
    clock.offsetMs = 120_000;
    expect(await codeOf(ops.retry(t.assetId))).toMatch(/^MSS\.10003018 .*post the replication info again \(assetbridge copy \w+ --from cn-north-4 --to ap-southeast-3\)/);
    expect(await store.copyTasks.getTask(t.projectId, t.assetId)).toEqual(before);
    expect((await store.getAsset(t.projectId, t.assetId))?.assetState).toBe('FAILED');
  });

  it('refuses a retry of a running copy, of an unswept one, an unknown id, and an id held by two projects without --project', async () => {
    const running = await insertCopy(store);
    expect(await codeOf(ops.retry(running.assetId))).toMatch(/^MSS\.10003017 .*CREATING/);
    const unswept = await insertCopy(store);
    await failCopy(unswept.projectId, unswept.assetId, false);
    expect(await codeOf(ops.retry(unswept.assetId))).toMatch(/^MSS\.10003017 .*not removed yet/);
    expect(await codeOf(ops.retry(newId()))).toMatch(/^MSS\.10003016 /);
    // The same asset copied into two projects of the region.
    const twin = await insertCopy(store);
    await store.transaction(async (tx) => tx.copyTasks.insertTask({ ...twin, projectId: newId() }));
    expect(await codeOf(ops.cancel(twin.assetId))).toMatch(/^MSS\.00000003 .*several projects.*--project/);
    expect((await ops.cancel(twin.assetId, twin.projectId)).state).toBe('CANCELLED');
  });

  it('cancels a running copy: the asset turns FAILED "cancelled by operator", its worker loses the task; an ended copy is refused', async () => {
    const t = await insertCopy(store);
    const [claimed] = await store.copyTasks.claimDue({ owner: 'w', now: isoTime(new Date(Date.now() + 1000)), leaseUntil: isoTime(new Date(Date.now() + 60_000)), limit: 10 });
    const cancelled = await ops.cancel(t.assetId, t.projectId);
    expect(cancelled).toMatchObject({ state: 'CANCELLED', leaseOwner: null });
    expect(await store.getAsset(t.projectId, t.assetId)).toMatchObject({ assetState: 'FAILED', reason: 'cancelled by operator' });
    expect((await store.listFiles(t.projectId, [t.assetId])).map((f) => f.state)).toEqual(['FAILED']);
    // The worker that held it can neither renew nor write.
    expect(await store.copyTasks.renewLease(claimed!, isoTime(new Date(Date.now() + 90_000)))).toBe(false);
    expect(await codeOf(ops.cancel(t.assetId))).toMatch(/^MSS\.10003019 .*CANCELLED/);
    // Its download capabilities went with the cancel: a retry refuses and says to post the info again.
    await store.copyTasks.markSwept(cancelled, isoTime(clock.now()));
    expect(await codeOf(ops.retry(t.assetId))).toMatch(/^MSS\.10003017 .*download capabilities.*post the replication info again/);
  });
});
