import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DiskBlobStore } from '../../src/adapters/blob/blob-store-disk.js';
import { migrate, openDatabase, type OpenDatabase } from '../../src/adapters/db/database.js';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import { newAsset } from '../../src/domain/asset-fields.js';
import type { CopyTask } from '../../src/domain/copy-task.js';
import { newId } from '../../src/domain/ids.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import type { PeerTransport } from '../../src/ports/peer-transport.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { CommitGroup } from '../../src/services/commit-group.js';
import { CopyWorker } from '../../src/services/replication/copy-worker.js';
import { pollUntil } from '../helpers/poll.js';

let database: OpenDatabase;
let dir: string;

beforeEach(async () => {
  database = openDatabase('sqlite::memory:');
  await migrate(database);
  dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-group-'));
});
afterEach(async () => {
  await database.close();
  await rm(dir, { recursive: true, force: true });
});

const bytes = Buffer.from('the same small file in every copy');
const sha256 = createHash('sha256').update(bytes).digest('hex');
const md5 = createHash('md5').update(bytes).digest('hex');

/** A copy in progress as an import leaves it: the asset and its file CREATING, the task due. */
async function importedCopy(store: MetadataStore): Promise<{ task: CopyTask; fileId: string }> {
  const at = new Date().toISOString();
  const projectId = newId();
  const assetId = newId();
  const fileId = newId();
  const task: CopyTask = {
    projectId, assetId, sourceRegion: 'cn-north-4', sourceProjectId: newId(), sourceAssetId: assetId, tokenId: newId(),
    files: [{ id: fileId, category: 'MAIN', name: 'a.png', type: 'png', size: bytes.length, md5, sha256, cap: 'c' }],
    state: 'CREATING', epoch: 0, leaseOwner: null, leaseExpiresAt: null, nextRunAt: at, attempts: 0, lastError: null, failureCode: null,
    filesDone: 0, bytesDone: 0, bytesTotal: bytes.length, deadline: '2999-01-01T00:00:00.000Z', requestId: null, startedAt: at, finishedAt: null,
  };
  await store.transaction(async (tx) => {
    await tx.insertAsset({ ...newAsset({ projectId, assetId, appUserId: null, at }, { assetName: 'copied', assetType: 'IMAGE' }), assetState: 'CREATING' });
    await tx.insertFile({
      fileId, projectId, assetId, fileName: 'a.png', fileSize: bytes.length, fileType: 'png', category: 'MAIN', state: 'CREATING',
      declaredMd5: null, md5Hex: md5, sha256Hex: sha256, chunkSha256: null, etag: `"${sha256}"`, blobKey: `files/${projectId}/${fileId}/c`,
      thumbnailKey: null, fileExtraMeta: {}, uploadExpiresAt: null, createdAt: at, updatedAt: at,
    });
    await tx.copyTasks.insertTask(task);
  });
  return { task, fileId };
}

/** A source that answers every fetch only once `count` fetches wait, so the runs finish together. */
function togetherSource(count: number): PeerTransport {
  const waiting: (() => void)[] = [];
  return {
    fetchRange: () =>
      new Promise<Readable>((resolve) => {
        waiting.push(() => resolve(Readable.from([bytes])));
        if (waiting.length === count) for (const go of waiting.splice(0)) go();
      }),
  };
}

/**
 * The region's store, counting transactions and letting a test act at the start of each
 * (`beforeTransaction`) and change what each savepoint's work sees (`inSavepoint`).
 */
function observedStore(real: KyselyMetadataStore, hooks: { beforeTransaction?: () => Promise<void>; inSavepoint?: (tx: MetadataStore) => MetadataStore }) {
  const counts = { transactions: 0 };
  const store: MetadataStore = Object.assign(Object.create(real) as MetadataStore, {
    transaction: async <T>(fn: (tx: MetadataStore) => Promise<T>): Promise<T> => {
      counts.transactions += 1;
      await hooks.beforeTransaction?.();
      return real.transaction((tx) =>
        fn(Object.assign(Object.create(tx) as MetadataStore, {
          savepoint: <U>(work: (inner: MetadataStore) => Promise<U>): Promise<U> => tx.savepoint((inner) => work(hooks.inSavepoint ? hooks.inSavepoint(inner) : inner)),
        })),
      );
    },
  });
  return { store, counts };
}

const worker = (store: MetadataStore, transport: PeerTransport, parallelTasks: number) =>
  new CopyWorker({
    store, blobs: new DiskBlobStore({ root: path.join(dir, 'blobs') }), clock: systemClock, logger: pino({ level: 'silent' }),
    region: 'ap-southeast-3', peers: { 'cn-north-4': 'http://127.0.0.1:9' }, transport, parallelTasks,
    peerBandwidthBytesPerSecond: 0, pollMs: 600_000,
    // Far longer than any test: the group commits because every running copy waits in it.
    activationGroupMs: 60_000,
  });

