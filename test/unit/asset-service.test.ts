import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../../src/adapters/blob/blob-store-disk.js';
import { migrate, openDatabase, type OpenDatabase } from '../../src/adapters/db/database.js';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import { fileBlobKey, type Asset, type AssetFile, type AssetState, type FileState } from '../../src/domain/asset.js';
import { AppError } from '../../src/domain/errors.js';
import { newId } from '../../src/domain/ids.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import { AssetService } from '../../src/services/asset-service.js';
import { executeBatchAction } from '../../src/services/batch-action.js';
import { FileService } from '../../src/services/file-service.js';
import { QuotaGuard } from '../../src/services/quota-guard.js';
import { ShareRules } from '../../src/services/sharing.js';
import { UrlSigner } from '../../src/services/signed-url.js';
import { TestClock } from '../helpers/test-region.js';

const retentionSeconds = 3600;

let database: OpenDatabase;
let store: KyselyMetadataStore;
let blobs: DiskBlobStore;
let blobRoot: string;
let clock: TestClock;
let assets: AssetService;
let sharing: ShareRules;
const projectId = newId();
const principal = { accountId: newId(), projectId };
const quota = new QuotaGuard({ assetsPerProject: 1000, filesPerAsset: 100, pendingUploadBytes: 2 ** 40 });

beforeEach(async () => {
  database = openDatabase('sqlite::memory:');
  await migrate(database);
  store = new KyselyMetadataStore(database.db, database.engine);
  blobRoot = await mkdtemp(path.join(tmpdir(), 'assetbridge-unit-'));
  blobs = new DiskBlobStore({ root: blobRoot });
  clock = new TestClock();
  sharing = new ShareRules({ projects: { getProject: () => Promise.resolve(undefined) }, region: 'cn-north-4', clock });
  assets = new AssetService({ store, blobs, clock, recycleRetentionSeconds: retentionSeconds, sharing, quota });
});
afterEach(async () => {
  await database.close();
  await rm(blobRoot, { recursive: true, force: true });
});

const create = async (name = `asset-${newId()}`, who: { accountId: string; projectId: string; appUserId?: string } = principal) =>
  (await assets.create(who, { assetName: name, assetType: 'IMAGE' })).assetId;

const stateOf = async (assetId: string): Promise<AssetState | undefined> => (await store.getAsset(projectId, assetId))?.assetState;

/** Puts an asset in a state the service reaches through other paths (a confirmed main file, an operator's block). */
const force = async (assetId: string, assetState: AssetState) => {
  expect(await store.updateAsset(projectId, assetId, { assetState, updatedAt: new Date().toISOString() })).toBe(true);
};

/** A file row of the asset with stored bytes. */
async function addFile(assetId: string, state: FileState = 'CREATED'): Promise<AssetFile> {
  const fileId = newId();
  const at = new Date().toISOString();
  const file: AssetFile = {
    fileId, projectId, assetId, fileName: 'a.png', fileSize: 3, fileType: 'png', category: 'OTHER', state, declaredMd5: null,
    md5Hex: null, sha256Hex: null, etag: null, blobKey: fileBlobKey(projectId, fileId, newId()), thumbnailKey: null, fileExtraMeta: {}, uploadExpiresAt: null, createdAt: at, updatedAt: at,
  };
  await store.insertFile(file);
  await blobs.put(file.blobKey, Readable.from([Buffer.from('abc')]));
  return file;
}

/** The error a promise rejects with, as kind and message. */
async function failure(p: Promise<unknown>): Promise<{ kind: string; message: string }> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return { kind: err.kind, message: err.message };
}

