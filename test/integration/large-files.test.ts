import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTime } from '../../src/domain/time.js';
import { maxPartSize, minPartSize } from '../../src/domain/large-file.js';
import { cutParts, putBytes } from '../helpers/api-client.js';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

/** CreateLargeFile over HTTP: parts in any order and sent again, assembly by the worker, every refusal. */
let t: TestRegion;
beforeAll(async () => {
  t = await startTestRegion();
});
afterAll(async () => {
  await t.close();
});

const MiB = 1024 * 1024;
/** Two real parts: the first at the 5 MiB minimum and a little over, the last a byte shorter. */
const twoPartBytes = () => randomBytes(2 * minPartSize + 777);
const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test JSON
async function fileOf(assetId: string, fileId: string): Promise<any> {
  const asset = (await t.client.ok('GET', `/digital-assets/${assetId}`)) as { files: { file_id: string }[] };
  return asset.files.find((f) => f.file_id === fileId);
}

/** Waits until the file leaves UPLOADED (the assembly ended). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test JSON
async function assembled(assetId: string, fileId: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const file = await fileOf(assetId, fileId);
    if (file.state !== 'UPLOADED') return file;
    if (Date.now() > deadline) throw new Error(`file still ${JSON.stringify(file)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const create = (body: Record<string, unknown>) => t.client.call('POST', '/large-files', { body });
const confirm = (fileId: string, state = 'CREATED') => t.client.call('POST', `/files/${fileId}/complete`, { body: { state } });

describe('CreateLargeFile', () => {
  it('takes parts in any order, sent again, answers the confirm at once, then assembles and hashes the file', async () => {
    const assetId = await t.client.createAsset({ asset_type: 'VIDEO' });
    const bytes = twoPartBytes();
    const { fileId, uploadUrls } = await t.client.createLargeFile(assetId, 'film.mp4', bytes.length, 2);
    expect(uploadUrls).toHaveLength(2);
    expect(uploadUrls[0]).toMatch(/\/blobs\/upload\/[0-9a-f]{32}\/[0-9a-f]{32}\?expires=\d+&part=1&signature=[0-9a-f]{64}$/);
    const [first, last] = cutParts(bytes, 2) as [Buffer, Buffer];
    expect(first.length).toBe(Math.ceil(bytes.length / 2));
    // The last part first; the first part sent once with other bytes, then again with the right ones.
    expect((await putBytes(uploadUrls[1] ?? '', last)).status).toBe(200);
    expect((await putBytes(uploadUrls[0] ?? '', randomBytes(first.length))).status).toBe(200);
    expect((await putBytes(uploadUrls[0] ?? '', first)).status).toBe(200);
    expect(await fileOf(assetId, fileId)).toMatchObject({ state: 'CREATING', file_size: bytes.length, file_type: 'mp4' });

    await t.region.assembler.stop();
    try {
      expect((await confirm(fileId)).status).toBe(200);
      expect(await fileOf(assetId, fileId)).toMatchObject({ state: 'UPLOADED' });
      expect(((await t.client.ok('GET', `/digital-assets/${assetId}`)) as { asset_state: string }).asset_state).toBe('CREATING');
      // Confirming again while it is assembled changes nothing; failing or cancelling it now is refused.
      expect((await confirm(fileId)).status).toBe(200);
      expect((await confirm(fileId, 'CANCELLED')).body).toMatchObject({ error_code: 'MSS.10002002' });
      expect((await confirm(fileId, 'FAILED')).status).toBe(409);
      // No part is taken once confirmed.
      expect((await putBytes(uploadUrls[0] ?? '', first)).body).toMatchObject({ error_code: 'MSS.10002005' });
    } finally {
      t.region.assembler.start();
    }
    const file = await assembled(assetId, fileId);
    expect(file).toMatchObject({ state: 'CREATED', file_size: bytes.length, file_md5: md5(bytes), file_sha256: sha256(bytes) });
    expect(((await t.client.ok('GET', `/digital-assets/${assetId}`)) as { asset_state: string }).asset_state).toBe('ACTIVED');
    const download = await fetch(file.download_url as string);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    expect(download.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
    // The assembly keeps the hash of every 16 MiB chunk too (what a copy of the file checks).
    const chunks: string[] = [];
    for (let at = 0; at < bytes.length; at += 16 * 1024 * 1024) chunks.push(sha256(bytes.subarray(at, at + 16 * 1024 * 1024)));
    expect((await t.region.store.findFile(fileId))?.chunkSha256).toEqual(chunks);
  });

  it('takes a file of one part without file_size, its size from Content-Length, with no 5 MiB minimum', async () => {
    const assetId = await t.client.createAsset();
    const bytes = randomBytes(1000);
    const { fileId, uploadUrls } = await t.client.createLargeFile(assetId, 'small.bin', undefined, 1, 'OTHER');
    expect(uploadUrls).toHaveLength(1);
    expect((await putBytes(uploadUrls[0] ?? '', bytes)).status).toBe(200);
    expect((await confirm(fileId)).status).toBe(200);
    expect(await assembled(assetId, fileId)).toMatchObject({ state: 'CREATED', file_size: 1000, file_md5: md5(bytes), asset_file_category: 'OTHER' });
  });

  it('refuses part plans outside the limits, naming the limit, and creates nothing', async () => {
    const assetId = await t.client.createAsset();
    const refusals: [Record<string, unknown>, number, string, RegExp][] = [
      [{ file_size: 6 * MiB, file_multipart_count: 2 }, 400, 'MSS.00000003', new RegExp(`under the limit of ${minPartSize}`)],
      [{ file_size: 11 * 1024 * MiB, file_multipart_count: 2 }, 400, 'MSS.00000003', new RegExp(`over the limit of ${maxPartSize}`)],
      [{ file_size: 6 * 1024 * MiB }, 400, 'MSS.00000003', new RegExp(`over the limit of ${maxPartSize}`)],
      [{ file_multipart_count: 2 }, 400, 'MSS.00000003', /file_size is required/],
      [{ file_size: 20 * MiB, file_multipart_count: 101 }, 400, 'MSS.00000003', /file_multipart_count/],
      [{ file_size: 20 * MiB, file_multipart_count: 0 }, 400, 'MSS.00000003', /file_multipart_count/],
      [{ file_size: 0 }, 400, 'MSS.00000003', /file_size/],
      [{ file_size: 536_870_912_001, file_multipart_count: 100 }, 413, 'MSS.10002003', /536870912000/],
      [{ file_size: 10, asset_file_category: 'COVER' }, 400, 'MSS.00000003', /asset_file_category/],
      [{ file_size: 10, file_name: '' }, 400, 'MSS.00000003', /file_name/],
      [{ file_size: 10, file_name: 'noext' }, 400, 'MSS.10001003', /file_type/],
    ];
    for (const [body, status, code, message] of refusals) {
      const res = await create({ asset_id: assetId, file_name: 'big.bin', ...body });
      expect({ body, status: res.status, code: res.body.error_code }).toEqual({ body, status, code });
      expect(res.body.error_msg).toMatch(message);
    }
    expect(((await t.client.ok('GET', `/digital-assets/${assetId}`)) as { files: unknown[] }).files).toEqual([]);
    const missing = await create({ asset_id: 'abcdef0123456789abcdef0123456789', file_name: 'a.bin', file_size: 10 });
    expect(missing.body.error_code).toBe('MSS.10001001');
  });

  it('refuses a part of the wrong size, by its header or by its bytes, and keeps it missing', async () => {
    const assetId = await t.client.createAsset();
    const bytes = twoPartBytes();
    const { fileId, uploadUrls } = await t.client.createLargeFile(assetId, 'big.bin', bytes.length, 2);
    const [first, last] = cutParts(bytes, 2) as [Buffer, Buffer];
    expect((await putBytes(uploadUrls[1] ?? '', last)).status).toBe(200);
    const short = await putBytes(uploadUrls[0] ?? '', first.subarray(1));
    expect(short).toMatchObject({ status: 400, body: { error_code: 'MSS.10002007' } });
    expect(short.body.error_msg).toMatch(/part 1/);
    // Without a Content-Length, the bytes themselves are counted as they stream.
    const streamed = (extra: number) =>
      fetch(uploadUrls[0] ?? '', {
        method: 'PUT',
        body: new ReadableStream({
          start(c) {
            c.enqueue(Buffer.concat([first, Buffer.alloc(extra)]));
            c.close();
          },
        }),
        duplex: 'half',
      });
    const long = await streamed(1);
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error_code: string }).error_code).toBe('MSS.10002007');

    const early = await confirm(fileId);
    expect(early).toMatchObject({ status: 409, body: { error_code: 'MSS.10002008' } });
    expect(early.body.error_msg).toMatch(/part 1 not received/);
    expect(await fileOf(assetId, fileId)).toMatchObject({ state: 'CREATING' });

    expect((await streamed(0)).status).toBe(200);
    expect((await confirm(fileId)).status).toBe(200);
    expect(await assembled(assetId, fileId)).toMatchObject({ state: 'CREATED', file_sha256: sha256(bytes) });
  });

  it('answers 400 when the received parts do not add up to file_size, and leaves the file CREATING', async () => {
    const assetId = await t.client.createAsset();
    const bytes = twoPartBytes();
    const { fileId, uploadUrls } = await t.client.createLargeFile(assetId, 'big.bin', bytes.length, 2);
    const [, last] = cutParts(bytes, 2) as [Buffer, Buffer];
    expect((await putBytes(uploadUrls[1] ?? '', last)).status).toBe(200);
    // A part record whose size disagrees (what a store fault would leave): the confirm checks the sum.
    await t.region.store.largeUploads.startPart(fileId, 1, 'x');
    await t.region.store.largeUploads.finishPart(fileId, 1, 'x', { size: 10, etag: '"x"' });
    const res = await confirm(fileId);
    expect(res).toMatchObject({ status: 400, body: { error_code: 'MSS.10002007' } });
    expect(res.body.error_msg).toMatch(new RegExp(`file_size is ${bytes.length}`));
    expect(await fileOf(assetId, fileId)).toMatchObject({ state: 'CREATING' });
  });

  it('accepts only its own signed part URLs, and none once cancelled', async () => {
    const assetId = await t.client.createAsset();
    const bytes = twoPartBytes();
    const { fileId, uploadUrls } = await t.client.createLargeFile(assetId, 'big.bin', bytes.length, 2);
    const [first] = cutParts(bytes, 2) as [Buffer, Buffer];
    const swapped = (uploadUrls[0] ?? '').replace('part=1', 'part=2');
    expect((await putBytes(swapped, first)).body).toMatchObject({ error_code: 'MSS.10002005' });
    const unsigned = (uploadUrls[0] ?? '').replace(/&part=1/, '');
    expect((await putBytes(unsigned, first)).body).toMatchObject({ error_code: 'MSS.10002005' });
    const beyond = (uploadUrls[0] ?? '').replace('part=1', 'part=101');
    expect((await putBytes(beyond, first)).status).toBe(400);

    const other = await t.addAccount();
    expect((await other.client.call('POST', `/files/${fileId}/complete`, { body: { state: 'CREATED' } })).status).toBe(404);

    expect((await confirm(fileId, 'CANCELLED')).status).toBe(200);
    expect((await putBytes(uploadUrls[0] ?? '', first)).body).toMatchObject({ error_code: 'MSS.10002005' });
    expect(await t.region.store.largeUploads.get(fileId)).toBeUndefined();
  });

  it('frees the MAIN slot when deleted before it is confirmed', async () => {
    const assetId = await t.client.createAsset();
    const { fileId } = await t.client.createLargeFile(assetId, 'big.bin', 10, 1);
    expect((await create({ asset_id: assetId, file_name: 'again.bin', file_size: 10, asset_file_category: 'MAIN' })).body.error_code).toBe('MSS.10001008');
    expect((await t.client.call('DELETE', `/files/${fileId}`)).status).toBe(200);
    expect(await t.region.store.largeUploads.get(fileId)).toBeUndefined();
    expect((await create({ asset_id: assetId, file_name: 'again.bin', file_size: 10, asset_file_category: 'MAIN' })).status).toBe(200);
  });
});

describe('an assembly that fails', () => {
  it('turns the file FAILED with the reason, the asset FAILED, and keeps no bytes', async () => {
    const assetId = await t.client.createAsset();
    const bytes = twoPartBytes();
    await t.region.assembler.stop();
    let fileId: string;
    try {
      fileId = await t.client.addLargeFile(assetId, 'big.bin', bytes, 2);
      // The joined bytes will not match the size on record (what a store that lost bytes would give).
      expect(await t.region.store.updateFile(fileId, { fileSize: bytes.length + 1, updatedAt: isoTime(new Date()) })).toBe(true);
    } finally {
      t.region.assembler.start();
    }
    const file = await assembled(assetId, fileId);
    expect(file).toMatchObject({ state: 'FAILED', reason: expect.stringContaining(`received ${bytes.length} bytes, declared ${bytes.length + 1}`) });
    expect(file.download_url).toBeUndefined();
    const asset = (await t.client.ok('GET', `/digital-assets/${assetId}`)) as { asset_state: string; reason: string };
    expect(asset).toMatchObject({ asset_state: 'FAILED', reason: expect.stringContaining('main file assembly failed') });
    const stored = await t.region.store.findFile(fileId);
    expect(await t.region.blobs.head(stored?.blobKey ?? '')).toBeUndefined();
    expect(await t.region.store.largeUploads.get(fileId)).toBeUndefined();
  });
});

describe('deleting an asset for good', () => {
  it('drops the parts of its large file not yet assembled', async () => {
    const assetId = await t.client.createAsset();
    const bytes = twoPartBytes();
    const { fileId, uploadUrls } = await t.client.createLargeFile(assetId, 'big.bin', bytes.length, 2);
    expect((await putBytes(uploadUrls[1] ?? '', cutParts(bytes, 2)[1] ?? Buffer.alloc(0))).status).toBe(200);
    const upload = await t.region.store.largeUploads.get(fileId);
    const staging = path.join(t.dataDir, 'blobs', '.tmp', 'multipart', upload?.uploadId ?? '');
    if (t.region.blobs.kind === 'disk') expect(existsSync(staging)).toBe(true);
    expect((await t.client.call('DELETE', `/digital-assets/${assetId}`, { query: { mode: 'force' } })).status).toBe(200);
    expect(await t.region.store.largeUploads.get(fileId)).toBeUndefined();
    expect(existsSync(staging)).toBe(false);
  });
});

describe('a crash during assembly', () => {
  /** Confirms a two-part file with the region's worker stopped: its upload waits for assembly. */
  async function confirmedWhileStopped(): Promise<{ assetId: string; fileId: string; bytes: Buffer }> {
    const assetId = await t.client.createAsset();
    const bytes = twoPartBytes();
    await t.region.assembler.stop();
    const fileId = await t.client.addLargeFile(assetId, 'big.bin', bytes, 2);
    return { assetId, fileId, bytes };
  }

  /** What a worker that died holding the lease leaves: the claim (and maybe the join). */
  async function crashedWorker(fileId: string, joined: boolean): Promise<void> {
    const now = new Date();
    const claimed = await t.region.store.largeUploads.claim('dead-worker', isoTime(now), isoTime(new Date(now.getTime() + 300)));
    expect(claimed?.fileId).toBe(fileId);
    if (!joined) return;
    const file = await t.region.store.findFile(fileId);
    const parts = await t.region.store.largeUploads.receivedParts(fileId);
    await t.region.blobs.completeMultipart(file?.blobKey ?? '', claimed?.uploadId ?? '', parts);
  }

  for (const joined of [false, true]) {
    it(`is taken up again once the lease expires (crashed ${joined ? 'after' : 'before'} joining the parts)`, async () => {
      const { assetId, fileId, bytes } = await confirmedWhileStopped();
      try {
        await crashedWorker(fileId, joined);
      } finally {
        t.region.assembler.start();
      }
      const file = await assembled(assetId, fileId);
      expect(file).toMatchObject({ state: 'CREATED', file_size: bytes.length, file_md5: md5(bytes), file_sha256: sha256(bytes) });
      const download = await fetch(file.download_url as string);
      expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    });
  }
});
