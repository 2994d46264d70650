import { setMaxListeners } from 'node:events';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { planSegments, type Segment } from '../../domain/chunks.js';
import type { CopyFileProgress, CopySegment, CopyTask, ManifestFile } from '../../domain/copy-task.js';
import type { BlobStore, SegmentedUploads } from '../../ports/blob-store.js';
import type { CopyTaskStore } from '../../ports/copy-task-store.js';
import { SourceChangedError, type PeerRangeRequest, type PeerTransport } from '../../ports/peer-transport.js';
import type { HashSession } from './hash-pool.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Semaphore } from './semaphore.js';

/** A copied file whose bytes do not match the sealed hashes even after one fresh download. */
export class ChecksumFault extends Error {
  constructor(readonly failureCode: 'checksum_mismatch' | 'size_mismatch', message: string) {
    super(message);
    this.name = 'ChecksumFault';
  }
}

/** Raised when the task's lease was lost: stop without writing anything more. */
export class LostLeaseError extends Error {
  constructor() {
    super('lease lost');
    this.name = 'LostLeaseError';
  }
}

/** Everything one run of a copy needs; the I/O is behind ports (fakes in unit tests). */
export interface SegmentCopyRun {
  task: Pick<CopyTask, 'projectId' | 'assetId' | 'epoch' | 'sourceProjectId'>;
  /** The files still to copy. */
  files: readonly ManifestFile[];
  /** What is recorded so far: per file, and every stored segment. */
  progress: ReadonlyMap<string, CopyFileProgress>;
  segments: readonly CopySegment[];
  /** The source's endpoint and this region's name. */
  endpoint: string;
  region: string;
  transport: PeerTransport;
  blobs: BlobStore;
  store: Pick<CopyTaskStore, 'recordUpload' | 'recordSegment' | 'recordProgress'>;
  /** Hash sessions; given the segment's length, a pool may hash a small one on the calling thread. */
  hashes: { session(bytes?: number): HashSession };
  /** Streams open to this peer, shared by every copy from it. */
  streams: Semaphore;
  /** Segments of this run in flight at once. */
  lanes: number;
  limiter: RateLimiter;
  blobKey(fileId: string): string;
  signal: AbortSignal;
  onBytes?: (n: number) => void;
  /**
   * The caller activates the copy in one transaction right after this run, recording every file
   * as done there: a run of one whole file then records nothing of its own (a crash before the
   * activation fetches that one file again, at most one chunk).
   */
  activatesAfter?: boolean;
}

interface Job {
  file: ManifestFile;
  segment: Segment;
  /** The hex SHA-256 the segment's bytes must have. */
  expected: string;
  /** A file moved in one request and stored with one put (no segmented upload). */
  whole: boolean;
}

/** A file of more than one chunk moves in segments; other files (and v1 manifests) in one request. */
export const isSegmented = (f: ManifestFile): boolean => (f.chunks?.length ?? 0) > 1;

class LengthExceeded extends Error {}

/**
 * Buffer of each stage a segment's bytes pass (network, hash, store). Node's 16 KiB default is
 * below one network chunk (64 KiB), so every chunk met backpressure at every stage.
 */
const stageBytes = 256 * 1024;

/**
 * Copies a run's files: every segment over its own ranged request (at most `lanes` at once,
 * within and across files, under the peer's stream cap), hashed off the event loop as it
 * arrives and checked against the sealed chunk hash, stored durably, and only then recorded.
 * Where the transport and the store allow it (disk), a segment's receiving, hashing, writing
 * and flushing all happen in the transport's worker thread: the event loop sends the request
 * and records the outcome.
 * A segment that fails its hash is fetched once more; a second failure is `checksum_mismatch`.
 * The first failure of any segment aborts every other one, and the run ends only once all
 * have stopped: nothing of this run writes after it returned.
 */
