import { describe, expect, it } from 'vitest';
import { assertSafeKey, assertSafePrefix } from '../../src/adapters/blob/safe-key.js';
import { InvalidBlobKeyError } from '../../src/ports/blob-store.js';

describe('assertSafeKey', () => {
  it.each(['a', 'a/b', 'p1/f-2/v_3.bin', '...', '.hidden', 'a..b/c', 'x'.repeat(1024)])('accepts %j', (key) => {
    expect(assertSafeKey(key)).toBe(key);
  });

  it.each([
    '',
    '.',
    '..',
    '../x',
    'a/../b',
    'a/./b',
    'a/..',
    '/abs',
    'a//b',
    'a/',
    'a\\b',
    'a b',
    'a%2Fb',
    'ü',
    'a\0b',
    'a\nb',
    'C:x',
    'x'.repeat(1025),
  ])('refuses %j', (key) => {
    expect(() => assertSafeKey(key)).toThrow(InvalidBlobKeyError);
  });

  it('does not echo the key in the message', () => {
    expect(() => assertSafeKey('../secret')).toThrow('invalid blob key');
  });
});

describe('assertSafePrefix', () => {
  it.each(['', 'a/', 'a/b/'])('accepts %j', (prefix) => {
    expect(assertSafePrefix(prefix)).toBe(prefix);
  });

  it.each(['a', '/', '../', 'a//', '/a/'])('refuses %j', (prefix) => {
    expect(() => assertSafePrefix(prefix)).toThrow(InvalidBlobKeyError);
  });
});
