import { describe, expect, it } from 'vitest';
import { maxPartSize, minPartSize, partRange, planParts } from '../../src/domain/large-file.js';

describe('planParts', () => {
  it('cuts every part but the last at ceil(file_size / count)', () => {
    const plan = planParts(3 * minPartSize + 2, 3);
    expect(plan).toEqual({ partCount: 3, partSize: minPartSize + 1, fileSize: 3 * minPartSize + 2 });
    if ('refused' in plan) return;
    expect([1, 2, 3].map((n) => partRange(plan, n))).toEqual([
      { offset: 0, size: minPartSize + 1 },
      { offset: minPartSize + 1, size: minPartSize + 1 },
      { offset: 2 * minPartSize + 2, size: minPartSize },
    ]);
  });

  it('allows a single part under 5 MiB, and one of unknown size', () => {
    expect(planParts(10, 1)).toEqual({ partCount: 1, partSize: 10, fileSize: 10 });
    const unknown = planParts(undefined, 1);
    expect(unknown).toEqual({ partCount: 1, partSize: 0 });
    if (!('refused' in unknown)) expect(partRange(unknown, 1)).toEqual({ offset: 0, size: undefined });
  });

  it('refuses parts under 5 MiB (several parts), over 5 GiB, and a missing size', () => {
    expect(planParts(2 * minPartSize - 2, 2)).toEqual({ refused: expect.stringContaining(`under the limit of ${minPartSize}`) });
    expect(planParts(maxPartSize + 1, 1)).toEqual({ refused: expect.stringContaining(`over the limit of ${maxPartSize}`) });
    expect(planParts(2 * maxPartSize + 1, 2)).toEqual({ refused: expect.stringContaining(`over the limit of ${maxPartSize}`) });
    expect(planParts(undefined, 2)).toEqual({ refused: expect.stringContaining('file_size is required') });
    expect(planParts(9, 4)).toEqual({ refused: expect.stringContaining('under the limit') });
    expect(planParts(minPartSize * 3, 4)).toEqual({ refused: expect.stringContaining('under the limit') });
  });
});
