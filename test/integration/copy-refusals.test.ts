import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetFile } from '../../src/domain/asset.js';
import { newAsset } from '../../src/domain/asset-fields.js';
import type { CopyTask } from '../../src/domain/copy-task.js';
import { isoTime } from '../../src/domain/time.js';
import { parseKeyRing } from '../../src/services/replication/key-ring.js';
import { copyBlobKey } from '../../src/services/replication/replication-service.js';
import { openInfo, sealInfo, type SealedInfo } from '../../src/services/replication/seal.js';
import { ApiClient, type ApiResponse } from '../helpers/api-client.js';
import { capabilitiesIn } from '../helpers/key-ring.js';
import { startTestRegion, TestClock, type TestRegion } from '../helpers/test-region.js';
import { startTwoRegions, waitForCopy, type TwoRegions } from '../helpers/two-regions.js';

const REGION_A = 'cn-north-4';
const REGION_B = 'ap-southeast-3';
const REGION_C = 'eu-west-101';

type Pair = TwoRegions;
const startPair = startTwoRegions;

type Info = SealedInfo & { expire_time: number };

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const newId = () => randomBytes(16).toString('hex');
const storeOf = (t: TestRegion) => t.region.store;

/** An ACTIVED asset in the pair's region A (the first file is MAIN). */
async function sourceAsset(p: Pair, files: Record<string, Buffer>): Promise<string> {
  const id = await p.a.client.createAsset({ asset_type: 'VIDEO', tags: ['refusal'] });
  let first = true;
  for (const [name, bytes] of Object.entries(files)) {
    await p.a.client.addFile(id, name, bytes, first ? 'MAIN' : 'OTHER');
    first = false;
  }
  return id;
}

async function exportInfo(client: ApiClient, assetId: string): Promise<Info> {
  const res = await client.call('GET', `/digital-assets/${assetId}/replication-info`);
  expect(res.status).toBe(200);
  return res.body as Info;
}

const post = (client: ApiClient, body: unknown) => client.call('POST', '/digital-assets-by-replication-info', { body });

async function countB(p: Pair): Promise<number> {
  const res = await p.clientB.call('GET', '/digital-assets');
  expect(res.status).toBe(200);
  return res.body.count as number;
}

function expectError(res: ApiResponse, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error_code }).toEqual({ status, code });
}

/** Nothing of `assetId` in region B: no asset, no task, the same number of assets as before. */
async function expectNothingInB(p: Pair, assetId: string, countBefore: number): Promise<void> {
  expect((await p.clientB.call('GET', `/digital-assets/${assetId}`)).status).toBe(404);
  expect(await storeOf(p.b).copyTasks.getTask(p.projectB, assetId)).toBeUndefined();
  expect(await countB(p)).toBe(countBefore);
}

async function blobsUnder(t: TestRegion, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of t.region.blobs.list(prefix)) keys.push(key);
  return keys;
}

