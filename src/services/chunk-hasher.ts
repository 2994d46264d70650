import { createHash, type Hash } from 'node:crypto';
import { CHUNK_SIZE } from '../domain/chunks.js';

/**
 * SHA-256 of every `chunkSize` bytes of a stream, fed in the same pass as the stream's other
 * digests (uploads, and any pass that assembles a file).
 */
export class ChunkHasher {
  private readonly done: string[] = [];
  private current: Hash = createHash('sha256');
  private filled = 0;

  constructor(private readonly chunkSize = CHUNK_SIZE) {}

  update(data: Buffer): void {
    let at = 0;
    while (at < data.length) {
      const take = Math.min(this.chunkSize - this.filled, data.length - at);
      this.current.update(take === data.length ? data : data.subarray(at, at + take));
      this.filled += take;
      at += take;
      if (this.filled === this.chunkSize) {
        this.done.push(this.current.digest('hex'));
        this.current = createHash('sha256');
        this.filled = 0;
      }
    }
  }

  /** The hex SHA-256 of each chunk, the last one shorter (none for an empty stream). */
  digest(): string[] {
    if (this.filled > 0) this.done.push(this.current.digest('hex'));
    this.filled = 0;
    return this.done;
  }
}

/** The chunk hashes of a whole stream (a file stored before chunk hashes were kept). */
export async function chunkHashesOf(body: AsyncIterable<unknown>, chunkSize = CHUNK_SIZE): Promise<string[]> {
  const hasher = new ChunkHasher(chunkSize);
  for await (const chunk of body) hasher.update(chunk as Buffer);
  return hasher.digest();
}
