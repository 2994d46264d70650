import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SealedSecretError, SecretBox } from '../../src/services/identity/secret-box.js';

const reasonOf = (open: () => unknown): string | undefined => {
  try {
    open();
    return undefined;
  } catch (err) {
    return err instanceof SealedSecretError ? err.reason : `other: ${String(err)}`;
  }
};

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));
  const sealed = box.seal('purpose', 'the secret');

  it('opens what it sealed, for the same purpose only', () => {
    expect(box.open('purpose', sealed)).toBe('the secret');
    expect(reasonOf(() => box.open('other purpose', sealed))).toBe('wrong_key');
  });

  it('tells a secret sealed under another master key, or altered, from one of unknown format', () => {
    expect(reasonOf(() => new SecretBox(randomBytes(32)).open('purpose', sealed))).toBe('wrong_key');
    const [v, iv, body] = sealed.split('.');
    const flipped = Buffer.from(body ?? '', 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(reasonOf(() => box.open('purpose', `${v}.${iv}.${flipped.toString('base64url')}`))).toBe('wrong_key');
    expect(reasonOf(() => box.open('purpose', 'v2.a.b'))).toBe('unknown_format');
  });
});
