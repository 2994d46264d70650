import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { isAppError } from '../../domain/errors.js';
import { isoTime } from '../../domain/time.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { Clock } from '../../ports/clock.js';
import type { LargeUpload } from '../../ports/large-upload-store.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { FileService } from '../file-service.js';
import { HashingVerifier } from '../hashing-verifier.js';

export interface AssemblerOptions {
  store: MetadataStore;
  blobs: BlobStore;
  files: Pick<FileService, 'finishAssembly'>;
  clock: Clock;
  logger: Logger;
  /** Lease length, ms (default 60 s; renewed every third of it). */
  leaseMs?: number;
  /** Poll interval for due assemblies, ms (default 2 s; a confirm wakes the loop at once). */
  pollMs?: number;
  /** Attempts before a file fails (default 5). */
  maxAttempts?: number;
}

/** Lost the lease: another worker took the assembly over. */
class LostLease extends Error {}

/** Errors that will not go away by trying again: the file fails with them. */
const isFinal = (err: unknown): boolean => {
  if (isAppError(err)) return true;
  const name = (err as { name?: string }).name ?? '';
  return ['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'NoSuchUpload'].includes(name);
};

const backoffMs = (attempt: number): number => Math.min(60_000, 1_000 * 2 ** Math.min(attempt, 6));

/**
 * Joins the parts of confirmed large files (S3: CompleteMultipartUpload; disk: the staging
 * file renamed into place), then reads the whole once to compute size, MD5 and SHA-256, and
 * turns the file CREATED (or FAILED with the reason). Claims with a lease, so a crashed
 * worker's assembly is taken up again once its lease expires; safe with several instances.
 */
export class LargeFileAssembler {
  readonly owner = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private running: Promise<void> | undefined;
  private abort = new AbortController();
  private readonly leaseMs: number;

  constructor(private readonly o: AssemblerOptions) {
    this.leaseMs = o.leaseMs ?? 60_000;
  }

  start(): void {
    this.stopping = false;
    this.abort = new AbortController();
    this.schedule(0);
  }

  /** Looks for due work now (a file was just confirmed). */
  wake(): void {
    if (!this.running && this.timer !== undefined) this.schedule(0);
  }

  /** Stops claiming and abandons a running assembly where it is (its lease expires; another worker resumes it). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((err: unknown) => {
          this.o.logger.error({ err }, 'large file assembly loop failed');
          return false;
        })
        .then((worked) => {
          this.running = undefined;
          this.schedule(worked ? 0 : (this.o.pollMs ?? 2_000));
        });
    }, ms);
    this.timer.unref();
  }

  /** Claims one due assembly and runs it; false when none was due. */
  async runOnce(): Promise<boolean> {
    const now = this.o.clock.now();
    const upload = await this.o.store.largeUploads.claim(this.owner, isoTime(now), isoTime(new Date(now.getTime() + this.leaseMs)));
    if (!upload) return false;
    const log = this.o.logger.child({ fileId: upload.fileId });
    const lease = new AbortController();
    const renew = setInterval(() => {
      const until = isoTime(new Date(this.o.clock.now().getTime() + this.leaseMs));
      this.o.store.largeUploads
        .renew(upload.fileId, this.owner, until)
        .then((held) => {
          if (!held) lease.abort(new LostLease('lease lost'));
        })
        .catch((err: unknown) => log.warn({ err }, 'large file lease renewal failed'));
    }, this.leaseMs / 3);
    const signal = AbortSignal.any([lease.signal, this.abort.signal]);
    try {
      await this.assemble(upload, signal);
    } catch (err) {
      if (signal.aborted) return true;
      if (isFinal(err) || upload.attempts >= (this.o.maxAttempts ?? 5)) {
        const reason = err instanceof Error ? err.message : String(err);
        log.warn({ err }, 'large file assembly failed');
        if (!(await this.o.files.finishAssembly(upload.fileId, { failure: reason }))) return true;
        await this.dropBytes(upload);
      } else {
        log.warn({ err, attempt: upload.attempts }, 'large file assembly will be tried again');
        const next = new Date(this.o.clock.now().getTime() + backoffMs(upload.attempts));
        await this.o.store.largeUploads.release(upload.fileId, this.owner, { nextRunAt: isoTime(next), lastError: String(err) });
      }
    } finally {
      clearInterval(renew);
    }
    return true;
  }

  private async assemble(upload: LargeUpload, signal: AbortSignal): Promise<void> {
    const file = await this.o.store.findFile(upload.fileId);
    if (!file) {
      await this.o.files.finishAssembly(upload.fileId, { failure: 'the file is gone' });
      return;
    }
    // Joined before (a crash after the join): the blob is there, the upload id is spent.
    if (!(await this.o.blobs.head(file.blobKey))) {
      const parts = await this.o.store.largeUploads.receivedParts(upload.fileId);
      await this.o.blobs.completeMultipart(file.blobKey, upload.uploadId, parts);
    }
    signal.throwIfAborted();
    // One pass over the whole, by the hashing every upload goes through.
    const verifier = new HashingVerifier({ size: file.fileSize });
    const drain = new Writable({ write: (_chunk, _enc, done) => done() });
    await pipeline(await this.o.blobs.get(file.blobKey), verifier, drain, { signal });
    if (!(await this.o.files.finishAssembly(upload.fileId, { digests: verifier.digests() }))) {
      // Cancelled or deleted while it was assembled.
      await this.o.blobs.delete(file.blobKey);
    }
  }

  /** The bytes of a file that failed: the joined blob, or the parts. */
  private async dropBytes(upload: LargeUpload): Promise<void> {
    const file = await this.o.store.findFile(upload.fileId);
    if (!file) return;
    await this.o.blobs.delete(file.blobKey).catch(() => undefined);
    await this.o.blobs.abortMultipart(file.blobKey, upload.uploadId).catch(() => undefined);
  }
}
