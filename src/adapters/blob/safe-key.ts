import { InvalidBlobKeyError } from '../../ports/blob-store.js';

const segment = /^[A-Za-z0-9._-]+$/;

/** Accepts only relative keys of safe segments: no way out of a store's root. */
export function assertSafeKey(key: string): string {
  if (key.length === 0 || key.length > 1024) throw new InvalidBlobKeyError(key);
  for (const part of key.split('/')) {
    if (!segment.test(part) || part === '.' || part === '..') throw new InvalidBlobKeyError(key);
  }
  return key;
}

/** A listing prefix: '' or safe segments ending in '/'. */
export function assertSafePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  if (!prefix.endsWith('/')) throw new InvalidBlobKeyError(prefix);
  assertSafeKey(prefix.slice(0, -1));
  return prefix;
}