export async function copySegments(run: SegmentCopyRun): Promise<void> {
  const abort = new AbortController();
  // Every segment in flight listens on it (request, pipeline, store, stream slot).
  setMaxListeners(0, abort.signal);
  const stop = () => abort.abort(run.signal.reason);
  if (run.signal.aborted) stop();
  run.signal.addEventListener('abort', stop, { once: true });
  const recorded = new Map<string, Map<number, string>>();
  for (const s of run.segments) {
    let parts = recorded.get(s.fileId);
    if (!parts) recorded.set(s.fileId, (parts = new Map<number, string>()));
    parts.set(s.index, s.etag);
  }
  const uploads = new Map<string, Promise<string>>();
  const queue: Job[] = [];
  for (const file of run.files) {
    if (!isSegmented(file)) {
      queue.push({ file, segment: { index: 0, start: 0, end: file.size }, expected: file.sha256, whole: true });
      continue;
    }
    const done = recorded.get(file.id);
    for (const segment of planSegments(file.size)) {
      if (!done?.has(segment.index)) queue.push({ file, segment, expected: file.chunks?.[segment.index] ?? '', whole: false });
    }
  }

  // The only job of a run the caller activates at once: the activation records it.
  const only = queue.length === 1 ? queue[0] : undefined;
  const unrecorded = run.activatesAfter && only?.whole ? only : undefined;
  const ctx: Ctx = { run, signal: abort.signal, recorded, uploads, unrecorded };
  let failure: Error | undefined;
  const lane = async () => {
    for (let job = queue.shift(); job && !abort.signal.aborted; job = queue.shift()) {
      try {
        await moveSegment(ctx, job);
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
        abort.abort(failure);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(run.lanes, queue.length)) }, lane));
    if (failure !== undefined) throw failure;
    abort.signal.throwIfAborted();
    for (const file of run.files.filter(isSegmented)) await completeFile(ctx, file);
  } finally {
    run.signal.removeEventListener('abort', stop);
  }
}

type Ctx = {
  run: SegmentCopyRun;
  signal: AbortSignal;
  recorded: Map<string, Map<number, string>>;
  uploads: Map<string, Promise<string>>;
  /** A job whose file the caller's activation records (see `activatesAfter`). */
  unrecorded?: Job;
};

async function moveSegment(ctx: Ctx, job: Job): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if (await transferOnce(ctx, job)) return;
    if (attempt >= 1) {
      const where = job.whole ? '' : ` segment ${job.segment.index}`;
      throw new ChecksumFault('checksum_mismatch', `file ${job.file.id}${where}: checksum mismatch after a fresh download`);
    }
  }
}

/** The file's segmented upload: the recorded one, or a new one recorded before any part goes to it. */
function uploadOf(ctx: Ctx, file: ManifestFile): Promise<string> {
  let upload = ctx.uploads.get(file.id);
  if (!upload) {
    const known = ctx.run.progress.get(file.id)?.uploadId;
    upload = known
      ? Promise.resolve(known)
      : (async () => {
          const id = await ctx.run.blobs.segmented.begin(ctx.run.blobKey(file.id), file.size);
          if (!(await ctx.run.store.recordUpload(ctx.run.task, file.id, id))) {
            await ctx.run.blobs.segmented.abort(ctx.run.blobKey(file.id), id).catch(() => undefined);
            throw new LostLeaseError();
          }
          return id;
        })();
    ctx.uploads.set(file.id, upload);
  }
  return upload;
}

/** One fetch of a segment: true once it is verified, durable and recorded; false when its bytes are wrong. */
async function transferOnce(ctx: Ctx, job: Job): Promise<boolean> {
  const { run, signal } = ctx;
  const { file, segment } = job;
  const uploadId = job.whole ? undefined : await uploadOf(ctx, file);
  await run.streams.acquire(signal);
  try {
    const request: PeerRangeRequest = {
      endpoint: run.endpoint, sourceProjectId: run.task.sourceProjectId, fileId: file.id, capability: file.cap,
      targetRegion: run.region, start: segment.start, end: segment.end, size: file.size, etag: `"${file.sha256}"`, signal,
    };
    let etag: string | false;
    try {
      etag = uploadId !== undefined && canMoveDirectly(run) ? await moveDirectly(run, job, uploadId, request) : await moveStreamed(run, job, uploadId, request);
    } catch (err) {
      if (err instanceof SourceChangedError) return false;
      throw err;
    }
    if (etag === false) return false;
    signal.throwIfAborted();
    const ok = job.whole
      ? ctx.unrecorded === job || (await run.store.recordProgress(run.task, file.id, file.size, true))
      : await run.store.recordSegment(run.task, { fileId: file.id, index: segment.index, bytes: segment.end - segment.start, etag });
    if (!ok) throw new LostLeaseError();
    if (!job.whole) {
      const parts = ctx.recorded.get(file.id) ?? new Map<number, string>();
      ctx.recorded.set(file.id, parts.set(segment.index, etag));
    }
    return true;
  } finally {
    run.streams.release();
  }
}

