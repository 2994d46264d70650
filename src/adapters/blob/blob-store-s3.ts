import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BlobNotFoundError, type BlobStat, type BlobStore, type ByteRange, type MultipartPart, type SegmentedUploads } from '../../ports/blob-store.js';
import { openLocalFile } from './local-file.js';
import { assertSafeKey, assertSafePrefix } from './safe-key.js';

export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Default true: S3-compatible servers rarely do virtual-hosted buckets. */
  forcePathStyle?: boolean;
  /** Prepended verbatim to every key (e.g. `cn-north-4/`). */
  prefix?: string;
  /** Bodies up to this size go in one PutObject, larger ones multipart (default 16 MiB; buffered in memory, so it bounds memory per upload). */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (default 16 MiB, at least 5 MiB). */
  partSizeBytes?: number;
}

const MiB = 1024 * 1024;

/** A missing key (not a missing bucket, which is a configuration error). */
const isNotFound = (err: unknown): boolean => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name === 'NoSuchBucket') return false;
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
};

const toBuffer = (chunk: unknown): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);

/** Pulls chunks until more than `limit` bytes are buffered or the body ends. */
async function readHead(it: AsyncIterator<unknown>, limit: number): Promise<{ chunks: Buffer[]; size: number; ended: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  while (size <= limit) {
    const next = await it.next();
    if (next.done) return { chunks, size, ended: true };
    const chunk = toBuffer(next.value);
    chunks.push(chunk);
    size += chunk.length;
  }
  return { chunks, size, ended: false };
}

/** The buffered head, then the rest of the body; releases the head as it goes. */
async function* resume(chunks: Buffer[], it: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) yield chunk;
  for (let next = await it.next(); !next.done; next = await it.next()) yield toBuffer(next.value);
}

