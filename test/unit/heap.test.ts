import { afterEach, describe, expect, it, vi } from 'vitest';

const setFlagsFromString = vi.fn();
vi.mock('node:v8', async (original) => ({ ...(await original<typeof import('node:v8')>()), setFlagsFromString }));

const { boundHeapGrowth, heapGrowingPercent } = await import('../../src/start/heap.js');

describe('boundHeapGrowth', () => {
  afterEach(() => setFlagsFromString.mockClear());

  it('limits how far the old generation grows past the live heap', () => {
    boundHeapGrowth([]);
    expect(setFlagsFromString).toHaveBeenCalledWith(`--heap-growing-percent=${heapGrowingPercent}`);
    expect(heapGrowingPercent).toBeGreaterThan(0);
  });

  it('leaves a value given on the command line alone', () => {
    boundHeapGrowth(['--heap-growing-percent=300']);
    boundHeapGrowth(['--heap_growing_percent=300']);
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });
});
