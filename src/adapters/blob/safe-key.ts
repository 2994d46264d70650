import { InvalidBlobKeyError } from '../../ports/blob-store.js';

const maxKeyLength = 1024;
const segment = /^[A-Za-z0-9._-]+$/;

/** Accepts only relative keys of safe segments (no way out of a store's root); returns the key. */
export function assertSafeKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > maxKeyLength) throw new InvalidBlobKeyError(String(key));
  // Splitting on '/' turns a leading slash or '//' into an empty segment, which the regex refuses.
  for (const part of key.split('/')) {
    if (!segment.test(part) || part === '.' || part === '..') throw new InvalidBlobKeyError(key);
  }
  return key;
}

/** A listing prefix: '' or safe segments ending in '/'; returns the prefix. */
export function assertSafePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  if (!prefix.endsWith('/')) throw new InvalidBlobKeyError(prefix);
  assertSafeKey(prefix.slice(0, -1));
  return prefix;
}
