import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCopy } from '../helpers/copy-fixture.js';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

/**
 * The age sweep of the disk store's scratch folder (`<blobs>/.tmp`): what a crash or a failed
 * cleanup left there goes once older than ASSETBRIDGE_STAGING_MAX_AGE (an hour here); the staging
 * files of uploads still recorded stay, however old. The metadata is SQLite or PostgreSQL.
 */
let t: TestRegion;
beforeAll(async () => {
  t = await startTestRegion({ env: { ASSETBRIDGE_BLOB_STORE: 'disk', ASSETBRIDGE_STAGING_MAX_AGE: '3600' } });
});
afterAll(async () => t?.close());

const twoHoursAgo = () => new Date(Date.now() - 2 * 3600 * 1000);
const age = (file: string) => utimesSync(file, twoHoursAgo(), twoHoursAgo());

describe('the staging sweep', () => {
  it('removes scratch files older than the setting that no recorded upload owns, and nothing else', async () => {
    const tmp = path.join(t.dataDir, 'blobs', '.tmp');
    const blobs = t.region.blobs;
    const copies = t.region.store.copyTasks;

    // Recorded: a large file still receiving its parts, and a copy's segmented upload.
    const asset = await t.client.createAsset();
    const { fileId } = await t.client.createLargeFile(asset, 'big.bin', undefined, 1, 'OTHER');
    const large = (await t.region.store.largeUploads.get(fileId))!.uploadId;
    // Not due for years: no worker runs it meanwhile.
    const copy = await insertCopy(t.region.store, { nextRunAt: '2999-01-01T00:00:00.000Z' });
    const copyFile = copy.files[0]!.id;
    const recordedSeg = await blobs.segmented.begin(`files/${copy.projectId}/${copyFile}/c1`, 1);
    expect(await copies.recordUpload(copy, copyFile, recordedSeg)).toBe(true);
    // Left behind: a segmented upload and a multipart upload never recorded, and a staged put.
    const lostSeg = await blobs.segmented.begin('files/p/lost/c1', 1);
    const lostMultipart = await blobs.beginMultipart('files/p/lost/m1');
    const lostPut = path.join(tmp, `${'ab'.repeat(12)}.part`);
    writeFileSync(lostPut, 'half a put');
    const freshPut = path.join(tmp, `${'cd'.repeat(12)}.part`);

    const files = {
      large: path.join(tmp, 'multipart', large),
      recordedSeg: path.join(tmp, `${recordedSeg}.seg`),
      lostSeg: path.join(tmp, `${lostSeg}.seg`),
      lostMultipart: path.join(tmp, 'multipart', lostMultipart),
      lostPut,
    };
    for (const file of Object.values(files)) expect(existsSync(file), file).toBe(true);
    // Nothing is old yet: nothing goes.
    expect(await t.region.staging.sweep()).toBe(0);

    for (const file of Object.values(files)) age(file);
    writeFileSync(freshPut, 'a put in progress');
    expect(await t.region.staging.sweep()).toBe(3);
    const left = Object.fromEntries(Object.entries({ ...files, freshPut }).map(([name, file]) => [name, existsSync(file)]));
    expect(left).toEqual({ large: true, recordedSeg: true, lostSeg: false, lostMultipart: false, lostPut: false, freshPut: true });
    expect(await t.region.staging.sweep()).toBe(0);

    // Once its upload is forgotten, the old staging file of a copy goes too; the large file's stays while it receives.
    await copies.clearSegments(copy.projectId, copy.assetId);
    expect(await t.region.staging.sweep()).toBe(1);
    expect(readdirSync(tmp).sort()).toEqual([path.basename(freshPut), 'multipart']);
    expect(readdirSync(path.join(tmp, 'multipart'))).toEqual([large]);
  });
});
