import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeyRing } from '../../src/services/replication/key-ring.js';
import { parseManifest } from '../../src/services/replication/manifest.js';
import { openInfo, type SealedInfo } from '../../src/services/replication/seal.js';
import { startTwoRegions, waitForCopy, type TwoRegions } from '../helpers/two-regions.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const chunksOf = (b: Buffer) => Array.from({ length: Math.ceil(b.length / (16 * MiB)) }, (_, i) => sha(b.subarray(i * 16 * MiB, (i + 1) * 16 * MiB)));

let p: TwoRegions;
beforeAll(async () => {
  p = await startTwoRegions();
});
afterAll(async () => {
  await p.close();
});

async function exported(assetId: string) {
  const res = await p.a.client.call('GET', `/digital-assets/${assetId}/replication-info`);
  expect(res.status).toBe(200);
  const info = res.body as SealedInfo;
  const opened = openInfo(parseKeyRing({ active: 'k1', keys: { k1: p.ringKey } }), info);
  if (!opened.ok) throw new Error(opened.reason);
  return { info, manifest: parseManifest(opened.plaintext.toString('utf8')) };
}

describe('chunk hashes', () => {
  it('are computed while a file uploads, sealed in a v2 manifest, and kept by the copy', async () => {
    const bytes = randomBytes(20 * MiB + 3);
    const assetId = await p.a.client.createAsset({ asset_type: 'VIDEO' });
    const fileId = await p.a.client.addFile(assetId, 'big.mp4', bytes);
    expect((await p.a.region.store.getFile(p.a.projectId, fileId))?.chunkSha256).toEqual(chunksOf(bytes));
    const { info, manifest } = await exported(assetId);
    expect(manifest?.v).toBe(2);
    expect(manifest?.chunk_size).toBe(16 * MiB);
    expect(manifest?.files[0]?.chunks).toEqual(chunksOf(bytes));
    expect((await p.clientB.call('POST', '/digital-assets-by-replication-info', { body: info })).status).toBe(200);
    expect((await waitForCopy(p.clientB, assetId)).asset_state).toBe('ACTIVED');
    // Region B keeps them, so it can be a source in turn.
    expect((await p.b.region.store.getFile(p.projectB, fileId))?.chunkSha256).toEqual(chunksOf(bytes));
  });

  it('of a file stored before they were kept are computed at export and kept', async () => {
    const bytes = randomBytes(3 * MiB);
    const assetId = await p.a.client.createAsset({ asset_type: 'VIDEO' });
    const fileId = await p.a.client.addFile(assetId, 'old.mp4', bytes);
    const before = await p.a.region.store.getFile(p.a.projectId, fileId);
    await p.a.region.store.updateFile(fileId, { chunkSha256: null, updatedAt: before?.updatedAt ?? '' });
    expect((await p.a.region.store.getFile(p.a.projectId, fileId))?.chunkSha256).toBeNull();
    const { manifest } = await exported(assetId);
    expect(manifest?.files[0]?.chunks).toEqual([sha(bytes)]);
    expect((await p.a.region.store.getFile(p.a.projectId, fileId))?.chunkSha256).toEqual([sha(bytes)]);
  });
});
