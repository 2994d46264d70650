// No write transaction waits on anything but its own queries: blob store I/O, peer calls,
// media parsing, identity lookups and timers happen before the transaction or after its commit
// (on SQLite the one connection, and every other request with it, would wait for them). The
// region's adapters are replaced by guarded ones that record any call made from inside a
// transaction's callback; every write operation runs, and none may be recorded.
import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cutParts, putBytes, type ApiClient } from '../helpers/api-client.js';
import { TestClock, type TestAccount } from '../helpers/test-region.js';
import { transactionGuard as guard } from '../helpers/transaction-guard.js';
import { startTwoRegions, waitForCopy, type TwoRegions } from '../helpers/two-regions.js';

// `vi.mock` calls are hoisted: each names its module, export and port itself.
vi.mock('../../src/adapters/db/metadata-store-kysely.js', async (importOriginal) => (await import('../helpers/transaction-guard.js')).guardedModule(await importOriginal(), 'KyselyMetadataStore', 'store'));
vi.mock('../../src/adapters/blob/blob-store-factory.js', async (importOriginal) => (await import('../helpers/transaction-guard.js')).guardedModule(await importOriginal(), 'createBlobStore', 'blobs'));
vi.mock('../../src/adapters/peer/http-peer-transport.js', async (importOriginal) => (await import('../helpers/transaction-guard.js')).guardedModule(await importOriginal(), 'HttpPeerTransport', 'peers'));
vi.mock('../../src/adapters/media/media-probe.js', async (importOriginal) => (await import('../helpers/transaction-guard.js')).guardedModule(await importOriginal(), 'LibraryMediaProbe', 'probe'));
vi.mock('../../src/start/identity.js', async (importOriginal) => (await import('../helpers/transaction-guard.js')).guardedModule(await importOriginal(), 'openIdentity', 'identity'));

const clockA = new TestClock();
let r: TwoRegions;
let x: ApiClient;
let y: TestAccount;

const png = (shade: number) => sharp({ create: { width: 32, height: 24, channels: 3, background: { r: shade, g: 90, b: 30 } } }).png().toBuffer();
const batch = (action: string, ids: string[], params?: string) => x.call('POST', '/digital-assets/batch-action', { body: { action, asset_ids: ids, ...(params ? { params } : {}) } });
const stateOf = async (client: ApiClient, id: string) => ((await client.ok('GET', `/digital-assets/${id}`)) as { asset_state: string }).asset_state;

let restoreTimers: () => void;
beforeAll(async () => {
  restoreTimers = guard.watchTimers();
  r = await startTwoRegions({ clockA });
  x = r.a.client;
  y = await r.a.addAccount();
});
afterAll(async () => {
  await r?.close();
  restoreTimers();
});
afterEach(() => {
  // Each offending call with the stack that made it (the first lines name the service).
  expect(guard.violations.splice(0).map((v) => v.stack)).toEqual([]);
});

