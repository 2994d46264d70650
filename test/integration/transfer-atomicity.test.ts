import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../../src/adapters/blob/blob-store-disk.js';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import { fileBlobKey } from '../../src/domain/asset.js';
import type { Project } from '../../src/domain/identity.js';
import { newId } from '../../src/domain/ids.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import { AssetService } from '../../src/services/asset-service.js';
import { QuotaGuard } from '../../src/services/quota-guard.js';
import { ShareRules } from '../../src/services/sharing.js';
import { TransferService } from '../../src/services/transfers/transfer-service.js';
import { openTestDatabase, testBackend } from '../helpers/backend.js';
import { TestClock } from '../helpers/test-region.js';

/**
 * A process that dies in the middle of an accept: the failure is injected inside the accepting
 * transaction, after some of the job's assets were already moved in it. Whatever the moment,
 * every asset and every file row is in exactly one project (still the sender's), the job still
 * waits, and a later accept moves everything. Runs on SQLite and on PostgreSQL.
 */

const region = 'cn-north-4';
const sender = { accountId: newId(), projectId: newId() };
const receiver = { accountId: newId(), projectId: newId() };
const projects = new Map<string, Project>(
  [sender, receiver].map((p) => [p.projectId, { id: p.projectId, accountId: p.accountId, region, createdAt: new Date().toISOString() }]),
);

let removeDatabase: (() => Promise<void>) | undefined;
let store: KyselyMetadataStore;
let assets: AssetService;
const clock = new TestClock();
let blobDir = '';

beforeAll(async () => {
  const { database, remove } = await openTestDatabase();
  removeDatabase = remove;
  store = new KyselyMetadataStore(database.db, database.engine);
  blobDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-atomic-blobs-'));
  const sharing = new ShareRules({ projects: { getProject: (id) => Promise.resolve(projects.get(id)) }, region, clock });
  assets = new AssetService({ store, blobs: new DiskBlobStore({ root: blobDir }), clock, recycleRetentionSeconds: 3600, sharing, quota: new QuotaGuard({ assetsPerProject: 1000, filesPerAsset: 100, pendingUploadBytes: 2 ** 40 }) });
});
afterAll(async () => {
  await removeDatabase?.();
  await rm(blobDir, { recursive: true, force: true });
});

const transfersOn = (over: MetadataStore) =>
  new TransferService({ store: over, assets, projects: { getProject: (id) => Promise.resolve(projects.get(id)) }, region, clock, ttlSeconds: 3600 });

/** The store as a process that dies at its `crashAt`-th asset move of a transaction (the moves before it were made). */
function dyingAt(crashAt: number): MetadataStore {
  const inTx = (tx: MetadataStore): MetadataStore => {
    let moves = 0;
    return Object.assign(Object.create(tx) as MetadataStore, {
      moveAsset: (...args: Parameters<MetadataStore['moveAsset']>) => {
        moves += 1;
        if (moves === crashAt) return Promise.reject(new Error('the process died here'));
        return tx.moveAsset(...args);
      },
    });
  };
  return Object.assign(Object.create(store) as MetadataStore, {
    transaction: <T>(fn: (tx: MetadataStore) => Promise<T>) => store.transaction((tx) => fn(inTx(tx))),
  });
}

/** An ACTIVED asset of the sender with two confirmed files. */
async function activeAsset(): Promise<{ assetId: string; fileIds: string[] }> {
  const { assetId } = await assets.create(sender, { assetName: `a-${newId()}`, assetType: 'IMAGE' });
  expect(await store.updateAsset(sender.projectId, assetId, { assetState: 'ACTIVED', updatedAt: new Date().toISOString() })).toBe(true);
  const fileIds = [newId(), newId()];
  for (const fileId of fileIds) {
    const at = new Date().toISOString();
    await store.insertFile({
      fileId, projectId: sender.projectId, assetId, fileName: 'a.png', fileSize: 3, fileType: 'png', category: 'OTHER', state: 'CREATED',
      declaredMd5: null, md5Hex: null, sha256Hex: null, etag: null, blobKey: fileBlobKey(sender.projectId, fileId, newId()), thumbnailKey: null,
      fileExtraMeta: {}, uploadExpiresAt: null, createdAt: at, updatedAt: at,
    });
  }
  return { assetId, fileIds };
}

/** Where each asset and each of its file rows is: exactly one project, or the test fails. */
async function whereIs(items: { assetId: string; fileIds: string[] }[]): Promise<string[]> {
  const places: string[] = [];
  for (const { assetId, fileIds } of items) {
    const assetIn: string[] = [];
    for (const p of [sender, receiver]) if (await store.getAsset(p.projectId, assetId)) assetIn.push(p.projectId);
    expect(assetIn, `asset ${assetId}`).toHaveLength(1);
    for (const fileId of fileIds) {
      const file = await store.findFile(fileId);
      expect(file?.projectId, `file ${fileId}`).toBe(assetIn[0]);
    }
    places.push(assetIn[0] === sender.projectId ? 'sender' : 'receiver');
  }
  return places;
}

describe(`a process dying inside an accept (${testBackend()})`, () => {
  let items: { assetId: string; fileIds: string[] }[] = [];
  let jobId = '';

  beforeAll(async () => {
    items = [await activeAsset(), await activeAsset(), await activeAsset()];
    jobId = await transfersOn(store).create(sender, { transferType: 'TRANSFER_OUT', assetIds: items.map((i) => i.assetId), destProjectId: receiver.projectId });
  });

  it.each([
    ['before the first asset moved', 1],
    ['after one of three assets moved', 2],
    ['after all but the last moved', 3],
  ])('leaves every asset and file in the sender\'s project, the job waiting: %s', async (_name, crashAt) => {
    await expect(transfersOn(dyingAt(crashAt)).act(receiver, jobId, 'accept')).rejects.toThrow('the process died here');
    expect(await whereIs(items)).toEqual(['sender', 'sender', 'sender']);
    expect((await store.transfers.getJob(jobId))?.state).toBe('PROCESSING');
  });

  it('moves every asset and file at the next accept', async () => {
    await transfersOn(store).act(receiver, jobId, 'accept');
    expect(await whereIs(items)).toEqual(['receiver', 'receiver', 'receiver']);
    expect((await store.transfers.getJob(jobId))?.state).toBe('ACCEPT');
  });
});