async function copyBytesMetric(t: TestRegion): Promise<number> {
  const text = await (await fetch(`${t.endpoint}/metrics`)).text();
  return Number(/assetbridge_copy_bytes_total\{[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('copy refusals (regions with movable clocks; A seals for 60 s, capabilities live 60 s more)', () => {
  const clockA = new TestClock();
  const clockB = new TestClock();
  let p: Pair;
  beforeAll(async () => {
    p = await startPair({ clockA, clockB, env: { a: { ASSETBRIDGE_REPLICATION_TTL: '60', ASSETBRIDGE_COPY_WINDOW: '60' } } });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('refuses expired replication info with 400 MSS.10003003 and creates nothing', async () => {
    const id = await sourceAsset(p, { 'main.mp4': randomBytes(200) });
    const info = await exportInfo(p.a.client, id);
    const before = await countB(p);
    clockB.offsetMs = 120_000;
    try {
      const res = await post(p.clientB, info);
      expectError(res, 400, 'MSS.10003003');
      expect(res.body.error_msg).toContain('expired');
    } finally {
      clockB.offsetMs = 0;
    }
    await expectNothingInB(p, id, before);
  });

  it('refuses info sealed by another key ring under the same key id with 400 MSS.10003001', async () => {
    const id = await sourceAsset(p, { 'main.mp4': randomBytes(200) });
    const info = await exportInfo(p.a.client, id);
    // The very same manifest, sealed under key id k1 with other bytes: only the key differs.
    const opened = openInfo(parseKeyRing({ active: 'k1', keys: { k1: p.ringKey } }), info);
    if (!opened.ok) throw new Error(`the genuine info does not open: ${opened.reason}`);
    const otherRing = parseKeyRing({ active: 'k1', keys: { k1: randomBytes(16).toString('base64') } });
    const foreign = sealInfo(otherRing, id, opened.plaintext);
    expect(foreign.encryption_info.key_id).toBe('k1');
    const before = await countB(p);
    expectError(await post(p.clientB, { ...foreign, expire_time: info.expire_time }), 400, 'MSS.10003001');
    await expectNothingInB(p, id, before);
  });

  it('refuses info from a region that is not a configured peer with 400 MSS.10003005', async () => {
    const id = await sourceAsset(p, { 'main.mp4': randomBytes(200) });
    const info = await exportInfo(p.a.client, id);
    // A third region of the deployment (same identity and key ring) that names no peer.
    const c = await startTestRegion({ identity: p.a.identity, env: { ASSETBRIDGE_REGION: REGION_C, ASSETBRIDGE_KEYRING_FILE: p.keyRingFile } });
    try {
      const projectC = (await p.a.identity.projects(p.a.name)).find((x) => x.region === REGION_C)?.id ?? '';
      const clientC = new ApiClient({ endpoint: c.endpoint, projectId: projectC, accessKey: p.a.accessKey, secretKey: p.a.secretKey });
      const res = await post(clientC, info);
      expectError(res, 400, 'MSS.10003005');
      expect(res.body.error_msg).toContain(REGION_A);
      expect((await clientC.call('GET', `/digital-assets/${id}`)).status).toBe(404);
      expect((await clientC.call('GET', '/digital-assets')).body.count).toBe(0);
      expect(await storeOf(c).copyTasks.getTask(projectC, id)).toBeUndefined();
    } finally {
      await c.close();
    }
  });

  it('answers 409 MSS.10003008 when the asset id is taken in B by an asset that is not this copy', async () => {
    // Asset ids cannot be chosen through the API, so the id is made taken the other way round:
    // X is a native asset of B; B -> A copies it (same id in A); A's copy of X is then exported
    // and posted back to B, where X exists and is not a copy of A's asset.
    const x = await p.clientB.createAsset({ asset_name: `native-${newId()}`, asset_type: 'IMAGE' });
    await p.clientB.addFile(x, 'native.png', randomBytes(300));
    const native = (await p.clientB.call('GET', `/digital-assets/${x}`)).body;
    expect(native.asset_state).toBe('ACTIVED');
    expect((await post(p.a.client, await exportInfo(p.clientB, x))).body).toEqual({ asset_id: x, asset_state: 'CREATING' });
    expect((await waitForCopy(p.a.client, x)).asset_state).toBe('ACTIVED');
    const info = await exportInfo(p.a.client, x);
    const before = await countB(p);

    const res = await post(p.clientB, info);
    expectError(res, 409, 'MSS.10003008');
    // B's own asset is untouched and did not become a copy.
    const after = (await p.clientB.call('GET', `/digital-assets/${x}`)).body;
    expect(after).toMatchObject({ asset_state: 'ACTIVED', asset_name: native.asset_name, update_time: native.update_time });
    expect(after.replication).toBeUndefined();
    expect(await storeOf(p.b).copyTasks.getTask(p.projectB, x)).toBeUndefined();
    expect(await countB(p)).toBe(before);
  });

  it('answers 409 MSS.10003009 while the copy sits in B recycle bin', async () => {
    const id = await sourceAsset(p, { 'main.mp4': randomBytes(500) });
    const info = await exportInfo(p.a.client, id);
    expect((await post(p.clientB, info)).status).toBe(200);
    expect((await waitForCopy(p.clientB, id)).asset_state).toBe('ACTIVED');
    expect((await p.clientB.call('DELETE', `/digital-assets/${id}`)).status).toBe(200);
    const task = await storeOf(p.b).copyTasks.getTask(p.projectB, id);
    const before = await countB(p);

    expectError(await post(p.clientB, info), 409, 'MSS.10003009');
    expect((await p.clientB.call('GET', `/digital-assets/${id}`)).body.asset_state).toBe('DELETING');
    expect(await storeOf(p.b).copyTasks.getTask(p.projectB, id)).toEqual(task);
    expect(await countB(p)).toBe(before);
  });

  it('ends FAILED with a reason and failure code when the source refuses, and the same info restarts the copy', async () => {
    const bytes = randomBytes(4000);
    const id = await sourceAsset(p, { 'main.mp4': bytes });
    const info = await exportInfo(p.a.client, id);
    // To A's recycle bin before B downloads: A refuses the capability (403) -> source_refused.
    expect((await p.a.client.call('DELETE', `/digital-assets/${id}`)).status).toBe(200);
    expect((await post(p.clientB, info)).body).toEqual({ asset_id: id, asset_state: 'CREATING' });
    const failed = await waitForCopy(p.clientB, id);
    expect(failed.asset_state).toBe('FAILED');
    expect(failed.reason).toEqual(expect.stringMatching(/refused/));
    expect(failed.fail_type).toBe('source_refused');
    expect(failed.replication).toMatchObject({ state: 'FAILED', failure_code: 'source_refused', files_done: 0 });

    expect((await p.a.client.call('POST', `/digital-assets/${id}/restore`)).status).toBe(200);
    expect((await post(p.clientB, info)).body).toEqual({ asset_id: id, asset_state: 'CREATING' });
    const copied = await waitForCopy(p.clientB, id);
    expect(copied.asset_state).toBe('ACTIVED');
    expect(copied.reason).toBeUndefined();
    expect(copied.fail_type).toBeUndefined();
    expect(copied.replication).toMatchObject({ state: 'ACTIVED', files_done: 1, files_total: 1 });
    expect(copied.replication.failure_code).toBeUndefined();
    const [file] = copied.files as { file_sha256: string; download_url: string }[];
    expect(file?.file_sha256).toBe(sha(bytes));
    expect(sha(Buffer.from(await (await fetch(file?.download_url ?? '')).arrayBuffer()))).toBe(sha(bytes));
  });

  it('copies anew when the info is posted again after a force delete in B', async () => {
    const bytes = randomBytes(3000);
    const id = await sourceAsset(p, { 'main.mp4': bytes });
    const info = await exportInfo(p.a.client, id);
    expect((await post(p.clientB, info)).status).toBe(200);
    expect((await waitForCopy(p.clientB, id)).asset_state).toBe('ACTIVED');
    const first = await storeOf(p.b).copyTasks.getTask(p.projectB, id);
    expect((await p.clientB.call('DELETE', `/digital-assets/${id}`, { query: { mode: 'force' } })).status).toBe(200);
    expect((await p.clientB.call('GET', `/digital-assets/${id}`)).status).toBe(404);

    expect((await post(p.clientB, info)).body).toEqual({ asset_id: id, asset_state: 'CREATING' });
    // The new run continues the task's epochs (a worker of the old run can never pass for it).
    expect((await storeOf(p.b).copyTasks.getTask(p.projectB, id))?.epoch).toBeGreaterThan(first?.epoch ?? Infinity);
    const copied = await waitForCopy(p.clientB, id);
    expect(copied.asset_state).toBe('ACTIVED');
    expect(copied.replication).toMatchObject({ state: 'ACTIVED', files_done: 1 });
    const [file] = copied.files as { download_url: string }[];
    expect(sha(Buffer.from(await (await fetch(file?.download_url ?? '')).arrayBuffer()))).toBe(sha(bytes));
  });

  it('refuses a capability used after its expiry at the source: 403 MSS.10003011 "expired"', async () => {
    const id = await sourceAsset(p, { 'main.mp4': randomBytes(700) });
    const info = await exportInfo(p.a.client, id);
    expect((await post(p.clientB, info)).status).toBe(200);
    expect((await waitForCopy(p.clientB, id)).asset_state).toBe('ACTIVED');
    const [[fileId, cap] = ['', '']] = Object.entries(capabilitiesIn(p.ringKey, info, REGION_B));
    const fetchFile = () =>
      fetch(`${p.a.endpoint}/replication/v1/projects/${p.a.projectId}/files/${fileId}`, {
        headers: { 'x-replication-capability': cap, 'x-replication-region': REGION_B },
      });
    const ok = await fetchFile();
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    // Capabilities live until exp (60 s) + the copy window (60 s).
    clockA.offsetMs = 200_000;
    try {
      const late = await fetchFile();
      const body = (await late.json()) as { error_code: string; error_msg: string };
      expect({ status: late.status, code: body.error_code }).toEqual({ status: 403, code: 'MSS.10003011' });
      expect(body.error_msg).toContain('expired');
    } finally {
      clockA.offsetMs = 0;
    }
  });

  it('lets no stale worker (older epoch) record progress, retry, renew or activate', async () => {
    // A CREATING copy nobody else claims: its next run is far in the future for B's own worker;
    // this test claims it twice (leases already lapsed) to make the first claim stale.
    const store = storeOf(p.b);
    const assetId = newId();
    const fileId = newId();
    const tokenId = newId();
    const at = isoTime(new Date());
    const future = '2999-01-01T00:00:00.000Z';
    const lapsed = '2000-01-01T00:00:00.000Z';
    const asset = newAsset({ projectId: p.projectB, assetId, appUserId: null, at }, { assetName: `stale-${assetId}`, assetType: 'VIDEO' });
    const digest = { md5: createHash('md5').update('x').digest('hex'), sha256: sha(Buffer.from('x')) };
    const file: AssetFile = {
      fileId, projectId: p.projectB, assetId, fileName: 'main.mp4', fileSize: 1, fileType: 'mp4', category: 'MAIN', state: 'CREATING',
      declaredMd5: Buffer.from(digest.md5, 'hex').toString('base64'), md5Hex: digest.md5, sha256Hex: digest.sha256, etag: `"${digest.sha256}"`,
      blobKey: copyBlobKey(p.projectB, fileId, tokenId), thumbnailKey: null, fileExtraMeta: {}, uploadExpiresAt: null, createdAt: at, updatedAt: at,
    };
    const task: CopyTask = {
      projectId: p.projectB, assetId, sourceRegion: REGION_A, sourceProjectId: p.a.projectId, sourceAssetId: assetId, tokenId,
      files: [{ id: fileId, category: 'MAIN', name: 'main.mp4', type: 'mp4', size: 1, md5: digest.md5, sha256: digest.sha256, cap: '1.x' }],
      state: 'CREATING', epoch: 0, leaseOwner: null, leaseExpiresAt: null, nextRunAt: future, attempts: 0, lastError: null, failureCode: null,
      filesDone: 0, bytesDone: 0, bytesTotal: 1, deadline: future, requestId: null, startedAt: at, finishedAt: null,
    };
    await store.transaction(async (tx) => {
      await tx.insertAsset(asset);
      await tx.insertFile(file);
      await tx.copyTasks.insertTask(task);
    });
    const claim = (owner: string) => store.copyTasks.claimDue({ owner, now: future, leaseUntil: lapsed, limit: 10 });
    const [stale, ...others1] = await claim('stale-worker');
    const [live, ...others2] = await claim('live-worker');
    // Only this task was due (every other copy of this pair has ended).
    expect([stale?.assetId, others1.length, live?.assetId, others2.length]).toEqual([assetId, 0, assetId, 0]);
    if (!stale || !live) throw new Error('unclaimed');
    expect(live.epoch).toBe(stale.epoch + 1);

    expect(await store.copyTasks.recordProgress(stale, fileId, 1, true)).toBe(false);
    expect(await store.copyTasks.recordUpload(stale, fileId, 'upload-1')).toBe(false);
    expect(await store.copyTasks.recordSegment(stale, { fileId, index: 0, bytes: 1, etag: '"e"' })).toBe(false);
    expect(await store.copyTasks.segments(p.projectB, assetId)).toEqual([]);
    expect(await store.copyTasks.renewLease(stale, future)).toBe(false);
    expect(await store.copyTasks.scheduleRetry(stale, { attempts: 1, nextRunAt: at, lastError: 'stale' })).toBe(false);
    expect(await store.copyTasks.finish(stale, { state: 'ACTIVED', at })).toBe(false);
    expect(await store.copyTasks.finish(stale, { state: 'FAILED', at, failureCode: 'checksum_mismatch', lastError: 'stale' })).toBe(false);
    // The worker's activation step, as CopyWorker.activate runs it, rolls back as a whole.
    const activated = await store
      .transaction(async (tx) => {
        if (!(await tx.copyTasks.finish(stale, { state: 'ACTIVED', at }))) throw new Error('lease lost');
        await tx.updateAsset(p.projectB, assetId, { assetState: 'ACTIVED', updatedAt: at }, ['CREATING']);
        return true;
      })
      .catch(() => false);
    expect(activated).toBe(false);

    expect(await store.copyTasks.getTask(p.projectB, assetId)).toEqual(live);
    expect(await store.copyTasks.fileProgress(p.projectB, assetId)).toEqual([{ fileId, offset: 0, done: false, uploadId: null }]);
    const shown = (await p.clientB.call('GET', `/digital-assets/${assetId}`)).body;
    expect(shown.asset_state).toBe('CREATING');
    expect(shown.replication).toMatchObject({ state: 'CREATING', bytes_done: 0, files_done: 0 });

    // The current epoch may write (so the refusals above are about the epoch, nothing else).
    expect(await store.copyTasks.recordProgress(live, fileId, 1, true)).toBe(true);
    expect(await store.copyTasks.getTask(p.projectB, assetId)).toMatchObject({ epoch: live.epoch, bytesDone: 1, filesDone: 1 });
    expect((await p.clientB.call('DELETE', `/digital-assets/${assetId}`, { query: { mode: 'force' } })).status).toBe(200);
  });
});

describe('copy refusals (region B with a 3.2 MB file limit and a 256 KiB/s peer bandwidth limit)', () => {
  const maxFileSize = 3_200_000;
  let p: Pair;
  beforeAll(async () => {
    p = await startPair({
      env: { b: { ASSETBRIDGE_MAX_LARGE_FILE_SIZE: String(maxFileSize), ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: '262144', ASSETBRIDGE_COPY_LEASE: '3' } },
    });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('refuses a file larger than region B accepts with 400 MSS.10003006', async () => {
    const id = await sourceAsset(p, { 'cover.png': randomBytes(10), 'main.mp4': randomBytes(maxFileSize + 1) });
    const info = await exportInfo(p.a.client, id);
    const before = await countB(p);
    const res = await post(p.clientB, info);
    expectError(res, 400, 'MSS.10003006');
    expect(res.body.error_msg).toContain(String(maxFileSize + 1));
    await expectNothingInB(p, id, before);
  });

  it('cancels a CREATING copy deleted in B: task CANCELLED, restored FAILED, no blob left', async () => {
    const id = await sourceAsset(p, { 'main.mp4': randomBytes(3 * 1024 * 1024) });
    const info = await exportInfo(p.a.client, id);
    const bytesBefore = await copyBytesMetric(p.b);
    expect((await post(p.clientB, info)).body).toEqual({ asset_id: id, asset_state: 'CREATING' });
    // Bytes are flowing (about 12 s at 256 KiB/s). `replication.bytes_done` cannot be the signal:
    // it moves at 8 MiB checkpoints and at the end of a file, so it stays 0 until this file is done.
    await until('the first copied bytes', async () => (await copyBytesMetric(p.b)) > bytesBefore);
    const running = (await p.clientB.call('GET', `/digital-assets/${id}`)).body;
    expect(running.asset_state).toBe('CREATING');
    expect(running.replication.state).toBe('CREATING');

    expect((await p.clientB.call('DELETE', `/digital-assets/${id}`)).status).toBe(200);
    const store = storeOf(p.b);
    expect((await store.copyTasks.getTask(p.projectB, id))?.state).toBe('CANCELLED');

    expect((await p.clientB.call('POST', `/digital-assets/${id}/restore`)).status).toBe(200);
    const restored = (await p.clientB.call('GET', `/digital-assets/${id}`)).body;
    expect(restored.asset_state).toBe('FAILED');
    expect(restored.reason).toEqual(expect.stringMatching(/cancelled/));
    expect(restored.replication.state).toBe('CANCELLED');
    expect(restored.files.map((f: { state: string }) => f.state)).toEqual(restored.files.map(() => 'FAILED'));

    // The cancelled worker stops at its next lease renewal or write; then nothing of it remains.
    await p.b.region.worker.idle();
    await p.b.region.worker.sweep();
    expect(await blobsUnder(p.b, `files/${p.projectB}/`)).toEqual([]);
    // No staging file stays in the disk store's scratch folder (S3: none is ever made).
    const tmp = path.join(p.b.dataDir, 'blobs', '.tmp');
    expect(existsSync(tmp) ? readdirSync(tmp).filter((f) => /\.(seg|part)$/.test(f)) : []).toEqual([]);
    expect((await store.copyTasks.getTask(p.projectB, id))?.state).toBe('CANCELLED');
    // Swept once: the periodic sweeper does not come back to it.
    expect((await store.copyTasks.listUnswept(100)).map((t) => t.assetId)).not.toContain(id);
    expect((await p.clientB.call('GET', `/digital-assets/${id}`)).body.asset_state).toBe('FAILED');
  });
});

describe('a copy cancelled while its worker still downloads (B: 2 MiB/s, 6 s leases renewed every 2 s)', () => {
  let p: Pair;
  beforeAll(async () => {
    p = await startPair({ env: { b: { ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: String(2 * 1024 * 1024), ASSETBRIDGE_COPY_LEASE: '6' } } });
  });
  afterAll(async () => {
    await p?.close();
  });

  // Regression: the cancelled run went on writing, until its next lease renewal, into the staging
  // file the new run of the same task used, and the new run stored and activated the mixed bytes
  // (its checksums are computed on the bytes it received, not on the file).
  it('ends ACTIVED with the source bytes when deleted, restored and posted again at once', async () => {
    // 12 MiB: the cancelled run is still downloading (and flushing 1 MiB batches) at its renewal.
    const bytes = randomBytes(12 * 1024 * 1024);
    const id = await sourceAsset(p, { 'main.mp4': bytes });
    const info = await exportInfo(p.a.client, id);
    const bytesBefore = await copyBytesMetric(p.b);
    expect((await post(p.clientB, info)).status).toBe(200);
    await until('the first copied bytes', async () => (await copyBytesMetric(p.b)) > bytesBefore);
    const store = storeOf(p.b);
    const epoch = (await store.copyTasks.getTask(p.projectB, id))?.epoch ?? Infinity;
    expect((await p.clientB.call('DELETE', `/digital-assets/${id}`)).status).toBe(200);
    expect((await p.clientB.call('POST', `/digital-assets/${id}/restore`)).status).toBe(200);
    expect((await post(p.clientB, info)).body).toEqual({ asset_id: id, asset_state: 'CREATING' });
    expect((await store.copyTasks.getTask(p.projectB, id))?.epoch).toBeGreaterThan(epoch);

    const copied = await waitForCopy(p.clientB, id, 45_000);
    expect(copied.asset_state).toBe('ACTIVED');
    const [file] = copied.files as { file_id: string; download_url: string }[];
    expect(sha(Buffer.from(await (await fetch(file?.download_url ?? '')).arrayBuffer()))).toBe(sha(bytes));
    await p.b.region.worker.idle();
    await p.b.region.worker.sweep();
    const task = await store.copyTasks.getTask(p.projectB, id);
    expect(await blobsUnder(p.b, `files/${p.projectB}/${file?.file_id ?? ''}/`)).toEqual([copyBlobKey(p.projectB, file?.file_id ?? '', task?.tokenId ?? '')]);
  });
});
