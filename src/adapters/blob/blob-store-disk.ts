import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { privateDirMode, privateFileMode } from '../private-files.js';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError, InvalidBlobKeyError, type BlobStat, type BlobStore, type ByteRange, type MultipartPart, type SegmentedUploads, type UploadPart } from '../../ports/blob-store.js';
import { openLocalFile } from './local-file.js';
import { assertSafeKey, assertSafePrefix } from './safe-key.js';

/** Temp files live under the root so that the final rename stays on one file system. */
const tmpFolder = '.tmp';

/** Staging files of multipart uploads, one per upload, parts written at their offsets. */
const multipartFolder = 'multipart';

const codeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;
const isMissing = (err: unknown): boolean => codeOf(err) === 'ENOENT';

/** `.tmp/` is this store's scratch area, not a key space. */
function refuseTmp(keyOrPrefix: string): void {
  if (keyOrPrefix === tmpFolder || keyOrPrefix.startsWith(`${tmpFolder}/`)) throw new InvalidBlobKeyError(keyOrPrefix);
}

/** Upload ids name staging files: random hex only, so a stored id can never point elsewhere. */
const uploadIdPattern = /^[0-9a-f]{24}$/;

/** The names in a folder (none when it does not exist). */
async function filesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

/**
 * Bytes per read of a blob being streamed out. Node's 64 KiB default made a 16 MiB range 256
 * reads, socket writes and buffers to collect; 256 KiB makes it 64 (and holds at most that
 * much more per open stream).
 */
const readBytes = 256 * 1024;

/** A staged part's ETag: its place and length (the staging file holds the bytes). */
const partEtag = (part: UploadPart): string => `"${part.index}-${part.length}"`;

/** Flushes a file or a directory entry (rename durability). */
async function fsyncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Blobs as files under a root folder. A write goes to a temp file, is fsynced, then renamed
 * into place: readers see the old blob or the whole new one, never a part.
 */
export class DiskBlobStore implements BlobStore {
  readonly kind = 'disk' as const;
  private readonly root: string;
  /** The temp folder, made once (again after a put failed: it may have been removed). */
  private tmpFolderMade: Promise<void> | undefined;

  constructor({ root }: { root: string }) {
    this.root = path.resolve(root);
  }

  /** Segmented uploads: one staging file under `.tmp/`, parts written at their offsets. */
  readonly segmented: SegmentedUploads = {
    begin: async (key, size) => {
      this.pathOf(key);
      const id = randomBytes(12).toString('hex');
      await mkdir(path.join(this.root, tmpFolder), { recursive: true, mode: privateDirMode });
      const handle = await open(this.stagingOf(id), 'wx', privateFileMode);
      try {
        await handle.truncate(size);
      } finally {
        await handle.close();
      }
      return id;
    },
    writePart: (key, id, part, body, signal) => this.writePart(key, id, part, body, signal),
    localPart: (key, id, part) => {
      this.pathOf(key);
      return { file: this.stagingOf(id), etag: partEtag(part) };
    },
    complete: async (key, id) => {
      const target = this.pathOf(key);
      await mkdir(path.dirname(target), { recursive: true, mode: privateDirMode });
      // Every part was fsynced when written: the rename makes the whole file visible at once.
      await rename(this.stagingOf(id), target);
      await fsyncPath(path.dirname(target));
      return this.statOf(target);
    },
    abort: async (key, id) => {
      this.pathOf(key);
      await rm(this.stagingOf(id), { force: true });
    },
  };

  private stagingOf(uploadId: string): string {
    if (!uploadIdPattern.test(uploadId)) throw new InvalidBlobKeyError(uploadId);
    return path.join(this.root, tmpFolder, `${uploadId}.seg`);
  }