describe('work inside write transactions', () => {
  it('is seen by the guard when a port is called inside a transaction', async () => {
    await r.a.region.store.transaction(async (tx) => {
      await tx.countAssets(r.a.projectId);
      await r.a.region.blobs.head('guard/self-check');
    });
    await r.a.region.store.transaction(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
    });
    expect(guard.violations.map((v) => v.call)).toEqual(['blobs.head', 'timers.setTimeout']);
    guard.violations.length = 0;
  });

  it('assets and files: create, CreateFile, upload, confirm, update, activation, delete, restore', async () => {
    const id = await x.createAsset({ asset_type: 'IMAGE', tags: ['guarded'] });
    await x.addFile(id, 'main.png', await png(10), 'MAIN');
    await x.addFile(id, 'cover.png', await png(20), 'COVER');
    const other = await x.addFile(id, 'notes.txt', Buffer.from('notes'), 'OTHER');
    // Media metadata and the thumbnail: parsed and stored outside, written in a transaction.
    await r.a.region.media.idle();
    expect(((await x.ok('GET', `/digital-assets/${id}`)) as { asset_extra_meta: Record<string, unknown> }).asset_extra_meta.image_meta).toBeDefined();
    expect((await x.call('DELETE', `/files/${other}`)).status).toBe(200);
    const cancelled = await x.createFile(id, 'gone.txt', Buffer.from('never sent'), 'OTHER');
    expect((await putBytes(cancelled.uploadUrl, Buffer.from('never sent'))).status).toBe(200);
    expect((await x.call('POST', `/files/${cancelled.fileId}/complete`, { body: { state: 'CANCELLED' } })).status).toBe(200);
    expect((await x.call('PUT', `/digital-assets/${id}`, { body: { asset_description: 'guarded', asset_state: 'UNACTIVED' } })).status).toBe(200);
    expect((await x.call('PUT', `/digital-assets/${id}`, { body: { asset_state: 'ACTIVED' } })).status).toBe(200);
    expect((await x.call('DELETE', `/digital-assets/${id}`)).status).toBe(200);
    expect((await x.call('POST', `/digital-assets/${id}/restore`)).status).toBe(200);
    expect((await x.call('DELETE', `/digital-assets/${id}`, { query: { mode: 'force' } })).status).toBe(200);
    expect((await x.call('GET', `/digital-assets/${id}`)).status).toBe(404);
  });

  it('a large file: created, sent in parts, confirmed, assembled', async () => {
    const id = await x.createAsset({ asset_type: 'VIDEO' });
    const bytes = randomBytes(12 * 1024 * 1024 + 7);
    const { fileId, uploadUrls } = await x.createLargeFile(id, 'film.mp4', bytes.length, 2);
    const parts = cutParts(bytes, 2);
    for (const [i, url] of uploadUrls.entries()) expect((await putBytes(url, parts[i] ?? Buffer.alloc(0))).status).toBe(200);
    expect((await x.call('POST', `/files/${fileId}/complete`, { body: { state: 'CREATED' } })).status).toBe(200);
    await vi.waitFor(async () => expect(await stateOf(x, id)).toBe('ACTIVED'), { timeout: 30_000, interval: 100 });
    // Another, dropped before its parts come: the unassembled upload goes after the commit.
    const dropped = await x.createLargeFile(id, 'dropped.mp4', 10, 1, 'OTHER');
    expect((await x.call('DELETE', `/files/${dropped.fileId}`)).status).toBe(200);
  });

  it('batch actions, sharing among them', async () => {
    const a = await x.createAsset();
    const b = await x.createAsset();
    await x.addFile(a, 'main.png', await png(30));
    await x.addFile(b, 'main.png', await png(40));
    const expire = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const share = JSON.stringify({ shared_type: 'SHARED', allowed_project_ids: [y.projectId], expire_time: expire });
    for (const [action, params] of [['UNACTIVE'], ['ACTIVE'], ['SHARE', share], ['UNSHARE'], ['DELETE'], ['RESTORE'], ['DELETE_FORCE']] as [string, string?][]) {
      const res = await batch(action, [a, b], params);
      expect({ action, status: res.status, results: res.body.results?.map((g: { ret_status: string }) => g.ret_status) }).toEqual({ action, status: 200, results: ['SUCCESS'] });
    }
  });

  it('a transfer: offered, accepted', async () => {
    const id = await x.createAsset();
    await x.addFile(id, 'main.png', await png(50));
    const offer = await x.call('POST', '/digital-assets-action/transfers', { body: { dest_project_id: y.projectId, asset_ids: [id] } });
    expect(offer.status).toBe(200);
    expect((await y.client.call('POST', `/digital-assets-action/transfers/${offer.body.job_id}/accept`)).status).toBe(200);
    expect(await stateOf(y.client, id)).toBe('ACTIVED');
  });

  it('a copy: exported, imported, copied and activated', async () => {
    const id = await x.createAsset({ asset_type: 'VIDEO' });
    await x.addFile(id, 'main.mp4', randomBytes(2 * 1024 * 1024 + 3));
    await r.a.region.media.idle();
    // A file stored before chunk hashes were kept: the export hashes its blob outside any transaction.
    const [file] = await r.a.region.store.listFiles(r.a.projectId, [id]);
    await r.a.region.store.updateFile(file?.fileId ?? '', { chunkSha256: null, updatedAt: file?.updatedAt ?? '' });
    const info = await x.ok('GET', `/digital-assets/${id}/replication-info`);
    const post = await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: info });
    expect(post.status).toBe(200);
    const copied = await waitForCopy(r.clientB, id);
    expect(copied.asset_state).toBe('ACTIVED');
    expect(copied.files[0].file_sha256).toBe((await x.ok('GET', `/digital-assets/${id}`)).files[0].file_sha256);
  });

  it('background work: scheduled operations, unblock, recycle-bin purge, expired uploads', async () => {
    const soon = new Date(clockA.now().getTime() + 2_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const blocked = await x.createAsset({ auto_operation_config: [{ operation: 'BLOCK', operation_time: soon }] });
    await x.addFile(blocked, 'main.png', await png(60));
    const recycled = await x.createAsset();
    await x.addFile(recycled, 'main.png', await png(70));
    expect((await x.call('DELETE', `/digital-assets/${recycled}`)).status).toBe(200);
    const waiting = await x.createAsset();
    const bytes = Buffer.from('declared, never sent');
    await x.call('POST', '/files', { body: { asset_id: waiting, file_name: 'late.txt', file_md5: createHash('md5').update(bytes).digest('base64'), file_size: bytes.length, asset_file_category: 'MAIN' } });
    clockA.offsetMs = 30 * 86_400_000;
    try {
      await r.a.region.scheduled.runDue();
      expect((await r.a.region.store.getAsset(r.a.projectId, blocked))?.assetState).toBe('BLOCK');
      expect((await r.a.region.scheduled.unblock(blocked, r.a.projectId)).assetState).toBe('ACTIVED');
      expect(await r.a.region.assets.purgeExpired()).toBeGreaterThanOrEqual(1);
      expect(await r.a.region.files.purgeExpiredUploads()).toBeGreaterThanOrEqual(1);
      expect((await r.a.region.store.getAsset(r.a.projectId, waiting))?.assetState).toBe('FAILED');
    } finally {
      clockA.offsetMs = 0;
    }
  });

  it('watched every port while doing so', () => {
    expect(guard.seen.transactions).toBeGreaterThan(40);
    for (const port of ['store', 'blobs', 'peers', 'probe', 'identity', 'timers']) expect({ port, calls: guard.seen.calls.get(port) ?? 0 }).not.toMatchObject({ calls: 0 });
  });
});