/**
 * A segment can skip the event loop when the transport writes ranges into local files and the
 * store stages parts in one (the disk store), and no rate limit paces its bytes here.
 */
const canMoveDirectly = (run: SegmentCopyRun): boolean =>
  run.limiter.unlimited && run.transport.fetchRangeInto !== undefined && run.blobs.segmented.localPart !== undefined;

/**
 * The segment received, hashed, written at its offset and flushed in the transport's worker
 * thread: its ETag once durable and verified, false when its bytes are wrong.
 */
async function moveDirectly(run: SegmentCopyRun, job: Job, uploadId: string, request: PeerRangeRequest): Promise<string | false> {
  const { segment } = job;
  const part = { index: segment.index, start: segment.start, length: segment.end - segment.start };
  const local = (run.blobs.segmented.localPart as NonNullable<SegmentedUploads['localPart']>)(run.blobKey(job.file.id), uploadId, part);
  const fetchInto = (run.transport.fetchRangeInto as NonNullable<PeerTransport['fetchRangeInto']>).bind(run.transport);
  const moved = await fetchInto(request, { file: local.file, offset: segment.start, sha256: job.expected });
  run.onBytes?.(moved.received);
  return moved.durable ? local.etag : false;
}

/**
 * The segment streamed through the event loop: metered, hashed (off the event loop when large)
 * and stored; its ETag once stored and verified, false when its bytes are wrong.
 */
async function moveStreamed(run: SegmentCopyRun, job: Job, uploadId: string | undefined, request: PeerRangeRequest): Promise<string | false> {
  const { file, segment } = job;
  const { signal } = request;
  const length = segment.end - segment.start;
  const key = run.blobKey(file.id);
  const body = await run.transport.fetchRange(request);
  const hash = run.hashes.session(length);
  let received = 0;
  const meter = new Transform({
    highWaterMark: stageBytes,
    transform(chunk: Buffer, _enc, callback) {
      received += chunk.length;
      if (received > length) return callback(new LengthExceeded());
      run.onBytes?.(chunk.length);
      hash.update(chunk).then(() => callback(null, chunk), callback);
    },
  });
  const sink = new PassThrough({ highWaterMark: stageBytes });
  const stages: (Readable | Transform | PassThrough)[] = run.limiter.unlimited ? [body, meter, sink] : [body, run.limiter.throttle(), meter, sink];
  const piped = pipeline(stages, { signal });
  const stored = uploadId === undefined
    ? run.blobs.put(key, sink).then(() => '')
    : run.blobs.segmented.writePart(key, uploadId, { index: segment.index, start: segment.start, length }, sink, signal);
  const [pipe, store] = await Promise.allSettled([piped, stored]);
  if (pipe.status === 'rejected' || store.status === 'rejected' || received !== length) hash.discard();
  if (pipe.status === 'rejected') {
    if (pipe.reason instanceof LengthExceeded) return false;
    throw pipe.reason;
  }
  if (received !== length) return false;
  if (store.status === 'rejected') throw store.reason;
  if ((await hash.digest()) !== job.expected) return false;
  return store.value;
}

/** Every segment of a file is stored and recorded: the blob becomes whole under the copy's key. */
async function completeFile(ctx: Ctx, file: ManifestFile): Promise<void> {
  const { run } = ctx;
  const key = run.blobKey(file.id);
  const parts = [...(ctx.recorded.get(file.id) ?? new Map<number, string>())].map(([index, etag]) => ({ index, etag }));
  const uploadId = await uploadOf(ctx, file);
  try {
    await run.blobs.segmented.complete(key, uploadId, parts);
  } catch (err) {
    // Completed by an earlier run that stopped before recording it.
    if ((await run.blobs.head(key))?.size !== file.size) throw err;
  }
  if (!(await run.store.recordProgress(run.task, file.id, file.size, true))) throw new LostLeaseError();
}