describe('AssetService', () => {
  it('creates a CREATING asset of the caller (and its app user) with the given fields', async () => {
    const id = (await assets.create({ ...principal, appUserId: 'u1' }, { assetName: 'n', assetType: 'VIDEO', tags: ['t'] })).assetId;
    expect(await store.getAsset(projectId, id)).toMatchObject({ assetState: 'CREATING', appUserId: 'u1', assetName: 'n', assetType: 'VIDEO', tags: ['t'] });
    // Another app user of the project does not see it; the project as a whole does.
    expect(await failure(assets.get({ ...principal, appUserId: 'u2' }, id))).toMatchObject({ kind: 'assetNotFound' });
    expect((await assets.get(principal, id)).assetId).toBe(id);
  });

  it('changes metadata in live states; toggles activation only once the main file is confirmed', async () => {
    const id = await create();
    await assets.update(principal, id, { changes: { assetDescription: 'd', systemProperties: [{ key: 'K', value: 'v' }] } });
    expect(await store.getAsset(projectId, id)).toMatchObject({ assetDescription: 'd', systemProperties: [{ key: 'K', value: 'v' }], assetState: 'CREATING' });

    const early = await failure(assets.update(principal, id, { assetState: 'ACTIVED' }));
    expect(early).toMatchObject({ kind: 'assetStateConflict' });
    expect(early.message).toContain('main file must be confirmed');
    expect(await stateOf(id)).toBe('CREATING');

    await force(id, 'ACTIVED');
    await assets.update(principal, id, { assetState: 'UNACTIVED' });
    expect(await stateOf(id)).toBe('UNACTIVED');
    const shown = await assets.update(principal, id, { assetState: 'ACTIVED', changes: { tags: ['x'] } });
    expect(shown.asset).toMatchObject({ assetState: 'ACTIVED', tags: ['x'] });
  });

  it('refuses changes to blocked assets but lets them go to the recycle bin and back', async () => {
    const id = await create();
    await force(id, 'BLOCK');
    expect(await failure(assets.update(principal, id, { changes: { assetName: 'other' } }))).toMatchObject({ kind: 'assetStateConflict' });
    await assets.delete(principal, id, false);
    expect(await store.getAsset(projectId, id)).toMatchObject({ assetState: 'DELETING', stateBeforeDelete: 'BLOCK' });
    await assets.restore(principal, id);
    expect(await stateOf(id)).toBe('BLOCK');
  });

  it('deletes to the recycle bin, idempotently, and restores the state it had', async () => {
    const id = await create();
    await force(id, 'UNACTIVED');
    const file = await addFile(id);
    await assets.delete(principal, id, false);
    await assets.delete(principal, id, false);
    expect(await store.getAsset(projectId, id)).toMatchObject({ assetState: 'DELETING', stateBeforeDelete: 'UNACTIVED' });
    // Files and bytes stay while the asset can be restored.
    expect(await blobs.head(file.blobKey)).toBeDefined();
    expect(await failure(assets.update(principal, id, { changes: { tags: ['x'] } }))).toMatchObject({ kind: 'assetStateConflict' });

    await assets.restore(principal, id);
    expect(await store.getAsset(projectId, id)).toMatchObject({ assetState: 'UNACTIVED', stateBeforeDelete: null, deletedAt: null });
    const again = await failure(assets.restore(principal, id));
    expect(again).toMatchObject({ kind: 'assetStateConflict' });
    expect(again.message).toContain('UNACTIVED');
  });

  it('deletes for good from any state: files DELETED, bytes removed, the asset gone', async () => {
    const id = await create();
    const file = await addFile(id);
    await assets.delete(principal, id, false);
    await assets.delete(principal, id, true);
    expect(await stateOf(id)).toBe('DELETED');
    expect((await store.getFile(projectId, file.fileId))?.state).toBe('DELETED');
    expect(await blobs.head(file.blobKey)).toBeUndefined();
    expect(await failure(assets.get(principal, id))).toMatchObject({ kind: 'assetNotFound' });
    expect(await failure(assets.delete(principal, id, true))).toMatchObject({ kind: 'assetNotFound' });
  });

  it('purges the recycle bin after the retention, not before, and never an asset restored meanwhile', async () => {
    const kept = await create();
    const purged = await create();
    const file = await addFile(purged);
    await assets.delete(principal, kept, false);
    await assets.delete(principal, purged, false);
    expect(await assets.purgeExpired()).toBe(0);
    await assets.restore(principal, kept);

    clock.offsetMs = (retentionSeconds + 1) * 1000;
    expect(await assets.purgeExpired()).toBe(1);
    expect(await stateOf(purged)).toBe('DELETED');
    expect(await blobs.head(file.blobKey)).toBeUndefined();
    expect(await stateOf(kept)).toBe('CREATING');
  });

  it('brings back a copy cancelled by its delete as FAILED, its unfinished files FAILED', async () => {
    const id = await create();
    const done = await addFile(id, 'CREATED');
    const pending = await addFile(id, 'CREATING');
    const at = new Date().toISOString();
    await store.copyTasks.insertTask({
      projectId, assetId: id, sourceRegion: 'cn-north-4', sourceProjectId: newId(), sourceAssetId: id, tokenId: newId(), files: [],
      state: 'CREATING', epoch: 0, leaseOwner: null, leaseExpiresAt: null, nextRunAt: at, attempts: 0, lastError: null, failureCode: null,
      filesDone: 0, bytesDone: 0, bytesTotal: 0, deadline: at, requestId: null, startedAt: at, finishedAt: null,
    });
    await assets.delete(principal, id, false);
    expect((await store.copyTasks.getTask(projectId, id))?.state).toBe('CANCELLED');
    await assets.restore(principal, id);
    expect(await store.getAsset(projectId, id)).toMatchObject({ assetState: 'FAILED', reason: expect.stringContaining('cancelled') });
    expect((await store.getFile(projectId, pending.fileId))?.state).toBe('FAILED');
    expect((await store.getFile(projectId, done.fileId))?.state).toBe('CREATED');
  });
});