async function states(real: KyselyMetadataStore, copy: { task: CopyTask; fileId: string }) {
  const task = await real.copyTasks.getTask(copy.task.projectId, copy.task.assetId);
  const asset = await real.getAsset(copy.task.projectId, copy.task.assetId);
  const file = await real.getFile(copy.task.projectId, copy.fileId);
  return { task: task?.state, asset: asset?.assetState, file: file?.state, caps: task?.files.map((f) => f.cap) };
}

const activated = { task: 'ACTIVED', asset: 'ACTIVED', file: 'CREATED', caps: [''] };

it('activates copies finishing together in one transaction; one failing write undoes only its own copy', async () => {
  const real = new KyselyMetadataStore(database.db, database.engine);
  const copies = [await importedCopy(real), await importedCopy(real), await importedCopy(real)];
  const failing = copies[1]!;
  // The failing copy's file update fails after its task was finished in the same savepoint.
  const { store, counts } = observedStore(real, {
    inSavepoint: (tx) =>
      Object.assign(Object.create(tx) as MetadataStore, {
        updateFile: (fileId: string, ...rest: unknown[]) =>
          fileId === failing.fileId ? Promise.reject(new Error('disk I/O error')) : (tx.updateFile as (...a: unknown[]) => Promise<boolean>).call(tx, fileId, ...rest),
      }),
  });
  const w = worker(store, togetherSource(3), 3);
  w.start();
  try {
    // Two activated, and the failed one scheduled again.
    await pollUntil(
      async () => ({ all: await Promise.all(copies.map((c) => states(real, c))), failed: await real.copyTasks.getTask(failing.task.projectId, failing.task.assetId) }),
      (v) => v.all.filter((s) => s.task === 'ACTIVED').length === 2 && v.failed?.attempts === 1,
      10_000, 10,
    );
    await w.idle();
  } finally {
    await w.stop();
  }
  expect(counts.transactions).toBe(1);
  expect(await states(real, copies[0]!)).toEqual(activated);
  expect(await states(real, copies[2]!)).toEqual(activated);
  // Nothing of the failed activation stays: the task runs again later, its capability kept.
  expect(await states(real, failing)).toEqual({ task: 'CREATING', asset: 'CREATING', file: 'CREATING', caps: ['c'] });
  const retried = await real.copyTasks.getTask(failing.task.projectId, failing.task.assetId);
  expect(retried?.lastError).toBe('disk I/O error');
  expect(retried?.leaseOwner).toBeNull();
});

it('a copy whose lease was taken over while its group waited is left to the new owner; the others activate', async () => {
  const real = new KyselyMetadataStore(database.db, database.engine);
  const copies = [await importedCopy(real), await importedCopy(real), await importedCopy(real)];
  const lost = copies[0]!;
  const { store, counts } = observedStore(real, {
    // Another worker claims the copy (a new epoch) just before the group's transaction.
    beforeTransaction: async () => {
      await sql`UPDATE copy_tasks SET epoch = epoch + 1, lease_owner = 'another worker' WHERE asset_id = ${lost.task.assetId}`.execute(database.db);
    },
  });
  const w = worker(store, togetherSource(3), 3);
  w.start();
  try {
    await pollUntil(() => Promise.all(copies.map((c) => states(real, c))), (all) => all.filter((s) => s.task === 'ACTIVED').length === 2, 10_000, 10);
    await w.idle();
  } finally {
    await w.stop();
  }
  expect(counts.transactions).toBe(1);
  expect(await states(real, copies[1]!)).toEqual(activated);
  expect(await states(real, copies[2]!)).toEqual(activated);
  expect(await states(real, lost)).toEqual({ task: 'CREATING', asset: 'CREATING', file: 'CREATING', caps: ['c'] });
  const taken = await real.copyTasks.getTask(lost.task.projectId, lost.task.assetId);
  expect(taken?.leaseOwner).toBe('another worker');
  expect(taken?.epoch).toBe(2);
});

it('answers no piece of a group before it commits, and fails every piece when the commit fails', async () => {
  const real = new KyselyMetadataStore(database.db, database.engine);
  const failingCommit: MetadataStore = Object.assign(Object.create(real) as MetadataStore, {
    transaction: async <T>(fn: (tx: MetadataStore) => Promise<T>): Promise<T> => {
      await real.transaction(fn).catch(() => undefined);
      throw new Error('commit failed');
    },
  });
  const group = new CommitGroup({ store: failingCommit, windowMs: 60_000 });
  const a = group.run('a', () => Promise.resolve('a'));
  const b = group.run('b', () => Promise.reject(new Error('b failed')));
  group.flush();
  await expect(a).rejects.toThrow('commit failed');
  await expect(b).rejects.toThrow('commit failed');

  // Pieces run in key order and each is answered with its own outcome.
  const order: string[] = [];
  const ok = new CommitGroup({ store: real, windowMs: 60_000, maxSize: 3 });
  const results = await Promise.allSettled([
    ok.run('c', async () => void order.push('c')),
    ok.run('a', async () => void order.push('a')),
    ok.run('b', () => Promise.reject(new Error('b failed'))),
  ]);
  expect(order).toEqual(['a', 'c']);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
});
