import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5Base64, putBytes } from '../helpers/api-client.js';
import { startTestRegion, TestClock, type TestRegion } from '../helpers/test-region.js';

/**
 * Uploads never confirmed are purged once their upload URL expired (ASSETBRIDGE_UPLOAD_URL_TTL,
 * 60 s here; the test clock moves past it): the file turns FAILED with the reason
 * `upload expired`, its uploaded bytes are removed, and its bytes stop counting as awaited.
 */

const ttlSeconds = 60;
const clock = new TestClock();
let t: TestRegion;

beforeAll(async () => {
  t = await startTestRegion({ clock, env: { ASSETBRIDGE_UPLOAD_URL_TTL: String(ttlSeconds), ASSETBRIDGE_QUOTA_PENDING_UPLOAD_BYTES: '100' } });
});
afterAll(async () => {
  await t?.close();
});

const bytes = Buffer.from('eighty bytes of a file that is uploaded and never confirmed by its client ......');

describe('the purge of expired uploads', () => {
  it('fails expired unconfirmed files with their reason, removes their bytes, and leaves the rest alone', async () => {
    const c = t.client;
    const waiting = await c.createAsset();
    const neverSent = await c.createFile(waiting, 'main.png', Buffer.from('x'));

    const other = await c.createAsset();
    await c.addFile(other, 'main.png', Buffer.from('confirmed'));
    const unconfirmed = await c.createFile(other, 'extra.bin', bytes, 'OTHER');
    const put = await fetch(unconfirmed.uploadUrl, { method: 'PUT', body: bytes, headers: { 'content-md5': md5Base64(bytes) } });
    expect(put.status).toBe(200);
    const uploadedKey = (await t.region.store.getFile(t.projectId, unconfirmed.fileId))?.blobKey ?? '';
    expect(await t.region.blobs.head(uploadedKey)).toBeDefined();
    // 81 of 100 bytes awaited: another 80 do not fit.
    expect((await c.call('POST', '/files', { body: { asset_id: other, file_name: 'more.bin', file_md5: md5Base64(bytes), file_size: 80 } })).body.error_code).toBe('MSS.10007003');

    expect(await t.region.files.purgeExpiredUploads()).toBe(0);
    clock.offsetMs += (ttlSeconds + 1) * 1000;
    const fresh = await c.createFile(other, 'fresh.bin', Buffer.from('fresh'), 'OTHER');

    expect(await t.region.files.purgeExpiredUploads()).toBe(2);
    expect(await t.region.files.purgeExpiredUploads()).toBe(0);

    const waitingNow = await c.ok('GET', `/digital-assets/${waiting}`);
    expect(waitingNow).toMatchObject({ asset_state: 'FAILED', reason: 'main file upload expired' });
    expect(waitingNow.files).toEqual([expect.objectContaining({ file_id: neverSent.fileId, state: 'FAILED', reason: 'upload expired' })]);

    const otherNow = await c.ok('GET', `/digital-assets/${other}`);
    expect(otherNow.asset_state).toBe('ACTIVED');
    const states = Object.fromEntries((otherNow.files as { file_name: string; state: string; reason?: string }[]).map((f) => [f.file_name, [f.state, f.reason]]));
    expect(states).toEqual({ 'main.png': ['CREATED', undefined], 'extra.bin': ['FAILED', 'upload expired'], 'fresh.bin': ['CREATING', undefined] });
    expect(await t.region.blobs.head(uploadedKey)).toBeUndefined();

    // Its bytes no longer count as awaited; its URL takes nothing more, and it cannot be confirmed.
    expect((await c.call('POST', '/files', { body: { asset_id: other, file_name: 'more.bin', file_md5: md5Base64(bytes), file_size: 80 } })).status).toBe(200);
    expect((await c.call('POST', `/files/${unconfirmed.fileId}/complete`, { body: { state: 'CREATED' } })).status).toBe(409);
    expect((await fetch(fresh.uploadUrl, { method: 'PUT', body: 'fresh' })).status).toBe(200);
  });

  it('drops the received parts of a large file never confirmed, with its upload', async () => {
    const c = t.client;
    const asset = await c.createAsset();
    const { fileId, uploadUrls } = await c.createLargeFile(asset, 'big.bin', undefined, 1, 'OTHER');
    expect((await putBytes(uploadUrls[0] ?? '', Buffer.alloc(4096, 7))).status).toBe(200);
    const upload = await t.region.store.largeUploads.get(fileId);
    expect(upload?.state).toBe('RECEIVING');
    const staging = path.join(t.dataDir, 'blobs', '.tmp', 'multipart', upload?.uploadId ?? '');
    const onDisk = t.region.blobs.kind === 'disk';
    if (onDisk) expect(existsSync(staging)).toBe(true);
    const blobs = t.region.blobs;
    const abort = blobs.abortMultipart.bind(blobs);
    const aborted: string[] = [];
    blobs.abortMultipart = async (key, uploadId) => {
      aborted.push(uploadId);
      await abort(key, uploadId);
    };

    clock.offsetMs += (ttlSeconds + 1) * 1000;
    expect(await t.region.files.purgeExpiredUploads()).toBeGreaterThanOrEqual(1);
    expect((await t.region.store.getFile(t.projectId, fileId))?.state).toBe('FAILED');
    expect(await t.region.store.largeUploads.get(fileId)).toBeUndefined();
    expect(aborted).toEqual([upload?.uploadId]);
    if (onDisk) expect(existsSync(staging)).toBe(false);
  });
});