/** `target` with some of its methods replaced (a store that fails or races in a chosen way). */
function override<T extends object>(target: T, methods: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(methods, prop)) return methods[prop as keyof T];
      const value: unknown = Reflect.get(t, prop);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** The store, and every transaction of it, with the methods `replace` gives for each. */
function storeWith(replace: (inner: MetadataStore) => Partial<Record<keyof MetadataStore, unknown>>): MetadataStore {
  const wrap = (inner: MetadataStore): MetadataStore =>
    override(inner, { transaction: <T>(fn: (tx: MetadataStore) => Promise<T>) => inner.transaction((tx) => fn(wrap(tx))), ...replace(inner) });
  return wrap(store);
}

/**
 * The store as another writer races it: right after the service reads the asset, `meddle`
 * changes it, once, so the service holds a stale state. The change is made in the service's
 * transaction (SQLite has one writer), so it rolls back with the refused write: tests check the
 * answer and that the service's own change was not made.
 */
function racing(meddle: (tx: MetadataStore, asset: Asset) => Promise<void>): MetadataStore {
  let done = false;
  return storeWith((inner) => ({
    getAsset: async (p: string, a: string) => {
      const asset = await inner.getAsset(p, a);
      if (asset && !done) {
        done = true;
        await meddle(inner, asset);
      }
      return asset;
    },
  }));
}

describe('a write that loses a race', () => {
  it('answers 409 with the state it found, and writes nothing', async () => {
    const id = await create('racer');
    await force(id, 'ACTIVED');
    const raced = new AssetService({
      store: racing((tx, a) => tx.updateAsset(a.projectId, a.assetId, { assetState: 'UNACTIVED', updatedAt: new Date().toISOString() }).then(() => undefined)),
      blobs, clock, recycleRetentionSeconds: retentionSeconds, sharing, quota,
    });
    const lost = await failure(raced.update(principal, id, { changes: { assetName: 'renamed' } }));
    expect(lost.kind).toBe('assetStateConflict');
    expect(lost.message).toContain(`asset ${id} is UNACTIVED`);
    expect((await store.getAsset(projectId, id))?.assetName).toBe('racer');
  });

  it('answers 404 when the asset was deleted for good meanwhile', async () => {
    const id = await create();
    const raced = new AssetService({
      store: racing((tx, a) => tx.updateAsset(a.projectId, a.assetId, { assetState: 'DELETED', updatedAt: new Date().toISOString() }).then(() => undefined)),
      blobs, clock, recycleRetentionSeconds: retentionSeconds, sharing, quota,
    });
    expect(await failure(raced.delete(principal, id, false))).toMatchObject({ kind: 'assetNotFound' });
    expect(await stateOf(id)).not.toBe('DELETING');
  });
});

