import type { Readable } from 'node:stream';

/** What a stored blob looks like from outside. */
export interface BlobStat {
  /** Size in bytes. */
  size: number;
  /** Strong validator, stable for the blob's content (quoted, as sent in an HTTP ETag header). */
  etag: string;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  /** Inclusive; absent means "to the end". */
  end?: number;
}

/** One part of a segmented upload: bytes [start, start + length) of the blob, part number `index + 1`. */
export interface UploadPart {
  index: number;
  start: number;
  length: number;
}

/**
 * A blob written in parts, in any order, by any instance that knows the upload id (kept in
 * the database); visible under its key only once completed, whole.
 * - Disk: one staging file on the blobs' file system, each part written at its offset and
 *   fsynced before `writePart` resolves; `complete` renames it into place.
 * - S3: one multipart upload; a part is durable once UploadPart answered (its ETag).
 * Every part but the last is at least 5 MiB (S3's rule; the caller's segment plan keeps it).
 */
export interface SegmentedUploads {
  /** Starts an upload of a blob of `size` bytes; answers its upload id. */
  begin(key: string, size: number): Promise<string>;
  /** Stores one part from `body` (exactly `part.length` bytes); resolves once durable, with its ETag. */
  writePart(key: string, uploadId: string, part: UploadPart, body: Readable, signal?: AbortSignal): Promise<string>;
  /**
   * Optional (a store that stages parts in a local file): where a part's bytes may be written
   * directly, at `part.start` in `file`, by a writer that flushes them (fdatasync) before the
   * part counts; answers the file and the ETag `writePart` would have answered.
   */
  localPart?(key: string, uploadId: string, part: UploadPart): { file: string; etag: string };
  /** Makes the blob visible from these parts (every part of the blob, by index). */
  complete(key: string, uploadId: string, parts: readonly { index: number; etag: string }[]): Promise<BlobStat>;
  /** Drops an unfinished upload and its parts; idempotent, and a no-op where the server cannot. */
  abort(key: string, uploadId: string): Promise<void>;
}

/**
 * Where file bytes live. Keys are relative, slash-separated names made of
 * `[A-Za-z0-9._-]` segments; an adapter refuses any other key (no escape from its root).
 *
 * Atomicity: `put` makes the blob visible only once every byte has been received and the
 * body stream ended without error. If the body stream errors (for example a verifying
 * transform rejects the bytes), nothing becomes visible under `key` and any previous blob
 * under `key` is left as it was.
 */
export interface BlobStore {
  /** Which adapter this is, for logs and metrics. */
  readonly kind: 'disk' | 's3';
  put(key: string, body: Readable, options?: { contentType?: string }): Promise<BlobStat>;
  /** Streams the blob (or a range of it). Throws BlobNotFoundError when absent. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Undefined when absent. */
  head(key: string): Promise<BlobStat | undefined>;
  /** Idempotent: deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** Moves a blob to a new key (replacing what is there); atomic for readers of `to`. */
  move(from: string, to: string): Promise<void>;
  /** Every key under a prefix (a folder-like prefix ending in `/`, or '' for all). */
  list(prefix: string): AsyncIterable<string>;
  /**
   * Stores a complete local file under `key`, consuming it (the local file is gone afterwards).
   * The disk store renames it into place when it sits on the same file system.
   */
  putFile(key: string, localPath: string): Promise<BlobStat>;
  /**
   * Multipart upload of one blob whose parts arrive separately, in any order, each possibly
   * sent again: nothing is visible under `key` until `completeMultipart`. Returns the upload id.
   */
  beginMultipart(key: string): Promise<string>;
  /**
   * Streams one part (1-based `number`, `size` bytes, starting at byte `offset` of the blob);
   * a second put of a part replaces the first. Returns the part's validator, for `completeMultipart`.
   */
  putPart(key: string, uploadId: string, part: MultipartPart, body: Readable): Promise<{ etag: string }>;
  /** Joins the parts (each named with the validator its put returned) into the blob under `key`. */
  completeMultipart(key: string, uploadId: string, parts: readonly { number: number; etag: string }[]): Promise<BlobStat>;
  /** Drops an unfinished upload and its parts (best effort: some S3-compatible servers cannot). */
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** Blobs written in parts (cross-region copies). */
  readonly segmented: SegmentedUploads;
  /**
   * Removes this store's local scratch files last written before `before` (staged puts, the
   * staging files of segmented and multipart uploads) that crashes or lost cleanups left behind;
   * an upload's staging file stays while `inUse(uploadId)` says its upload is still recorded.
   * Answers how many were removed; a store that stages nothing locally (S3) removes nothing.
   */
  sweepScratch(before: Date, inUse: (uploadId: string) => Promise<boolean>): Promise<number>;
  close?(): Promise<void>;
}

/** One part of a multipart upload. */
export interface MultipartPart {
  /** 1-based. */
  number: number;
  /** Where the part starts in the blob. */
  offset: number;
  size: number;
}

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`blob not found: ${key}`);
    this.name = 'BlobNotFoundError';
  }
}

export class InvalidBlobKeyError extends Error {
  constructor(readonly key: string) {
    super('invalid blob key');
    this.name = 'InvalidBlobKeyError';
  }
}
