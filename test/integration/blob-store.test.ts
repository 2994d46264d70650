import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat as statPath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DiskBlobStore } from '../../src/adapters/blob/blob-store-disk.js';
import { createBlobStore } from '../../src/adapters/blob/blob-store-factory.js';
import { S3BlobStore } from '../../src/adapters/blob/blob-store-s3.js';
import { BlobNotFoundError, InvalidBlobKeyError, type BlobStore } from '../../src/ports/blob-store.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';

const MiB = 1024 * 1024;

interface Harness {
  store: BlobStore;
  /** Disk only: the root folder. */
  root?: string;
  /** S3 only: the server. */
  s3?: TestS3Server;
  close(): Promise<void>;
}

const adapters: { name: 'disk' | 's3'; start: () => Promise<Harness> }[] = [
  {
    name: 'disk',
    start: async () => {
      const root = await mkdtemp(path.join(tmpdir(), 'assetbridge-blobs-'));
      return { store: new DiskBlobStore({ root }), root, close: () => rm(root, { recursive: true, force: true }) };
    },
  },
  {
    name: 's3',
    start: async () => {
      const s3 = await startS3Server();
      // Small threshold and parts so that a 12 MiB object goes multipart.
      const store = new S3BlobStore({ ...s3.options, prefix: 'contract/', multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
      await store.ensureBucket();
      return {
        store,
        s3,
        close: async () => {
          await store.close();
          await s3.close();
        },
      };
    },
  },
];

async function* chunksOf(data: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

const bodyOf = (data: Buffer): Readable => Readable.from(chunksOf(data));

/** Sends `prefix`, then fails, as a verifying transform that rejects the bytes would. */
const failingBody = (prefix: Buffer): Readable =>
  Readable.from(
    (async function* () {
      yield* chunksOf(prefix);
      throw new Error('body broke');
    })(),
  );

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out.sort();
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe.each(adapters)('$name blob store', ({ start }) => {
  let h: Harness;
  let store: BlobStore;
  beforeAll(async () => {
    h = await start();
    store = h.store;
  });
  afterAll(async () => {
    await h.close();
  });

  const put = (key: string, data: Buffer) => store.put(key, bodyOf(data), { contentType: 'application/octet-stream' });

  it('round-trips a blob and reports its size and a quoted etag', async () => {
    const data = randomBytes(100 * 1024 + 3);
    const stat = await put('rt/a/b.bin', data);
    expect(stat.size).toBe(data.length);
    expect(stat.etag).toMatch(/^"[^"]+"$/);
    expect(await store.head('rt/a/b.bin')).toEqual(stat);
    expect(await readAll(await store.get('rt/a/b.bin'))).toEqual(data);
  });

  it('round-trips an empty blob', async () => {
    const stat = await store.put('rt/empty', Readable.from([]));
    expect(stat.size).toBe(0);
    expect((await readAll(await store.get('rt/empty'))).length).toBe(0);
  });

  it('serves byte ranges (inclusive end, open end, single byte)', async () => {
    const data = randomBytes(4096);
    await put('range/x', data);
    expect(await readAll(await store.get('range/x', { start: 100, end: 199 }))).toEqual(data.subarray(100, 200));
    expect(await readAll(await store.get('range/x', { start: 4000 }))).toEqual(data.subarray(4000));
    expect(await readAll(await store.get('range/x', { start: 7, end: 7 }))).toEqual(data.subarray(7, 8));
  });

  it('changes the etag when the content changes, and keeps it otherwise', async () => {
    const first = await put('etag/x', Buffer.alloc(1000, 1));
    expect(await store.head('etag/x')).toEqual(first);
    const second = await put('etag/x', Buffer.alloc(1000, 2));
    expect(second.size).toBe(1000);
    expect(second.etag).not.toBe(first.etag);
    expect(await store.head('etag/x')).toEqual(second);
  });

  it('reports a missing blob', async () => {
    await expect(store.get('missing/x')).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.get('missing/x', { start: 0, end: 1 })).rejects.toMatchObject({ key: 'missing/x' });
    expect(await store.head('missing/x')).toBeUndefined();
  });

  it('deletes idempotently', async () => {
    await put('del/x', randomBytes(10));
    await store.delete('del/x');
    expect(await store.head('del/x')).toBeUndefined();
    await store.delete('del/x');
    await store.delete('del/never/was');
  });

  it('moves a blob, replacing the target', async () => {
    const data = randomBytes(2048);
    await put('mv/from', data);
    await put('mv/deep/er/to', randomBytes(5));
    await store.move('mv/from', 'mv/deep/er/to');
    expect(await store.head('mv/from')).toBeUndefined();
    expect(await readAll(await store.get('mv/deep/er/to'))).toEqual(data);
    await store.move('mv/deep/er/to', 'mv/other/new');
    expect(await readAll(await store.get('mv/other/new'))).toEqual(data);
    await expect(store.move('mv/nothing', 'mv/y')).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('keeps a blob moved onto itself', async () => {
    const data = randomBytes(64);
    await put('mv-self/x', data);
    await store.move('mv-self/x', 'mv-self/x');
    expect(await readAll(await store.get('mv-self/x'))).toEqual(data);
  });

  it('lists every key under a prefix, recursively', async () => {
    for (const key of ['ls/a/1', 'ls/a/2', 'ls/a/sub/3', 'ls/b/4', 'lsx/5', 'ls-other/deep/6']) await put(key, randomBytes(3));
    expect(await collect(store.list('ls/a/'))).toEqual(['ls/a/1', 'ls/a/2', 'ls/a/sub/3']);
    expect(await collect(store.list('ls/'))).toEqual(['ls/a/1', 'ls/a/2', 'ls/a/sub/3', 'ls/b/4']);
    expect(await collect(store.list('ls/none/'))).toEqual([]);
    expect(await collect(store.list('ls/a/1/'))).toEqual([]);
    const all = await collect(store.list(''));
    expect(all).toEqual(expect.arrayContaining(['ls/a/1', 'ls/b/4', 'lsx/5', 'ls-other/deep/6']));
    expect(all.every((k) => !k.startsWith('.'))).toBe(true);
  });

  it('stores a local file and consumes it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-putfile-'));
    try {
      const data = randomBytes(30_000);
      const local = path.join(dir, 'staged');
      await writeFile(local, data);
      const stat = await store.putFile('pf/x', local);
      expect(stat.size).toBe(data.length);
      expect(existsSync(local)).toBe(false);
      expect(await readAll(await store.get('pf/x'))).toEqual(data);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to store a local file that is missing, and stores nothing', async () => {
    const missing = path.join(tmpdir(), `assetbridge-missing-${randomBytes(6).toString('hex')}`);
    await expect(store.putFile('pf/missing', missing)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await store.head('pf/missing')).toBeUndefined();
  });

  it('lets readers see the old blob until the new one is complete', async () => {
    const old = randomBytes(1000);
    const oldStat = await put('atomic/x', old);
    const body = new PassThrough();
    const putting = store.put('atomic/x', body);
    body.write(randomBytes(600));
    // The store has taken the first bytes in: the put is under way.
    await vi.waitFor(() => expect(body.readableLength).toBe(0), { timeout: 10_000 });
    expect(await store.head('atomic/x')).toEqual(oldStat);
    expect(await readAll(await store.get('atomic/x'))).toEqual(old);
    const fresh = randomBytes(500);
    body.end(fresh);
    const stat = await putting;
    expect(stat.size).toBe(1100);
    expect((await readAll(await store.get('atomic/x'))).subarray(600)).toEqual(fresh);
  });

  // Below and above the S3 multipart threshold (5 MiB here).
  it.each([
    { size: 100 * 1024, label: 'single put' },
    { size: 7 * MiB, label: 'multipart' },
  ])('leaves nothing visible when the body errors midway ($label)', async ({ size }) => {
    const key = `fail-${size}/x`;
    const previous = randomBytes(777);
    const prevStat = await put(key, previous);
    await expect(store.put(key, failingBody(randomBytes(size)))).rejects.toThrow('body broke');
    expect(await store.head(key)).toEqual(prevStat);
    expect(await readAll(await store.get(key))).toEqual(previous);

    await expect(store.put(`fail-${size}/new`, failingBody(randomBytes(size)))).rejects.toThrow('body broke');
    expect(await store.head(`fail-${size}/new`)).toBeUndefined();
    expect(await collect(store.list(`fail-${size}/`))).toEqual([key]);
    if (h.root) expect(await readdir(path.join(h.root, '.tmp'))).toEqual([]);
  });

  it('round-trips an object above the multipart threshold', async () => {
    await put('big/small', randomBytes(1000));
    const data = randomBytes(12 * MiB + 123);
    const stat = await put('big/x', data);
    expect(stat.size).toBe(data.length);
    expect(await store.head('big/x')).toEqual(stat);
    expect(sha256(await readAll(await store.get('big/x')))).toBe(sha256(data));
    const tail = await readAll(await store.get('big/x', { start: 10 * MiB }));
    expect(sha256(tail)).toBe(sha256(data.subarray(10 * MiB)));
    if (h.s3) {
      // s3rver reports a completed multipart upload as ObjectCreated:Post, a PutObject as :Put.
      expect(h.s3.events).toContainEqual({ name: 'ObjectCreated:Post', key: 'contract/big/x' });
      expect(h.s3.events).toContainEqual({ name: 'ObjectCreated:Put', key: 'contract/big/small' });
      expect(h.s3.events).not.toContainEqual({ name: 'ObjectCreated:Put', key: 'contract/big/x' });
    }
  });

  it('joins a multipart upload whose parts came in any order, one sent twice, visible only once complete', async () => {
    const data = randomBytes(2 * 5 * MiB + 4321);
    const size = 5 * MiB;
    const key = 'multi/x';
    const uploadId = await store.beginMultipart(key);
    const part = (n: number, bytes: Buffer) => store.putPart(key, uploadId, { number: n, offset: (n - 1) * size, size: bytes.length }, bodyOf(bytes));
    const p3 = await part(3, data.subarray(2 * size));
    await part(1, randomBytes(size));
    const p2 = await part(2, data.subarray(size, 2 * size));
    const p1 = await part(1, data.subarray(0, size));
    expect(await store.head(key)).toBeUndefined();
    expect(await collect(store.list('multi/'))).toEqual([]);
    const stat = await store.completeMultipart(key, uploadId, [
      { number: 3, etag: p3.etag }, { number: 1, etag: p1.etag }, { number: 2, etag: p2.etag },
    ]);
    expect(stat.size).toBe(data.length);
    expect(sha256(await readAll(await store.get(key)))).toBe(sha256(data));
  });

  it('keeps nothing of an aborted multipart upload, and fails a part whose body fails', async () => {
    const key = 'multi/aborted';
    const uploadId = await store.beginMultipart(key);
    const body = failingBody(randomBytes(1000));
    await expect(store.putPart(key, uploadId, { number: 1, offset: 0, size: 2000 }, body)).rejects.toThrow();
    await store.putPart(key, uploadId, { number: 1, offset: 0, size: 10 }, bodyOf(randomBytes(10)));
    await store.abortMultipart(key, uploadId);
    expect(await store.head(key)).toBeUndefined();
    if (h.root) expect(await readdir(path.join(h.root, '.tmp', 'multipart'))).toEqual([]);
  });

  it('assembles a segmented upload from parts written out of order, invisible until completed', async () => {
    const data = randomBytes(12 * MiB + 77);
    const parts = [
      { index: 0, start: 0, length: 6 * MiB },
      { index: 1, start: 6 * MiB, length: 6 * MiB },
      { index: 2, start: 12 * MiB, length: 77 },
    ];
    const id = await store.segmented.begin('seg/x', data.length);
    // The staging file is the region's own, whatever the umask.
    if (h.root) expect((await statPath(path.join(h.root, '.tmp', `${id}.seg`))).mode & 0o777).toBe(0o600);
    const etags = new Map<number, string>();
    for (const part of [...parts].reverse()) {
      etags.set(part.index, await store.segmented.writePart('seg/x', id, part, bodyOf(data.subarray(part.start, part.start + part.length))));
    }
    expect(await store.head('seg/x')).toBeUndefined();
    // A part written again (a retried segment) replaces the earlier bytes.
    etags.set(1, await store.segmented.writePart('seg/x', id, parts[1] as (typeof parts)[number], bodyOf(data.subarray(6 * MiB, 12 * MiB))));
    const stat = await store.segmented.complete('seg/x', id, parts.map((p) => ({ index: p.index, etag: etags.get(p.index) ?? '' })));
    expect(stat.size).toBe(data.length);
    expect(sha256(await readAll(await store.get('seg/x')))).toBe(sha256(data));
    if (h.root) expect((await readdir(path.join(h.root, '.tmp'))).filter((n) => n.endsWith('.seg'))).toEqual([]);
  });

  it('aborts a segmented upload: nothing is visible, and aborting again is fine', async () => {
    const id = await store.segmented.begin('seg/gone', 6 * MiB + 1);
    await store.segmented.writePart('seg/gone', id, { index: 0, start: 0, length: 6 * MiB }, bodyOf(randomBytes(6 * MiB)));
    await store.segmented.abort('seg/gone', id);
    await store.segmented.abort('seg/gone', id);
    expect(await store.head('seg/gone')).toBeUndefined();
    expect(await collect(store.list('seg/'))).not.toContain('seg/gone');
    if (h.root) expect((await readdir(path.join(h.root, '.tmp'))).filter((n) => n.endsWith('.seg'))).toEqual([]);
  });

  const unsafeKeys = ['../x', '/abs', 'a//b', 'a/./b', 'a\\b', '', 'a/..', 'a/', 'a b', 'x'.repeat(1025)];

  it.each(unsafeKeys)('refuses the unsafe key %j everywhere', async (key) => {
    const body = bodyOf(Buffer.from('nope'));
    await expect(store.put(key, body)).rejects.toBeInstanceOf(InvalidBlobKeyError);
    expect(body.destroyed).toBe(true);
    await expect(store.putFile(key, '/nonexistent')).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(store.get(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(store.get(key, { start: 0 })).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(store.head(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(store.move(key, 'safe/x')).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(store.move('rt/a/b.bin', key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(store.beginMultipart(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
  });

  it.each(['../', '/', 'a//', 'a'])('refuses the listing prefix %j', async (prefix) => {
    await expect(collect(store.list(prefix))).rejects.toBeInstanceOf(InvalidBlobKeyError);
  });
});

describe('disk blob store specifics', () => {
  let root: string;
  let store: DiskBlobStore;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'assetbridge-blobs-'));
    store = new DiskBlobStore({ root });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps its temp folder out of the key space', async () => {
    await store.put('k', bodyOf(Buffer.from('x')));
    await expect(store.put('.tmp/x', bodyOf(Buffer.from('x')))).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(store.head('.tmp')).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(collect(store.list('.tmp/'))).rejects.toBeInstanceOf(InvalidBlobKeyError);
    expect(existsSync(path.join(root, '.tmp'))).toBe(true);
    expect(await collect(store.list(''))).toEqual(['k']);
  });

  it('streams a blob out in reads of 256 KiB, not 64 KiB', async () => {
    const bytes = randomBytes(MiB + 5);
    await store.put('big', bodyOf(bytes));
    const sizes: number[] = [];
    for await (const chunk of await store.get('big', { start: 5 })) sizes.push((chunk as Buffer).length);
    expect(sizes).toEqual([256 * 1024, 256 * 1024, 256 * 1024, 256 * 1024]);
  });

  it('names the staging file a segment may be written into directly, and the ETag its part takes', async () => {
    const id = await store.segmented.begin('direct', 2 * MiB);
    const local = store.segmented.localPart?.('direct', id, { index: 1, start: MiB, length: MiB });
    expect(local?.etag).toBe(`"1-${MiB}"`);
    expect((await statPath(local?.file ?? '')).size).toBe(2 * MiB);
    expect(() => store.segmented.localPart?.('direct', '../x', { index: 0, start: 0, length: 1 })).toThrow(InvalidBlobKeyError);
    await store.segmented.abort('direct', id);
  });
});

describe('s3 blob store specifics', () => {
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3.close();
  });

  it('prepends its prefix to keys, and lists them without it', async () => {
    const store = new S3BlobStore({ ...s3.options, prefix: 'eu-1/' });
    const raw = new S3BlobStore(s3.options);
    await store.put('a/b', bodyOf(Buffer.from('hello')));
    expect(await collect(raw.list(''))).toEqual(['eu-1/a/b']);
    expect(await collect(store.list(''))).toEqual(['a/b']);
    expect(await readAll(await raw.get('eu-1/a/b'))).toEqual(Buffer.from('hello'));
    await Promise.all([store.close(), raw.close()]);
  });

  it('creates a missing bucket through the factory', async () => {
    const store = await createBlobStore({ kind: 's3', ...s3.options, bucket: 'fresh-bucket' });
    await store.put('x', bodyOf(Buffer.from('1')));
    expect(await store.head('x')).toMatchObject({ size: 1 });
    await store.close?.();
  });

  it('refuses a part size below the S3 minimum', () => {
    expect(() => new S3BlobStore({ ...s3.options, partSizeBytes: MiB })).toThrow(RangeError);
  });
});
