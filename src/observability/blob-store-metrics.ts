import type { Readable } from 'node:stream';
import { BlobNotFoundError, type BlobStat, type BlobStore, type ByteRange, type MultipartPart, type SegmentedUploads } from '../ports/blob-store.js';
import type { Metrics } from './metrics.js';

/** Counts a blob store's failures (a missing blob is an answer, not a failure). */
export class MeteredBlobStore implements BlobStore {
  readonly kind: BlobStore['kind'];

  constructor(
    private readonly inner: BlobStore,
    private readonly metrics: Metrics,
  ) {
    this.kind = inner.kind;
    const up = inner.segmented;
    this.segmented = {
      begin: (key, size) => this.count('put', () => up.begin(key, size)),
      writePart: (key, id, part, body, signal) => this.count('put', () => up.writePart(key, id, part, body, signal)),
      complete: (key, id, parts) => this.count('put', () => up.complete(key, id, parts)),
      abort: (key, id) => this.count('delete', () => up.abort(key, id)),
      // A direct writer's failures surface in the copy (its transport), not here.
      ...(up.localPart ? { localPart: up.localPart.bind(up) } : {}),
    };
  }

  readonly segmented: SegmentedUploads;

  private async count<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof BlobNotFoundError)) this.metrics.blobErrors.inc({ operation });
      throw err;
    }
  }

  put(key: string, body: Readable, options?: { contentType?: string }): Promise<BlobStat> {
    return this.count('put', () => this.inner.put(key, body, options));
  }
  putFile(key: string, localPath: string): Promise<BlobStat> {
    return this.count('put', () => this.inner.putFile(key, localPath));
  }
  get(key: string, range?: ByteRange): Promise<Readable> {
    return this.count('get', () => this.inner.get(key, range));
  }
  head(key: string): Promise<BlobStat | undefined> {
    return this.count('head', () => this.inner.head(key));
  }
  delete(key: string): Promise<void> {
    return this.count('delete', () => this.inner.delete(key));
  }
  move(from: string, to: string): Promise<void> {
    return this.count('move', () => this.inner.move(from, to));
  }
  beginMultipart(key: string): Promise<string> {
    return this.count('multipart', () => this.inner.beginMultipart(key));
  }
  putPart(key: string, uploadId: string, part: MultipartPart, body: Readable): Promise<{ etag: string }> {
    return this.count('put', () => this.inner.putPart(key, uploadId, part, body));
  }
  completeMultipart(key: string, uploadId: string, parts: readonly { number: number; etag: string }[]): Promise<BlobStat> {
    return this.count('multipart', () => this.inner.completeMultipart(key, uploadId, parts));
  }
  abortMultipart(key: string, uploadId: string): Promise<void> {
    return this.count('multipart', () => this.inner.abortMultipart(key, uploadId));
  }
  sweepScratch(before: Date, inUse: (uploadId: string) => Promise<boolean>): Promise<number> {
    return this.count('delete', () => this.inner.sweepScratch(before, inUse));
  }
  list(prefix: string): AsyncIterable<string> {
    return this.inner.list(prefix);
  }
  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
