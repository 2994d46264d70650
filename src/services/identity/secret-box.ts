import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A sealed secret that does not open: `unknown_format`, or `wrong_key` (another master key sealed it, or it was altered). */
export class SealedSecretError extends Error {
  constructor(readonly reason: 'unknown_format' | 'wrong_key') {
    super(reason === 'wrong_key' ? 'sealed secret does not open with this master key' : 'sealed secret has an unknown format');
    this.name = 'SealedSecretError';
  }
}

/**
 * Encrypts secrets at rest (AES-256-GCM under the master key). Format:
 * `v1.<iv b64url>.<ciphertext+tag b64url>`; the purpose string is bound as AAD so a secret
 * of one kind cannot be passed off as another.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('master key must be 32 bytes');
  }

  seal(purpose: string, plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  open(purpose: string, sealed: string): string {
    const [version, ivText, bodyText] = sealed.split('.');
    if (version !== 'v1' || !ivText || !bodyText) throw new SealedSecretError('unknown_format');
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(purpose));
    try {
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      // GCM refuses the tag: another key sealed it, or the bytes were changed.
      throw new SealedSecretError('wrong_key');
    }
  }
}