  private async writePart(key: string, id: string, part: UploadPart, body: Readable, signal?: AbortSignal): Promise<string> {
    this.pathOf(key);
    const handle = await open(this.stagingOf(id), 'r+').catch((err: unknown) => {
      body.destroy();
      throw isMissing(err) ? new BlobNotFoundError(`${key} (upload ${id})`) : err;
    });
    try {
      let at = part.start;
      // Writes are batched: one syscall per ~512 KiB instead of one per network chunk, and
      // gathered (writev) rather than copied into one buffer first.
      let batch: Buffer[] = [];
      let batched = 0;
      const flush = async () => {
        if (batched === 0) return;
        let { bytesWritten } = await handle.writev(batch, at);
        // A short write (rare on a regular file): the rest goes after it.
        while (bytesWritten < batched) {
          const rest = Buffer.concat(batch, batched).subarray(bytesWritten);
          bytesWritten += (await handle.write(rest, 0, rest.length, at + bytesWritten)).bytesWritten;
        }
        at += batched;
        batch = [];
        batched = 0;
      };
      for await (const chunk of body) {
        signal?.throwIfAborted();
        const buf = chunk as Buffer;
        if (at + batched + buf.length > part.start + part.length) throw new RangeError(`part ${part.index} is longer than ${part.length} bytes`);
        batch.push(buf);
        batched += buf.length;
        if (batched >= 512 * 1024) await flush();
      }
      await flush();
      if (at !== part.start + part.length) throw new RangeError(`part ${part.index} has ${at - part.start} bytes, not ${part.length}`);
      // Durable before the caller counts it.
      await handle.sync();
      return partEtag(part);
    } catch (err) {
      body.destroy();
      throw err;
    } finally {
      await handle.close();
    }
  }

  private pathOf(key: string): string {
    refuseTmp(key);
    const full = path.resolve(this.root, assertSafeKey(key));
    // Belt and braces: the key check already forbids escapes.
    if (!full.startsWith(this.root + path.sep)) throw new InvalidBlobKeyError(key);
    return full;
  }

  async put(key: string, body: Readable): Promise<BlobStat> {
    let tmp: string | undefined;
    try {
      const target = this.pathOf(key);
      const tmpDir = path.join(this.root, tmpFolder);
      this.tmpFolderMade ??= mkdir(tmpDir, { recursive: true, mode: privateDirMode }).then(() => undefined);
      await this.tmpFolderMade;
      tmp = path.join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
      // `flush`: fsynced on its own descriptor before it closes (no second open to fsync it).
      await pipeline(body, createWriteStream(tmp, { flags: 'wx', mode: privateFileMode, flush: true }));
      await mkdir(path.dirname(target), { recursive: true, mode: privateDirMode });
      await rename(tmp, target);
      tmp = undefined;
      await fsyncPath(path.dirname(target));
      return await this.statOf(target);
    } catch (err) {
      this.tmpFolderMade = undefined;
      // A writer piping into `body` must not stall on a store that stopped reading.
      body.destroy();
      if (tmp) await rm(tmp, { force: true });
      throw err;
    }
  }

