import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Deployment } from '../helpers/deployment.js';

/** Copies between two real region processes over loopback (run one at a time: 2 cores). */
let d: Deployment;
beforeAll(async () => {
  d = await Deployment.create();
  await d.start('a');
  await d.start('b');
  await d.createAccount();
});
afterAll(async () => {
  if (process.env.E2E_DEBUG) console.log('A output:', d.output.a, '\nB output:', d.output.b);
  await d.close();
});

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function makeAsset(files: Record<string, Buffer>): Promise<string> {
  const id = await d.clients.a.createAsset({ asset_type: 'VIDEO', tags: ['e2e'], asset_description: 'copied across processes' });
  let first = true;
  for (const [name, bytes] of Object.entries(files)) {
    await d.clients.a.addFile(id, name, bytes, first ? 'MAIN' : 'OTHER');
    first = false;
  }
  return id;
}

async function postCopy(id: string): Promise<void> {
  const info = await d.clients.a.call('GET', `/digital-assets/${id}/replication-info`);
  expect(info.status).toBe(200);
  const post = await d.clients.b.call('POST', '/digital-assets-by-replication-info', { body: info.body });
  expect(post.status).toBe(200);
}

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

describe('copy between two region processes', () => {
  it('copies an asset of several files, one of 100 MiB: same bytes, checksums and metadata', async () => {
    const files = { 'big.mp4': randomBytes(100 * MiB), 'cover.png': randomBytes(10_000), 'notes.txt': Buffer.from('notes') };
    const id = await makeAsset(files);
    await postCopy(id);
    const copied = await d.waitForAsset('b', id, (a) => a.asset_state !== 'CREATING');
    expect(copied.asset_state).toBe('ACTIVED');
    const source = (await d.clients.a.call('GET', `/digital-assets/${id}`)).body;
    for (const key of ['asset_name', 'asset_description', 'asset_type', 'tags', 'system_properties']) expect(copied[key]).toEqual(source[key]);
    for (const f of copied.files as { file_name: string; file_size: number; file_sha256: string; file_md5: string; download_url: string }[]) {
      const bytes = files[f.file_name as keyof typeof files];
      const got = Buffer.from(await (await fetch(f.download_url)).arrayBuffer());
      expect({ size: got.length, sha: sha(got) }).toEqual({ size: bytes.length, sha: sha(bytes) });
      expect(f.file_md5).toBe(createHash('md5').update(bytes).digest('base64'));
    }
  });

  it('resumes after region B is killed mid-file: A serves less than 1.5x the file', async () => {
    await d.stop('b');
    await d.start('b', { ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: String(25 * MiB) });
    const size = 100 * MiB;
    const id = await makeAsset({ 'big.mp4': randomBytes(size) });
    const servedBefore = await d.metric('a', 'assetbridge_replication_bytes_served_total');
    const sealsBefore = await d.metric('a', 'assetbridge_replication_seals{key_id="k1"');
    await postCopy(id);
    await d.waitForAsset('b', id, (a) => (a.replication?.bytes_done ?? 0) >= 40 * MiB, 60_000);
    await d.stop('b', 'SIGKILL');
    await d.start('b', { ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: String(25 * MiB) });
    const copied = await d.waitForAsset('b', id, (a) => a.asset_state !== 'CREATING');
    expect(copied.asset_state).toBe('ACTIVED');
    expect(copied.replication.bytes_done).toBe(size);
    const served = (await d.metric('a', 'assetbridge_replication_bytes_served_total')) - servedBefore;
    expect(served).toBeGreaterThanOrEqual(size);
    expect(served).toBeLessThan(1.5 * size);
    // One seal for this copy: the restarted region B resumed from the info it had stored.
    expect((await d.metric('a', 'assetbridge_replication_seals{key_id="k1"')) - sealsBefore).toBe(1);
  });

  it('completes after the source region is down for several seconds mid-copy', async () => {
    await d.stop('b');
    // Two streams: the first segments are recorded well before the last ones arrive.
    await d.start('b', { ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: String(20 * MiB), ASSETBRIDGE_COPY_STREAMS_PER_PEER: '2' });
    const bytes = randomBytes(60 * MiB);
    const id = await makeAsset({ 'big.mp4': bytes });
    await postCopy(id);
    await d.waitForAsset('b', id, (a) => (a.replication?.bytes_done ?? 0) >= 16 * MiB, 60_000);
    await d.stop('a', 'SIGKILL');
    // Region B finds the source gone, twice (a few seconds of backoff), and keeps the copy going.
    const during = await d.waitForAsset('b', id, (a) => a.asset_state !== 'CREATING' || a.replication.attempts >= 2, 60_000);
    expect(during.asset_state).toBe('CREATING');
    expect(during.replication.last_error).toEqual(expect.any(String));
    await d.start('a');
    const copied = await d.waitForAsset('b', id, (a) => a.asset_state !== 'CREATING');
    expect(copied.asset_state).toBe('ACTIVED');
    expect(copied.replication.attempts).toBeGreaterThanOrEqual(1);
    const got = Buffer.from(await (await fetch(copied.files[0].download_url as string)).arrayBuffer());
    expect(sha(got)).toBe(sha(bytes));
  });

  it('fails with a checksum failure_code when the source file changed after export, leaving no blob in B', async () => {
    const bytes = randomBytes(2 * MiB);
    const id = await makeAsset({ 'main.mp4': bytes });
    const info = await d.clients.a.call('GET', `/digital-assets/${id}/replication-info`);
    // Change the stored bytes behind region A's back (same size, other content).
    const stored = filesUnder(path.join(d.dataDir('a'), 'blobs', 'files', d.projects.a)).filter((f) => statSync(f).size === bytes.length);
    expect(stored.length).toBeGreaterThan(0);
    for (const f of stored) writeFileSync(f, randomBytes(bytes.length));
    const post = await d.clients.b.call('POST', '/digital-assets-by-replication-info', { body: info.body });
    expect(post.status).toBe(200);
    const failed = await d.waitForAsset('b', id, (a) => a.asset_state !== 'CREATING');
    expect(failed.asset_state).toBe('FAILED');
    expect(failed.replication.failure_code).toBe('checksum_mismatch');
    expect(failed.reason).toMatch(/checksum/);
    // Region B records FAILED first, then removes what the copy stored: wait for that to end.
    const fileId = (failed.files[0]?.file_id as string) ?? 'none';
    await vi.waitFor(
      () => {
        expect(filesUnder(path.join(d.dataDir('b'), 'blobs', 'files', d.projects.b)).filter((f) => f.includes(id) || f.includes(fileId))).toEqual([]);
        // Segment staging files live in the blob store's own scratch folder.
        expect(filesUnder(path.join(d.dataDir('b'), 'blobs', '.tmp'))).toEqual([]);
      },
      { timeout: 30_000, interval: 100 },
    );
  });
});
