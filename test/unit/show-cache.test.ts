import { describe, expect, it } from 'vitest';
import { ShowCache } from '../../src/http/show-cache.js';

const clock = { ms: 1_000_000, now() { return new Date(this.ms); } };
const cache = (maxBytes: number, ttl = 3_600) => new ShowCache({ maxBytes, downloadUrlTtlSeconds: ttl, clock });
const body = (n: number) => 'x'.repeat(n);

describe('ShowCache', () => {
  it('serves an entry only under the stamp it was built under', () => {
    const c = cache(1_000_000);
    c.set('p', 'a', 'v1', '{"a":1}', null);
    expect(c.get('p', 'a', 'v2')).toBeUndefined();
    // A stamp that moved on drops the entry: going back to the old stamp finds nothing.
    expect(c.get('p', 'a', 'v1')).toBeUndefined();
    c.set('p', 'a', 'v3', '{"a":3}', 'user');
    expect(c.get('p', 'a', 'v3')).toEqual(expect.objectContaining({ body: '{"a":3}', appUserId: 'user' }));
    expect(c.get('q', 'a', 'v3')).toBeUndefined();
  });

  it('keeps at most its bytes, dropping the least recently used first', () => {
    const c = cache(10_000);
    for (const id of ['a', 'b', 'c']) c.set('p', id, 's', body(500), null);
    expect(c.get('p', 'a', 's')).toBeDefined();
    for (let i = 0; i < 16; i += 1) c.set('p', `n${i}`, 's', body(500), null);
    expect(c.size.bytes).toBeLessThanOrEqual(10_000);
    // `a` was used after `b` and `c` were kept: they went first.
    expect(c.get('p', 'b', 's')).toBeUndefined();
    expect(c.get('p', 'c', 's')).toBeUndefined();
    expect(c.get('p', 'n15', 's')).toBeDefined();
    expect(c.get('p', 'a', 's')).toBeDefined();
  });

  it('keeps no answer larger than a sixteenth of it, and nothing when off', () => {
    const c = cache(16_000);
    c.set('p', 'big', 's', body(2_000), null);
    expect(c.get('p', 'big', 's')).toBeUndefined();
    const off = cache(0);
    expect(off.enabled).toBe(false);
    off.set('p', 'a', 's', '{}', null);
    expect(off.size.entries).toBe(0);
  });

  it('reuses an answer for a tenth of the URL lifetime, at most 60 s', () => {
    const c = cache(1_000_000);
    c.set('p', 'a', 's', '{}', null);
    clock.ms += 59_999;
    expect(c.get('p', 'a', 's')).toBeDefined();
    clock.ms += 1;
    expect(c.get('p', 'a', 's')).toBeUndefined();
    const short = cache(1_000_000, 100);
    short.set('p', 'a', 's', '{}', null);
    clock.ms += 9_999;
    expect(short.get('p', 'a', 's')).toBeDefined();
    clock.ms += 1;
    expect(short.get('p', 'a', 's')).toBeUndefined();
  });
});
