import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chunkCount, MIN_PART_SIZE, planSegments } from '../../src/domain/chunks.js';
import { ChunkHasher, chunkHashesOf } from '../../src/services/chunk-hasher.js';
import { parseManifest } from '../../src/services/replication/manifest.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('chunk hashes', () => {
  it('hashes every chunk whatever the buffers it is fed', async () => {
    const data = randomBytes(10_000);
    const expected = [sha(data.subarray(0, 4096)), sha(data.subarray(4096, 8192)), sha(data.subarray(8192))];
    const hasher = new ChunkHasher(4096);
    // Uneven pieces that straddle chunk boundaries.
    for (let at = 0; at < data.length; at += 1_000 + (at % 7)) hasher.update(data.subarray(at, Math.min(data.length, at + 1_000 + (at % 7))));
    expect(hasher.digest()).toEqual(expected);
    expect(await chunkHashesOf(Readable.from([data.subarray(0, 5000), data.subarray(5000)]), 4096)).toEqual(expected);
  });

  it('gives an exact multiple whole chunks and an empty stream none', async () => {
    const data = randomBytes(8192);
    expect(await chunkHashesOf(Readable.from([data]), 4096)).toEqual([sha(data.subarray(0, 4096)), sha(data.subarray(4096))]);
    expect(await chunkHashesOf(Readable.from([]), 4096)).toEqual([]);
    expect(chunkCount(8192, 4096)).toBe(2);
    expect(chunkCount(8193, 4096)).toBe(3);
  });
});

describe('segment plan', () => {
  it('cuts fixed segments, only the last one shorter, and every part but the last is at least 5 MiB', () => {
    for (const size of [0, 1, MIN_PART_SIZE, 16 * 1024 * 1024, 16 * 1024 * 1024 + 1, 100 * 1024 * 1024 + 17]) {
      const plan = planSegments(size);
      expect(plan[0]?.start).toBe(0);
      expect(plan.at(-1)?.end).toBe(size);
      plan.forEach((s, i) => {
        expect(s.index).toBe(i);
        if (i > 0) expect(s.start).toBe(plan[i - 1]?.end);
        if (i < plan.length - 1) expect(s.end - s.start).toBeGreaterThanOrEqual(MIN_PART_SIZE);
      });
    }
    expect(planSegments(40 * 1024 * 1024).map((s) => s.end - s.start)).toEqual([16, 16, 8].map((m) => m * 1024 * 1024));
  });
});

describe('manifest versions', () => {
  const file = { id: 'a'.repeat(32), category: 'MAIN', name: 'x.mp4', type: 'mp4', size: 20 * 1024 * 1024, md5: 'b'.repeat(32), sha256: 'c'.repeat(64), caps: {} };
  const base = { tid: 't', exp: 1, cap_exp: 2, src: { region: 'r', account: 'a', project: 'p', asset: 'x' }, meta: { asset_name: 'n', asset_type: 'VIDEO' } };
  const text = (m: unknown) => JSON.stringify(m);

  it('opens version 2 with one chunk hash per 16 MiB, and version 1 without', () => {
    const chunks = ['d'.repeat(64), 'e'.repeat(64)];
    expect(parseManifest(text({ ...base, v: 2, chunk_size: 16 * 1024 * 1024, files: [{ ...file, chunks }] }))?.files[0]?.chunks).toEqual(chunks);
    expect(parseManifest(text({ ...base, v: 1, files: [file] }))?.v).toBe(1);
  });

  it('refuses a v2 manifest whose chunk hashes do not fit the file, or another chunk size', () => {
    const v2 = { ...base, v: 2, chunk_size: 16 * 1024 * 1024 };
    expect(parseManifest(text({ ...v2, files: [{ ...file, chunks: ['d'.repeat(64)] }] }))).toBeUndefined();
    expect(parseManifest(text({ ...v2, files: [{ ...file, chunks: ['d'.repeat(64), 'not hex'] }] }))).toBeUndefined();
    expect(parseManifest(text({ ...v2, files: [file] }))).toBeUndefined();
    expect(parseManifest(text({ ...v2, chunk_size: 1024, files: [{ ...file, chunks: ['d'.repeat(64), 'e'.repeat(64)] }] }))).toBeUndefined();
    expect(parseManifest(text({ ...base, v: 3, files: [] }))).toBeUndefined();
  });
});