/** Blobs in an S3-compatible bucket. An object is visible only once its upload completed. */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly threshold: number;
  private readonly partSize: number;

  constructor(options: S3BlobStoreOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? true,
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
      // Checksums only where S3 requires them: S3-compatible servers refuse the streaming trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.threshold = options.multipartThresholdBytes ?? 16 * MiB;
    this.partSize = options.partSizeBytes ?? 16 * MiB;
    // S3's own minimum; lib-storage would only complain at the first large upload.
    if (this.partSize < 5 * MiB) throw new RangeError('partSizeBytes must be at least 5 MiB');
  }

  /**
   * Segmented uploads are multipart uploads: parts go up as they arrive, their ETags are kept
   * by the caller (ListParts is never needed, and s3rver lacks it).
   */
  readonly segmented: SegmentedUploads = {
    begin: async (key) => {
      const res = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      if (!res.UploadId) throw new Error('CreateMultipartUpload answered no upload id');
      return res.UploadId;
    },
    writePart: async (key, uploadId, part, body, signal) => {
      try {
        const res = await this.client.send(
          new UploadPartCommand({ Bucket: this.bucket, Key: this.keyOf(key), UploadId: uploadId, PartNumber: part.index + 1, Body: body, ContentLength: part.length }),
          { abortSignal: signal },
        );
        if (!res.ETag) throw new Error(`UploadPart ${part.index + 1} answered no ETag`);
        return res.ETag;
      } catch (err) {
        body.destroy();
        throw err;
      }
    },
    complete: async (key, uploadId, parts) => {
      const Parts = [...parts].sort((a, b) => a.index - b.index).map((p) => ({ PartNumber: p.index + 1, ETag: p.etag }));
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.keyOf(key), UploadId: uploadId, MultipartUpload: { Parts } }));
      const stat = await this.head(key);
      if (!stat) throw new Error(`object ${key} missing right after its upload completed`);
      return stat;
    },
    abort: async (key, uploadId) => {
      try {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.keyOf(key), UploadId: uploadId }));
      } catch (err) {
        // Gone already, or a server without AbortMultipartUpload (s3rver): an unfinished
        // upload stays invisible; on real S3 a lifecycle rule removes what is left.
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        const status = e.$metadata?.httpStatusCode;
        if (!(e.name === 'NoSuchUpload' || status === 404 || status === 501 || status === 405 || e.name === 'NotImplemented')) throw err;
      }
    },
  };

  private keyOf(key: string): string {
    return `${this.prefix}${assertSafeKey(key)}`;
  }

  /** Creates the bucket when missing (local setups and tests). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw err;
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      } catch (createErr) {
        // Another process created it in between.
        if ((createErr as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw createErr;
      }
    }
  }

  async put(key: string, body: Readable, options?: { contentType?: string }): Promise<BlobStat> {
    try {
      const Key = this.keyOf(key);
      const it = body[Symbol.asyncIterator]() as AsyncIterator<unknown>;
      const head = await readHead(it, this.threshold);
      if (head.ended) {
        // The whole body is here: one PutObject, never visible in part.
        const data = Buffer.concat(head.chunks);
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key, Body: data, ContentLength: data.length, ContentType: options?.contentType }),
        );
      } else {
        // lib-storage fails on a body error before CompleteMultipartUpload, so nothing shows.
        const upload = new Upload({
          client: this.client,
          params: { Bucket: this.bucket, Key, Body: Readable.from(resume(head.chunks, it)), ContentType: options?.contentType },
          partSize: this.partSize,
          queueSize: 2,
          // Some S3-compatible servers (s3rver) lack AbortMultipartUpload; an unfinished upload stays invisible.
          leavePartsOnError: true,
        });
        await upload.done();
      }
    } catch (err) {
      // A writer piping into `body` must not stall on a store that stopped reading.
      body.destroy();
      throw err;
    }
    const stat = await this.head(key);
    if (!stat) throw new Error(`object ${key} missing right after upload`);
    return stat;
  }

  async putFile(key: string, localPath: string): Promise<BlobStat> {
    // The key is checked before the file is opened, so a refusal leaves no stream behind.
    this.keyOf(key);
    const stat = await this.put(key, await openLocalFile(localPath));
    await rm(localPath, { force: true });
    return stat;
  }

  async beginMultipart(key: string): Promise<string> {
    const res = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
    if (!res.UploadId) throw new Error('S3 CreateMultipartUpload returned no upload id');
    return res.UploadId;
  }

  async putPart(key: string, uploadId: string, part: MultipartPart, body: Readable): Promise<{ etag: string }> {
    // A body that fails (too few or too many bytes) ends the request: the SDK would wait for the rest.
    const abort = new AbortController();
    const onError = (err: unknown) => abort.abort(err);
    body.once('error', onError);
    try {
      // Streamed as it arrives: the length is known, so nothing is buffered.
      const res = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: this.keyOf(key), UploadId: uploadId, PartNumber: part.number, Body: body, ContentLength: part.size }),
        { abortSignal: abort.signal },
      );
      if (!res.ETag) throw new Error(`S3 UploadPart ${part.number} returned no ETag`);
      return { etag: res.ETag };
    } catch (err) {
      body.destroy();
      throw err;
    } finally {
      body.off('error', onError);
    }
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly { number: number; etag: string }[]): Promise<BlobStat> {
    const Parts = [...parts].sort((a, b) => a.number - b.number).map((p) => ({ PartNumber: p.number, ETag: p.etag }));
    await this.client.send(
      new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.keyOf(key), UploadId: uploadId, MultipartUpload: { Parts } }),
    );
    const stat = await this.head(key);
    if (!stat) throw new Error(`object ${key} missing right after CompleteMultipartUpload`);
    return stat;
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.keyOf(key), UploadId: uploadId }));
    } catch (err) {
      // Some S3-compatible servers (s3rver) lack AbortMultipartUpload: an unfinished upload stays invisible.
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 404 && status !== 501 && status !== 405) throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(key),
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      );
      if (!(res.Body instanceof Readable)) throw new Error('S3 GetObject returned no stream body');
      return res.Body;
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(key);
      throw err;
    }
  }

  async head(key: string): Promise<BlobStat | undefined> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      return { size: res.ContentLength ?? 0, etag: res.ETag ?? '""' };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.keyOf(from);
    const target = this.keyOf(to);
    if (source === target) {
      // S3 refuses a copy onto itself, and the delete would then lose the blob.
      if (!(await this.head(from))) throw new BlobNotFoundError(from);
      return;
    }
    const copySource = `${this.bucket}/${source.split('/').map(encodeURIComponent).join('/')}`;
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: target, CopySource: copySource }));
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(from);
      throw err;
    }
    await this.delete(from);
  }

  async *list(prefix: string): AsyncIterable<string> {
    const Prefix = `${this.prefix}${assertSafePrefix(prefix)}`;
    let token: string | undefined;
    do {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken: token }));
      for (const item of res.Contents ?? []) if (item.Key) yield item.Key.slice(this.prefix.length);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  /** Nothing is staged locally: parts go to the bucket (an AbortIncompleteMultipartUpload rule removes stale ones). */
  async sweepScratch(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
