import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { md5Base64 } from '../helpers/api-client.js';
import { testBackend } from '../helpers/backend.js';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

let t: TestRegion;
beforeAll(async () => {
  t = await startTestRegion();
});
afterAll(async () => {
  await t.close();
});

const bytes = randomBytes(256 * 1024 + 7);

async function assetWithDeclaredFile(data = bytes) {
  const assetId = await t.client.createAsset();
  const file = await t.client.createFile(assetId, 'clip.mp4', data);
  return { assetId, ...file };
}

/**
 * Sends part of a body and, once the server is storing it, destroys the socket. Resolves with
 * how the server's upload ended.
 */
async function cutUpload(url: string, total: number, part: Buffer): Promise<PromiseSettledResult<void>> {
  const upload = vi.spyOn(t.region.files, 'upload');
  const put = vi.spyOn(t.region.blobs, 'put');
  try {
    const req = request(url, { method: 'PUT', headers: { 'content-length': String(total), 'content-type': 'video/mp4' } });
    req.on('error', () => {});
    req.write(part);
    await vi.waitFor(() => expect(put).toHaveBeenCalled(), { timeout: 10_000 });
    req.destroy();
    const [outcome] = await Promise.allSettled([upload.mock.results[0]?.value as Promise<void>]);
    return outcome;
  } finally {
    upload.mockRestore();
    put.mockRestore();
  }
}

describe('upload and download', () => {
  it('runs on the storage the suite was asked for', () => {
    expect(t.region.blobs.kind).toBe(testBackend() === 'postgres' ? 's3' : 'disk');
  });

  it('streams an upload of any Content-Type, stores MD5 and SHA-256, and serves ranges with a strong ETag', async () => {
    const { assetId, fileId, uploadUrl } = await assetWithDeclaredFile();
    const put = await fetch(uploadUrl, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/x-whatever', 'content-md5': md5Base64(bytes) } });
    expect(put.status).toBe(200);
    expect(put.headers.get('x-request-id')).toBeTruthy();
    await t.client.call('POST', `/files/${fileId}/complete`, { body: { state: 'CREATED' } });
    const shown = await t.client.call('GET', `/digital-assets/${assetId}`);
    const file = shown.body.files[0];
    expect(file.file_sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(file.file_md5).toBe(md5Base64(bytes));
    const url = file.download_url as string;
    const full = await fetch(url);
    const etag = full.headers.get('etag');
    expect(etag).toBe(`"${file.file_sha256 as string}"`);
    expect(Buffer.from(await full.arrayBuffer()).equals(bytes)).toBe(true);

    const part = await fetch(url, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
    const tail = await fetch(url, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10))).toBe(true);
    const open = await fetch(url, { headers: { range: `bytes=${bytes.length - 5}-` } });
    expect((await open.arrayBuffer()).byteLength).toBe(5);
    const stale = await fetch(url, { headers: { range: 'bytes=0-9', 'if-range': '"other"' } });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
    const fresh = await fetch(url, { headers: { range: 'bytes=0-9', 'if-range': etag ?? '' } });
    expect(fresh.status).toBe(206);
    await fresh.arrayBuffer();
    const beyond = await fetch(url, { headers: { range: `bytes=${bytes.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
  });

  it('refuses a wrong Content-MD5, wrong bytes or a wrong size, keeps nothing, and accepts a retry on the same URL', async () => {
    const { fileId, uploadUrl } = await assetWithDeclaredFile();
    const keysBefore = await blobKeys();
    const wrongHeader = await fetch(uploadUrl, { method: 'PUT', body: bytes, headers: { 'content-md5': md5Base64(Buffer.from('x')) } });
    expect(wrongHeader.status).toBe(400);
    expect(((await wrongHeader.json()) as { error_code: string }).error_code).toBe('MSS.10002006');
    const other = Buffer.from(bytes);
    other[10] = (other[10] ?? 0) ^ 1;
    const wrongBytes = await fetch(uploadUrl, { method: 'PUT', body: other });
    expect(wrongBytes.status).toBe(400);
    expect(((await wrongBytes.json()) as { error_code: string }).error_code).toBe('MSS.10002006');
    const short = await fetch(uploadUrl, { method: 'PUT', body: bytes.subarray(1) });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error_code: string }).error_code).toBe('MSS.10002007');
    const confirm = await t.client.call('POST', `/files/${fileId}/complete`, { body: { state: 'CREATED' } });
    expect(confirm.status).toBe(409);
    expect(confirm.body.error_code).toBe('MSS.10002008');
    expect(await blobKeys()).toEqual(keysBefore);
    const ok = await fetch(uploadUrl, { method: 'PUT', body: bytes });
    expect(ok.status).toBe(200);
    expect((await t.client.call('POST', `/files/${fileId}/complete`, { body: { state: 'CREATED' } })).status).toBe(200);
    const again = await fetch(uploadUrl, { method: 'PUT', body: bytes });
    expect(again.status).toBe(403);
  });

  it('leaves no visible file and no asset change when an upload is cut off mid-stream', async () => {
    const { assetId, fileId, uploadUrl } = await assetWithDeclaredFile();
    const before = await t.client.call('GET', `/digital-assets/${assetId}`);
    const keysBefore = await blobKeys();
    const outcome = await cutUpload(uploadUrl, bytes.length, bytes.subarray(0, 64 * 1024));
    expect(outcome.status).toBe('rejected');
    const after = await t.client.call('GET', `/digital-assets/${assetId}`);
    expect(after.body).toEqual(before.body);
    expect(after.body.files[0].state).toBe('CREATING');
    expect(await blobKeys()).toEqual(keysBefore);
    const confirm = await t.client.call('POST', `/files/${fileId}/complete`, { body: { state: 'CREATED' } });
    expect(confirm.body.error_code).toBe('MSS.10002008');
  });

  it('refuses tampered or expired signed URLs', async () => {
    const { uploadUrl } = await assetWithDeclaredFile();
    const u = new URL(uploadUrl);
    const sig = u.searchParams.get('signature') ?? '';
    u.searchParams.set('signature', `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`);
    expect((await fetch(u, { method: 'PUT', body: bytes })).status).toBe(403);
    const v = new URL(uploadUrl);
    v.searchParams.set('expires', String(Number(v.searchParams.get('expires')) + 1));
    expect((await fetch(v, { method: 'PUT', body: bytes })).status).toBe(403);
    const w = new URL(uploadUrl);
    w.pathname = w.pathname.replace('/upload/', '/download/');
    expect((await fetch(w)).status).toBe(403);
  });
});

async function blobKeys(): Promise<string[]> {
  const keys: string[] = [];
  // The store is the region's own: list everything under files/.
  for await (const key of t.region.blobs.list('files/')) keys.push(key);
  return keys.sort();
}