  async putFile(key: string, localPath: string): Promise<BlobStat> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true, mode: privateDirMode });
    try {
      // The caller fsynced the file; the rename makes it visible whole (and private, whoever made it).
      await chmod(localPath, privateFileMode);
      await rename(localPath, target);
    } catch (err) {
      if (codeOf(err) !== 'EXDEV') throw err;
      const copied = await this.put(key, await openLocalFile(localPath));
      await rm(localPath, { force: true });
      return copied;
    }
    await fsyncPath(path.dirname(target));
    return this.statOf(target);
  }

  private async statOf(file: string): Promise<BlobStat> {
    const s = await stat(file, { bigint: true });
    // Every put renames a new inode into place, with a fresh mtime.
    const etag = `"${s.ino.toString(16)}-${s.size.toString(16)}-${s.mtimeNs.toString(16)}"`;
    return { size: Number(s.size), etag };
  }

  /** The staging file of a multipart upload (the id is ours: anything else is refused). */
  private multipartStagingOf(uploadId: string): string {
    if (!uploadIdPattern.test(uploadId)) throw new InvalidBlobKeyError(uploadId);
    return path.join(this.root, tmpFolder, multipartFolder, uploadId);
  }

  async beginMultipart(key: string): Promise<string> {
    this.pathOf(key);
    const uploadId = randomBytes(12).toString('hex');
    const staging = this.multipartStagingOf(uploadId);
    await mkdir(path.dirname(staging), { recursive: true, mode: privateDirMode });
    const handle = await open(staging, 'wx', privateFileMode);
    await handle.close();
    return uploadId;
  }

  async putPart(key: string, uploadId: string, part: MultipartPart, body: Readable): Promise<{ etag: string }> {
    try {
      this.pathOf(key);
      // 'r+': the staging file exists from the start, so a part of an unknown (or finished) upload fails here.
      const staging = this.multipartStagingOf(uploadId);
      const out = createWriteStream(staging, { flags: 'r+', start: part.offset });
      await pipeline(body, out);
      if (out.bytesWritten !== part.size) throw new Error(`part ${part.number}: ${out.bytesWritten} bytes written, ${part.size} expected`);
      await fsyncPath(staging);
    } catch (err) {
      body.destroy();
      throw err;
    }
    return { etag: `"${part.number}-${part.size.toString(16)}-${randomBytes(8).toString('hex')}"` };
  }

  async completeMultipart(key: string, uploadId: string): Promise<BlobStat> {
    const target = this.pathOf(key);
    const staging = this.multipartStagingOf(uploadId);
    await mkdir(path.dirname(target), { recursive: true, mode: privateDirMode });
    try {
      // Every part was fsynced as it was written; the rename makes the whole visible at once.
      await rename(staging, target);
    } catch (err) {
      // Completed before (a worker resuming after a crash): the blob is there.
      if (isMissing(err) && (await this.head(key))) return this.statOf(target);
      throw err;
    }
    await fsyncPath(path.dirname(target));
    return this.statOf(target);
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    this.pathOf(key);
    await rm(this.multipartStagingOf(uploadId), { force: true });
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    // Opening first reports a missing blob here, and pins the file against a concurrent put.
    const handle = await open(file, 'r').catch((err: unknown) => {
      throw isMissing(err) ? new BlobNotFoundError(key) : err;
    });
    try {
      return createReadStream('', { fd: handle, start: range?.start, end: range?.end, highWaterMark: readBytes });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async head(key: string): Promise<BlobStat | undefined> {
    const file = this.pathOf(key);
    try {
      return await this.statOf(file);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.pathOf(from);
    const target = this.pathOf(to);
    await mkdir(path.dirname(target), { recursive: true, mode: privateDirMode });
    await rename(source, target).catch((err: unknown) => {
      throw isMissing(err) ? new BlobNotFoundError(from) : err;
    });
    await fsyncPath(path.dirname(target));
  }

  async sweepScratch(before: Date, inUse: (uploadId: string) => Promise<boolean>): Promise<number> {
    const tmp = path.join(this.root, tmpFolder);
    // Staged puts (`*.part`), segmented uploads (`<id>.seg`), multipart uploads (`multipart/<id>`).
    const candidates = [
      ...(await filesIn(tmp)).map((name) => ({ file: path.join(tmp, name), uploadId: /^([0-9a-f]{24})\.seg$/.exec(name)?.[1] })),
      ...(await filesIn(path.join(tmp, multipartFolder))).map((name) => ({ file: path.join(tmp, multipartFolder, name), uploadId: name })),
    ];
    let removed = 0;
    for (const c of candidates) {
      const s = await stat(c.file).catch(() => undefined);
      if (!s?.isFile() || s.mtime >= before) continue;
      if (c.uploadId !== undefined && (await inUse(c.uploadId))) continue;
      await rm(c.file, { force: true });
      removed += 1;
    }
    return removed;
  }

  async *list(prefix: string): AsyncIterable<string> {
    refuseTmp(assertSafePrefix(prefix));
    yield* this.walk(path.join(this.root, prefix), prefix);
  }

  private async *walk(dir: string, keyPrefix: string): AsyncIterable<string> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      // A prefix naming no folder (or a file) holds no keys.
      if (isMissing(err) || codeOf(err) === 'ENOTDIR') return;
      throw err;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (keyPrefix === '' && entry.name === tmpFolder) continue;
      if (entry.isDirectory()) yield* this.walk(path.join(dir, entry.name), `${keyPrefix}${entry.name}/`);
      else if (entry.isFile()) yield `${keyPrefix}${entry.name}`;
    }
  }
}
