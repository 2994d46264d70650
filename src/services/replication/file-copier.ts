import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ManifestFile } from '../../domain/copy-task.js';
import type { BlobStore } from '../../ports/blob-store.js';
import { fetchPeerFile } from './peer-fetch.js';
import type { RateLimiter } from './rate-limiter.js';

/** A copied file whose bytes do not match the manifest even after one fresh download. */
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

export interface FileCopyContext {
  file: ManifestFile;
  /** Verified, fsynced bytes recorded for this file. */
  offset: number;
  stagingFile: string;
  blobKey: string;
  peer: { endpoint: string; sourceProjectId: string; limiter: RateLimiter };
  region: string;
  blobs: BlobStore;
  signal: AbortSignal;
  /** Records an fsynced offset; false when the lease is gone. */
  checkpoint(offset: number, done: boolean): Promise<boolean>;
  checkpointBytes: number;
  onBytes?: (n: number) => void;
}

async function hashPrefix(file: string, length: number, md5: Hash, sha: Hash): Promise<void> {
  if (length === 0) return;
  for await (const chunk of createReadStream(file, { start: 0, end: length - 1 })) {
    md5.update(chunk as Buffer);
    sha.update(chunk as Buffer);
  }
}

/**
 * Copies one file: resumes from the recorded offset (re-hashing the local prefix), asks the
 * source for the rest with Range + If-Range on the strong ETag (a changed source answers the
 * whole file), verifies size, MD5 and SHA-256, then stores it under the copy's blob key.
 */
export async function copyFile(ctx: FileCopyContext): Promise<void> {
  // Private whatever the umask, as everything of the region's data folder (0700 folders, 0600 files).
  await mkdir(path.dirname(ctx.stagingFile), { recursive: true, mode: 0o700 });
  const fh = await open(ctx.stagingFile, 'a+', 0o600);
  try {
    let offset = Math.min(ctx.offset, (await fh.stat()).size);
    for (let fresh = 0; ; fresh++) {
      await fh.truncate(offset);
      const md5 = createHash('md5');
      const sha = createHash('sha256');
      await hashPrefix(ctx.stagingFile, offset, md5, sha);
      try {
        offset = await download(ctx, fh, offset, md5, sha);
      } catch (err) {
        if (!(err instanceof RestartFromZero)) throw err;
        offset = 0;
        if (!(await ctx.checkpoint(0, false))) throw new LostLeaseError();
        continue;
      }
      const md5Hex = md5.digest('hex');
      const shaHex = sha.digest('hex');
      if (offset === ctx.file.size && md5Hex === ctx.file.md5 && shaHex === ctx.file.sha256) break;
      if (fresh >= 1) {
        const code = offset === ctx.file.size ? 'checksum_mismatch' : 'size_mismatch';
        throw new ChecksumFault(code, `file ${ctx.file.id}: ${code.replace('_', ' ')} after a fresh download`);
      }
      // One fresh retry from byte 0 before calling it permanent.
      offset = 0;
      if (!(await ctx.checkpoint(0, false))) throw new LostLeaseError();
    }
  } finally {
    await fh.close();
  }
  await ctx.blobs.putFile(ctx.blobKey, ctx.stagingFile);
  if (!(await ctx.checkpoint(ctx.file.size, true))) throw new LostLeaseError();
}

async function download(ctx: FileCopyContext, fh: FileHandle, start: number, md5: Hash, sha: Hash): Promise<number> {
  let offset = start;
  if (offset >= ctx.file.size) return offset;
  const res = await fetchPeerFile({
    endpoint: ctx.peer.endpoint,
    sourceProjectId: ctx.peer.sourceProjectId,
    fileId: ctx.file.id,
    capability: ctx.file.cap,
    targetRegion: ctx.region,
    offset,
    etag: `"${ctx.file.sha256}"`,
    signal: ctx.signal,
  });
  if (res.status === 200 && offset > 0) {
    // The source did not honour the range (its content changed): start over.
    res.body.destroy();
    throw new RestartFromZero();
  }
  let sinceSync = 0;
  // Writes are batched: one syscall per ~1 MiB instead of one per network chunk.
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batchBytes === 0) return;
    const data = batch.length === 1 ? (batch[0] as Buffer) : Buffer.concat(batch, batchBytes);
    await fh.write(data, 0, data.length, offset - batchBytes);
    batch = [];
    batchBytes = 0;
  };
  const source = res.body;
  let body: Readable = source;
  if (!ctx.peer.limiter.unlimited) {
    const throttled = ctx.peer.limiter.throttle();
    // A dropped connection must fail this download, not the process.
    source.on('error', (err) => throttled.destroy(err));
    body = source.pipe(throttled);
  }
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (offset + buf.length > ctx.file.size) break;
    batch.push(buf);
    batchBytes += buf.length;
    md5.update(buf);
    sha.update(buf);
    offset += buf.length;
    sinceSync += buf.length;
    ctx.onBytes?.(buf.length);
    if (batchBytes >= 1024 * 1024) await flush();
    if (sinceSync >= ctx.checkpointBytes) {
      // The recorded offset moves only after the bytes are on disk.
      await flush();
      await fh.sync();
      sinceSync = 0;
      if (!(await ctx.checkpoint(offset, false))) throw new LostLeaseError();
    }
  }
  await flush();
  await fh.sync();
  return offset;
}

/** The source ignored If-Range's validator: the local prefix belongs to another version. */
export class RestartFromZero extends Error {
  constructor() {
    super('source content changed; restarting the file');
    this.name = 'RestartFromZero';
  }
}
