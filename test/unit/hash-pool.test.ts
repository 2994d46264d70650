import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { HashPool } from '../../src/services/replication/hash-pool.js';

const pool = new HashPool(2);
afterAll(() => pool.close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Feeds `bytes` to a session in chunks of the given sizes (cycled), as a download would. */
async function hashInChunks(bytes: Buffer, sizes: number[]): Promise<string> {
  const session = pool.session();
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    await session.update(bytes.subarray(at, at + size));
    at += size;
  }
  return session.digest();
}

describe('the hash pool', () => {
  it('hashes like createHash whatever the chunking: odd sizes across the ring\'s wrap, chunks larger than the ring, many sessions at once', async () => {
    const inputs = [randomBytes(9 * 1024 * 1024 + 7), randomBytes(5 * 1024 * 1024 + 1), randomBytes(300), Buffer.alloc(0)];
    const chunkings = [[65_536], [1, 16_384, 99_999, 7], [3 * 1024 * 1024 + 5], [262_144, 262_143]];
    const runs = inputs.flatMap((bytes) => chunkings.map(async (sizes) => ({ got: await hashInChunks(bytes, sizes), want: sha(bytes) })));
    for (const { got, want } of await Promise.all(runs)) expect(got).toBe(want);
  });

  it('reuses a finished session\'s ring: later sessions hash right', async () => {
    for (let i = 0; i < 6; i++) {
      const bytes = randomBytes(2 * 1024 * 1024 + i);
      expect(await hashInChunks(bytes, [40_000])).toBe(sha(bytes));
    }
    const dropped = pool.session();
    await dropped.update(randomBytes(1000));
    dropped.discard();
    const bytes = randomBytes(1024 * 1024);
    expect(await hashInChunks(bytes, [65_536])).toBe(sha(bytes));
  });
});