describe('batch actions', () => {
  it('run on each asset once: successes together, failures grouped by error', async () => {
    const [a, b, creating] = [await create(), await create(), await create()];
    await force(a, 'ACTIVED');
    await force(b, 'ACTIVED');
    const missing = newId();
    const results = await executeBatchAction(assets, principal, 'UNACTIVE', [a, missing, b, creating, a]);
    expect(results).toEqual([
      { retStatus: 'SUCCESS', assetIds: [a, b] },
      { retStatus: 'FAILED', assetIds: [missing], error: { code: 'MSS.10001001', message: expect.stringContaining(missing) } },
      { retStatus: 'FAILED', assetIds: [creating], error: { code: 'MSS.10002001', message: expect.stringContaining('CREATING') } },
    ]);
    expect([await stateOf(a), await stateOf(b), await stateOf(creating)]).toEqual(['UNACTIVED', 'UNACTIVED', 'CREATING']);
  });

  it('delete, restore and delete for good each asset, with the single-asset rules', async () => {
    const [a, b] = [await create(), await create()];
    await force(b, 'ACTIVED');
    expect(await executeBatchAction(assets, principal, 'DELETE', [a, b])).toEqual([{ retStatus: 'SUCCESS', assetIds: [a, b] }]);
    expect(await executeBatchAction(assets, principal, 'RESTORE', [b])).toEqual([{ retStatus: 'SUCCESS', assetIds: [b] }]);
    expect([await stateOf(a), await stateOf(b)]).toEqual(['DELETING', 'ACTIVED']);
    const restoreTwice = await executeBatchAction(assets, principal, 'RESTORE', [b]);
    expect(restoreTwice).toEqual([{ retStatus: 'FAILED', assetIds: [b], error: { code: 'MSS.10002001', message: expect.any(String) } }]);
    expect(await executeBatchAction(assets, principal, 'DELETE_FORCE', [a, b])).toEqual([{ retStatus: 'SUCCESS', assetIds: [a, b] }]);
    expect([await stateOf(a), await stateOf(b)]).toEqual(['DELETED', 'DELETED']);
  });

  it('refuses a SHARE without params as a whole, and lets an outage fail the request instead of one asset', async () => {
    const id = await create();
    expect(await failure(executeBatchAction(assets, principal, 'SHARE', [id]))).toMatchObject({ kind: 'invalidParameter' });
    await database.close();
    await expect(executeBatchAction(assets, principal, 'DELETE', [id])).rejects.not.toBeInstanceOf(AppError);
    database = openDatabase('sqlite::memory:');
  });
});

describe('FileService', () => {
  const files = (over: MetadataStore = store) =>
    new FileService({
      store: over, blobs, clock, quota, assets: new AssetService({ store: over, blobs, clock, recycleRetentionSeconds: retentionSeconds, sharing, quota }),
      urls: new UrlSigner('s'.repeat(32)), publicEndpoint: 'http://127.0.0.1:1',
      uploadUrlTtlSeconds: 60, downloadUrlTtlSeconds: 60, maxFileSizeBytes: 1000, maxLargeFileSizeBytes: 1000,
    });

  it('answers 404 for a file whose asset the caller cannot see', async () => {
    const id = await create('mine', { ...principal, appUserId: 'u1' });
    const file = await addFile(id);
    expect(await failure(files().delete({ ...principal, appUserId: 'u2' }, file.fileId))).toMatchObject({ kind: 'fileNotFound' });
    expect((await store.getFile(projectId, file.fileId))?.state).toBe('CREATED');
  });

  it('lets a database failure through instead of calling it a missing file', async () => {
    const id = await create();
    const file = await addFile(id);
    const outage = storeWith(() => ({ getAsset: () => Promise.reject(new Error('connection refused')) }));
    await expect(files(outage).delete(principal, file.fileId)).rejects.toThrow('connection refused');
    await expect(files(outage).confirm(principal, file.fileId, 'FAILED')).rejects.toThrow('connection refused');
  });

  it('answers 409 with the state found when a confirm loses to another change of the file', async () => {
    const id = await create();
    const file = await addFile(id, 'UPLOADED');
    // This confirm reads UPLOADED; a cancel lands before its write.
    let raceDone = false;
    const raced = storeWith((inner) => ({
      getFile: async (p: string, f: string) => {
        const read = await inner.getFile(p, f);
        if (!raceDone) {
          raceDone = true;
          await inner.updateFile(f, { state: 'CANCELLED', updatedAt: new Date().toISOString() });
        }
        return read;
      },
    }));
    const lost = await failure(files(raced).confirm(principal, file.fileId, 'CREATED'));
    expect(lost.kind).toBe('fileStateConflict');
    expect(lost.message).toContain('CANCELLED');
  });
});
