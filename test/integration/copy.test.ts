import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesIn } from '../helpers/key-ring.js';
import { startTwoRegions, waitForCopy, type TwoRegions } from '../helpers/two-regions.js';

let r: TwoRegions;
beforeAll(async () => {
  r = await startTwoRegions();
});
afterAll(async () => {
  await r.close();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function sourceAsset(files: Record<string, Buffer>, extra: Record<string, unknown> = {}): Promise<string> {
  const c = r.a.client;
  const id = await c.createAsset({ asset_type: 'VIDEO', tags: ['copy'], system_properties: [{ key: 'STYLE_ID', value: 's' }], ...extra });
  let first = true;
  for (const [name, bytes] of Object.entries(files)) {
    await c.addFile(id, name, bytes, first ? 'MAIN' : 'OTHER');
    first = false;
  }
  // The main file's media metadata is in the seal only once it is filled.
  await r.a.region.media.idle();
  return id;
}

async function exportInfo(assetId: string) {
  const res = await r.a.client.call('GET', `/digital-assets/${assetId}/replication-info`);
  expect(res.status).toBe(200);
  return res.body as { asset_id: string; asset_info: string; encryption_info: { algorithm: string; key_id: string; iv: string }; expire_time: number };
}

describe('cross-region copy', () => {
  it('exports sealed replication info in the documented shape', async () => {
    const id = await sourceAsset({ 'main.mp4': randomBytes(1000) });
    const info = await exportInfo(id);
    expect(info.asset_id).toBe(id);
    expect(info.encryption_info).toEqual({ algorithm: 'AES128_GCM', key_id: 'k1', iv: info.asset_info.split(':')[0] });
    expect(Buffer.from(info.encryption_info.iv, 'base64')).toHaveLength(12);
    expect(info.expire_time).toBeGreaterThan(Date.now() / 1000 + 3000);
    expect(info.asset_info).not.toContain('main.mp4');
  });

  it('copies an asset of several files with the same bytes, checksums and metadata', async () => {
    const files = { 'main.mp4': randomBytes(3 * 1024 * 1024 + 5), 'cover.png': randomBytes(1234), 'notes.txt': Buffer.from('hello') };
    const id = await sourceAsset(files, { asset_description: 'to copy' });
    const info = await exportInfo(id);
    const post = await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: info });
    expect(post.status).toBe(200);
    expect(post.body).toEqual({ asset_id: id, asset_state: 'CREATING' });
    expect(post.headers.get('x-request-id')).toBeTruthy();
    const copied = await waitForCopy(r.clientB, id);
    expect(copied.asset_state).toBe('ACTIVED');
    expect(copied.replication).toMatchObject({ source_region: 'cn-north-4', source_asset_id: id, state: 'ACTIVED', files_done: 3, files_total: 3 });
    const source = (await r.a.client.call('GET', `/digital-assets/${id}`)).body;
    for (const key of ['asset_name', 'asset_description', 'asset_type', 'tags', 'system_properties', 'asset_extra_meta']) {
      expect(copied[key]).toEqual(source[key]);
    }
    for (const f of copied.files as { file_name: string; file_sha256: string; download_url: string }[]) {
      const bytes = files[f.file_name as keyof typeof files];
      expect(f.file_sha256).toBe(sha(bytes));
      const got = Buffer.from(await (await fetch(f.download_url)).arrayBuffer());
      expect(sha(got)).toBe(sha(bytes));
    }
    const metrics = await (await fetch(`${r.b.endpoint}/metrics`)).text();
    expect(Number(/assetbridge_copy_bytes_total\{[^}]*\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3 * 1024 * 1024);
    expect(metrics).toMatch(/assetbridge_copy_tasks\{state="ACTIVED"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/assetbridge_copy_duration_seconds_count\{[^}]*\} [1-9]/);
    // Posting again is an idempotent success that changes nothing.
    const again = await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: info });
    expect(again.body).toEqual({ asset_id: id, asset_state: 'ACTIVED' });
  });

  it('copies a one-file asset with one request to the source; the activation records its progress as every file and byte', async () => {
    const bytes = randomBytes(64 * 1024);
    const id = await sourceAsset({ 'main.png': bytes });
    const served = async () => {
      const text = await (await fetch(`${r.a.endpoint}/metrics`)).text();
      return Number(/^assetbridge_http_requests_total\{operation="replication\.file\.serve",status="200"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const before = await served();
    const post = await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: await exportInfo(id) });
    expect(post.status).toBe(200);
    const copied = await waitForCopy(r.clientB, id);
    expect(copied.asset_state).toBe('ACTIVED');
    expect(copied.replication).toMatchObject({ state: 'ACTIVED', files_done: 1, files_total: 1, bytes_done: bytes.length, bytes_total: bytes.length });
    expect(await served()).toBe(before + 1);
    const [file] = copied.files as { download_url: string }[];
    expect(sha(Buffer.from(await (await fetch(file?.download_url ?? '')).arrayBuffer()))).toBe(sha(bytes));
  });

  it('answers 50 concurrent identical posts with one asset and one task', async () => {
    const id = await sourceAsset({ 'main.mp4': randomBytes(2000) });
    const info = await exportInfo(id);
    const results = await Promise.all(Array.from({ length: 50 }, () => r.clientB.call('POST', '/digital-assets-by-replication-info', { body: info })));
    expect(results.map((x) => x.status)).toEqual(Array(50).fill(200));
    const list = await r.clientB.call('GET', '/digital-assets', { query: { asset_id: [id] } });
    expect(list.body.count).toBe(1);
    expect((await waitForCopy(r.clientB, id)).asset_state).toBe('ACTIVED');
  });

  it('refuses tampered, expired, foreign and misdirected replication info, creating nothing', async () => {
    const id = await sourceAsset({ 'main.mp4': randomBytes(100) });
    const info = await exportInfo(id);
    const [ivText, body = ''] = info.asset_info.split(':');
    const flip = (s: string) => `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    const cases: [string, unknown, number, string][] = [
      ['ciphertext byte changed', { ...info, asset_info: `${ivText}:${flip(body)}` }, 400, 'MSS.10003001'],
      ['iv changed in both places', { ...info, asset_info: `${flip(ivText ?? '')}:${body}`, encryption_info: { ...info.encryption_info, iv: flip(ivText ?? '') } }, 400, 'MSS.10003001'],
      ['iv header differs from the prefix', { ...info, encryption_info: { ...info.encryption_info, iv: flip(ivText ?? '') } }, 400, 'MSS.10003001'],
      ['non-canonical base64 (trailing junk)', { ...info, asset_info: `${info.asset_info}A` }, 400, 'MSS.10003001'],
      ['algorithm changed', { ...info, encryption_info: { ...info.encryption_info, algorithm: 'AES256_GCM' } }, 400, 'MSS.10003001'],
      ['unknown key id', { ...info, encryption_info: { ...info.encryption_info, key_id: 'k9' } }, 400, 'MSS.10003002'],
      ['numeric unknown key id', { ...info, encryption_info: { ...info.encryption_info, key_id: 1 } }, 400, 'MSS.10003002'],
      ['another asset id', { ...info, asset_id: 'f'.repeat(32) }, 400, 'MSS.10003004'],
      ['malformed body', { asset_id: id }, 400, 'MSS.00000003'],
    ];
    for (const [name, sent, status, code] of cases) {
      const res = await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: sent });
      expect({ name, status: res.status, code: res.body.error_code }).toEqual({ name, status, code });
    }
    // Another account cannot redeem it.
    const other = await r.a.addAccount();
    const otherB = (await r.a.identity.projects(other.name)).find((p) => p.region === 'ap-southeast-3')?.id ?? '';
    const { ApiClient } = await import('../helpers/api-client.js');
    const foreign = new ApiClient({ endpoint: r.b.endpoint, projectId: otherB, accessKey: other.accessKey, secretKey: other.secretKey });
    const refused = await foreign.call('POST', '/digital-assets-by-replication-info', { body: info });
    expect({ status: refused.status, code: refused.body.error_code }).toEqual({ status: 403, code: 'MSS.10003007' });
    // Region A is not a peer of itself.
    const self = await r.a.client.call('POST', '/digital-assets-by-replication-info', { body: info });
    expect({ status: self.status, code: self.body.error_code }).toEqual({ status: 400, code: 'MSS.10003005' });
    expect((await r.clientB.call('GET', `/digital-assets/${id}`)).status).toBe(404);
  });

  it('refuses capability misuse at the source', async () => {
    const id = await sourceAsset({ 'main.mp4': randomBytes(100), 'b.txt': Buffer.from('bbb') });
    const shown = (await r.a.client.call('GET', `/digital-assets/${id}`)).body;
    const [f1, f2] = shown.files as { file_id: string }[];
    const info = await exportInfo(id);
    // The capability B reads from the info (its stored copy drops it once the copy ends).
    const post = await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: info });
    expect(post.status).toBe(200);
    await waitForCopy(r.clientB, id);
    const cap = capabilitiesIn(r.ringKey, info, 'ap-southeast-3')[f1?.file_id ?? ''] ?? '';
    const url = (file: string) => `${r.a.endpoint}/replication/v1/projects/${r.a.projectId}/files/${file}`;
    const ok = await fetch(url(f1?.file_id ?? ''), { headers: { 'x-replication-capability': cap, 'x-replication-region': 'ap-southeast-3' } });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const otherFile = await fetch(url(f2?.file_id ?? ''), { headers: { 'x-replication-capability': cap, 'x-replication-region': 'ap-southeast-3' } });
    expect(otherFile.status).toBe(403);
    const otherRegion = await fetch(url(f1?.file_id ?? ''), { headers: { 'x-replication-capability': cap, 'x-replication-region': 'eu-west-101' } });
    expect(otherRegion.status).toBe(403);
    const inQuery = await fetch(`${url(f1?.file_id ?? '')}?capability=${cap}`, { headers: { 'x-replication-region': 'ap-southeast-3' } });
    expect(inQuery.status).toBe(403);
    await r.a.client.call('DELETE', `/digital-assets/${id}`);
    const deleted = await fetch(url(f1?.file_id ?? ''), { headers: { 'x-replication-capability': cap, 'x-replication-region': 'ap-southeast-3' } });
    expect(deleted.status).toBe(403);
  });
});
