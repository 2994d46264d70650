import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError, type BlobStat, type BlobStore, type ByteRange } from '../../ports/blob-store.js';
import { assertSafeKey, assertSafePrefix } from './safe-key.js';

const tmpFolder = '.tmp';

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** Flushes a directory entry (rename durability). */
async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
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

  constructor(options: { root: string }) {
    this.root = path.resolve(options.root);
  }

  private pathOf(key: string): string {
    const full = path.resolve(this.root, assertSafeKey(key));
    // Belt and braces: the key check already forbids escapes.
    if (!full.startsWith(this.root + path.sep)) throw new Error('blob path escapes the root');
    return full;
  }

  async put(key: string, body: Readable): Promise<BlobStat> {
    const target = this.pathOf(key);
    const tmpDir = path.join(this.root, tmpFolder);
    await mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    try {
      const out = createWriteStream(tmp, { flags: 'wx' });
      await pipeline(body, out);
      const handle = await open(tmp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await mkdir(path.dirname(target), { recursive: true });
      await rename(tmp, target);
      await fsyncDir(path.dirname(target));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return this.statOf(target);
  }

  async putFile(key: string, localPath: string): Promise<BlobStat> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      // The caller fsynced the file; the rename makes it visible whole.
      await rename(localPath, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await this.put(key, createReadStream(localPath));
      await rm(localPath, { force: true });
      return this.statOf(target);
    }
    await fsyncDir(path.dirname(target));
    return this.statOf(target);
  }

  private async statOf(file: string): Promise<BlobStat> {
    const s = await stat(file, { bigint: true });
    // Inode, size and mtime change whenever another blob is renamed into place.
    const etag = `"${s.ino.toString(16)}-${s.size.toString(16)}-${s.mtimeNs.toString(16)}"`;
    return { size: Number(s.size), etag };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    const handle = await open(file, 'r').catch((err: unknown) => {
      throw isMissing(err) ? new BlobNotFoundError(key) : err;
    });
    return createReadStream('', { fd: handle, start: range?.start, end: range?.end });
  }

  async head(key: string): Promise<BlobStat | undefined> {
    try {
      return await this.statOf(this.pathOf(key));
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
    await mkdir(path.dirname(target), { recursive: true });
    await rename(source, target).catch((err: unknown) => {
      throw isMissing(err) ? new BlobNotFoundError(from) : err;
    });
    await fsyncDir(path.dirname(target));
  }

  async *list(prefix: string): AsyncIterable<string> {
    assertSafePrefix(prefix);
    yield* this.walk(path.join(this.root, prefix), prefix);
  }

  private async *walk(dir: string, keyPrefix: string): AsyncIterable<string> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (keyPrefix === '' && entry.name === tmpFolder) continue;
      if (entry.isDirectory()) yield* this.walk(path.join(dir, entry.name), `${keyPrefix}${entry.name}/`);
      else if (entry.isFile()) yield `${keyPrefix}${entry.name}`;
    }
  }
}
