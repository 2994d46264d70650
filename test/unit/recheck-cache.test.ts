import { describe, expect, it } from 'vitest';
import { RecheckCache } from '../../src/services/identity/recheck-cache.js';

/** The identity lookups a region remembers: re-read once the bound has passed, never later. */
describe('RecheckCache', () => {
  const setup = (maxEntries = 10) => {
    let now = 1_000_000;
    const reads: string[] = [];
    const values = new Map<string, string | undefined>([['a', 'a1'], ['b', 'b1'], ['c', 'c1']]);
    const cache = new RecheckCache<string | undefined>({ ttlMs: 2_000, maxEntries, nowMs: () => now });
    const get = (key: string) =>
      cache.get(key, () => {
        reads.push(key);
        return Promise.resolve(values.get(key));
      }, (v) => v !== undefined);
    return { get, reads, values, advance: (ms: number) => (now += ms), back: (ms: number) => (now -= ms) };
  };

  it('answers from memory within the bound and reads again once it passed', async () => {
    const c = setup();
    expect(await c.get('a')).toBe('a1');
    c.values.set('a', 'a2');
    c.advance(1_999);
    expect(await c.get('a')).toBe('a1');
    c.advance(1);
    expect(await c.get('a')).toBe('a2');
    expect(c.reads).toEqual(['a', 'a']);
  });

  it('never remembers what `keep` refuses (an unknown key is read every time)', async () => {
    const c = setup();
    expect(await c.get('nobody')).toBeUndefined();
    c.values.set('nobody', 'created');
    expect(await c.get('nobody')).toBe('created');
    expect(c.reads).toEqual(['nobody', 'nobody']);
  });

  it('reads again when the clock went back, and keeps at most maxEntries (oldest out first)', async () => {
    const c = setup(2);
    await c.get('a');
    c.back(10);
    await c.get('a');
    await c.get('b');
    await c.get('c');
    await c.get('c');
    await c.get('b');
    await c.get('a');
    expect(c.reads).toEqual(['a', 'a', 'b', 'c', 'a']);
  });

  it('answers a remembered value at once (no promise), a value it must read through a promise', async () => {
    let now = 0;
    const cache = new RecheckCache<string>({ ttlMs: 2_000, maxEntries: 10, nowMs: () => now });
    const load = () => Promise.resolve('a1');
    const first = cache.lookup('a', load);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe('a1');
    expect(cache.lookup('a', load)).toBe('a1');
    now += 2_000;
    expect(cache.lookup('a', load)).toBeInstanceOf(Promise);
  });
});
