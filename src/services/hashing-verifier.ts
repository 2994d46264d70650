import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../domain/errors.js';
import { ChunkHasher } from './chunk-hasher.js';

export interface Digests {
  size: number;
  md5Hex: string;
  sha256Hex: string;
  /** SHA-256 of every 16 MiB chunk (see domain/chunks.ts). */
  chunkSha256: string[];
}

/**
 * Passes bytes through while computing size, MD5, SHA-256 and the chunk hashes, and fails the stream (so the
 * blob store keeps nothing) as soon as the size exceeds `expectedSize`, or at the end when
 * size or MD5 differ from what was declared.
 */
export class HashingVerifier extends Transform {
  private readonly md5: Hash = createHash('md5');
  private readonly sha256: Hash = createHash('sha256');
  private readonly chunks = new ChunkHasher();
  private size = 0;
  private result: Digests | undefined;

  constructor(private readonly expected: { size?: number; md5Base64?: string | null }) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.expected.size !== undefined && this.size > this.expected.size) {
      callback(new AppError('contentSizeMismatch', `more than the declared ${this.expected.size} bytes`));
      return;
    }
    this.md5.update(chunk);
    this.sha256.update(chunk);
    this.chunks.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const md5 = this.md5.digest();
    if (this.expected.size !== undefined && this.size !== this.expected.size) {
      callback(new AppError('contentSizeMismatch', `received ${this.size} bytes, declared ${this.expected.size}`));
      return;
    }
    if (this.expected.md5Base64 && md5.toString('base64') !== this.expected.md5Base64) {
      callback(new AppError('contentMd5Mismatch', 'the MD5 of the received bytes differs from file_md5'));
      return;
    }
    this.result = { size: this.size, md5Hex: md5.toString('hex'), sha256Hex: this.sha256.digest('hex'), chunkSha256: this.chunks.digest() };
    callback();
  }

  /** Available once the stream has ended successfully. */
  digests(): Digests {
    if (!this.result) throw new Error('digests read before the stream ended');
    return this.result;
  }
}
