import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CHUNK_SIZE, chunkCount } from '../../src/domain/chunks.js';
import type { CopySegment, ManifestFile } from '../../src/domain/copy-task.js';
import type { BlobStat, BlobStore, UploadPart } from '../../src/ports/blob-store.js';
import { PeerFault, type PeerRangeRequest, type PeerTransport } from '../../src/ports/peer-transport.js';
import { HashPool, inlineHashBytes } from '../../src/services/replication/hash-pool.js';
import { RateLimiter } from '../../src/services/replication/rate-limiter.js';
import { ChecksumFault, copySegments, LostLeaseError, type SegmentCopyRun } from '../../src/services/replication/segment-copier.js';
import { Semaphore } from '../../src/services/replication/semaphore.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;
const hashes = new HashPool(2);
afterAll(() => hashes.close());

function manifestFile(bytes: Buffer): ManifestFile {
  const chunks = Array.from({ length: chunkCount(bytes.length) }, (_, i) => sha(bytes.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)));
  return { id: randomBytes(16).toString('hex'), category: 'MAIN', name: 'f', type: 'mp4', size: bytes.length, md5: '0'.repeat(32), sha256: sha(bytes), chunks, cap: 'cap' };
}

/** Serves files in 256 KiB pieces; `hold` keeps a range's body open (after its first piece) until released. */
class FakeTransport implements PeerTransport {
  readonly calls: { request: PeerRangeRequest; settled: boolean }[] = [];
  corrupt = new Map<string, number>();
  failFile: string | undefined;
  hold: ((r: PeerRangeRequest) => boolean) | undefined;
  constructor(readonly files: Map<string, Buffer>) {}

  async fetchRange(request: PeerRangeRequest): Promise<Readable> {
    const call = { request, settled: false };
    this.calls.push(call);
    if (request.fileId === this.failFile) {
      call.settled = true;
      throw new PeerFault('transient', undefined, 'source answered 503');
    }
    const bytes = Buffer.from((this.files.get(request.fileId) as Buffer).subarray(request.start, request.end));
    const key = `${request.fileId}/${request.start}`;
    const left = this.corrupt.get(key) ?? 0;
    if (left > 0) {
      this.corrupt.set(key, left - 1);
      bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    }
    const held = this.hold?.(request) ?? false;
    const piece = 256 * 1024;
    async function* body() {
      for (let at = 0; at < bytes.length; at += piece) {
        yield bytes.subarray(at, at + piece);
        // A held range never ends on its own: only an abort ends it.
        if (held) await new Promise((_r, reject) => request.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
      }
    }
    const stream = Readable.from(body(), { objectMode: false });
    stream.on('close', () => (call.settled = true));
    request.signal.addEventListener('abort', () => stream.destroy(new Error('aborted')), { once: true });
    return stream;
  }
}

/** Blobs in memory: a part is durable once `writePart` resolved. */
class FakeBlobs {
  readonly blobs = new Map<string, Buffer>();
  readonly uploads = new Map<string, { key: string; size: number; parts: Map<number, Buffer> }>();
  readonly durable = new Map<string, number>();
  writesOpen = 0;
  writesAfterStop = 0;
  stopped = false;
  readonly segmented = {
    begin: async (key: string, size: number) => {
      const id = randomBytes(4).toString('hex');
      this.uploads.set(id, { key, size, parts: new Map() });
      return id;
    },
    writePart: async (key: string, id: string, part: UploadPart, body: Readable) => {
      if (this.stopped) this.writesAfterStop += 1;
      this.writesOpen += 1;
      try {
        const chunks: Buffer[] = [];
        for await (const c of body) chunks.push(c as Buffer);
        const data = Buffer.concat(chunks);
        if (data.length !== part.length) throw new Error('short part');
        this.uploads.get(id)?.parts.set(part.index, data);
        this.durable.set(`${key}#${part.index}`, data.length);
        return `"etag-${part.index}"`;
      } finally {
        this.writesOpen -= 1;
      }
    },
    complete: async (key: string, id: string, parts: readonly { index: number; etag: string }[]) => {
      const upload = this.uploads.get(id);
      if (!upload) throw new Error('no such upload');
      this.blobs.set(key, Buffer.concat(parts.map((p) => p.index).sort((a, b) => a - b).map((i) => upload.parts.get(i) as Buffer)));
      this.uploads.delete(id);
      return { size: upload.size, etag: '"x"' };
    },
    abort: async (_key: string, id: string) => void this.uploads.delete(id),
  };
  async put(key: string, body: Readable): Promise<BlobStat> {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    const data = Buffer.concat(chunks);
    this.blobs.set(key, data);
    this.durable.set(`${key}#whole`, data.length);
    return { size: data.length, etag: '"x"' };
  }
  async head(key: string): Promise<BlobStat | undefined> {
    const b = this.blobs.get(key);
    return b && { size: b.length, etag: '"x"' };
  }
}

/** Records progress; every record is checked against what the fake store holds durably. */
class FakeRecords {
  readonly segments: CopySegment[] = [];
  readonly filesDone: string[] = [];
  bytesRecorded = 0;
  leaseLostAfter = Infinity;
  aheadOfDurable = 0;
  constructor(private readonly blobs: FakeBlobs) {}
  private live(): boolean {
    return this.segments.length + this.filesDone.length < this.leaseLostAfter;
  }
  async recordUpload(): Promise<boolean> {
    return this.live();
  }
  async recordSegment(_t: unknown, s: CopySegment): Promise<boolean> {
    if (!this.live()) return false;
    if ((this.blobs.durable.get(`key-${s.fileId}#${s.index}`) ?? -1) !== s.bytes) this.aheadOfDurable += 1;
    this.segments.push(s);
    this.bytesRecorded += s.bytes;
    return true;
  }
  async recordProgress(_t: unknown, fileId: string, offset: number, done: boolean): Promise<boolean> {
    if (!this.live()) return false;
    const whole = this.blobs.durable.get(`key-${fileId}#whole`);
    const parts = [...this.blobs.durable].filter(([k]) => k.startsWith(`key-${fileId}#`)).reduce((n, [, v]) => n + v, 0);
    if (done && whole === undefined && parts < offset) this.aheadOfDurable += 1;
    if (done) this.filesDone.push(fileId);
    return true;
  }
}

function setup(contents: Buffer[], o: { lanes?: number; segments?: CopySegment[]; signal?: AbortSignal } = {}) {
  const files = contents.map(manifestFile);
  const transport = new FakeTransport(new Map(files.map((f, i) => [f.id, contents[i] as Buffer])));
  const blobs = new FakeBlobs();
  const records = new FakeRecords(blobs);
  const run: SegmentCopyRun = {
    task: { projectId: 'p', assetId: 'a', epoch: 1, sourceProjectId: 'sp' },
    files,
    progress: new Map(),
    segments: o.segments ?? [],
    endpoint: 'http://peer',
    region: 'here',
    transport,
    blobs: blobs as unknown as BlobStore,
    store: records,
    hashes,
    streams: new Semaphore(o.lanes ?? 4),
    lanes: o.lanes ?? 4,
    limiter: new RateLimiter(0),
    blobKey: (id) => `key-${id}`,
    signal: o.signal ?? new AbortController().signal,
  };
  return { files, transport, blobs, records, run };
}

describe('segment copier', () => {
  it('moves large files as 16 MiB ranges and small ones whole, exact, never recording ahead of durable bytes', async () => {
    const contents = [randomBytes(40 * MiB), randomBytes(100 * 1024), randomBytes(2 * CHUNK_SIZE)];
    const { files, transport, blobs, records, run } = setup(contents);
    await copySegments(run);
    files.forEach((f, i) => expect(blobs.blobs.get(`key-${f.id}`)?.equals(contents[i] as Buffer)).toBe(true));
    const ranges = transport.calls.map((c) => `${c.request.fileId === files[0]?.id ? 0 : c.request.fileId === files[1]?.id ? 1 : 2}:${c.request.start}-${c.request.end}`).sort();
    expect(ranges).toEqual(['0:0-16777216', '0:16777216-33554432', '0:33554432-41943040', '1:0-102400', '2:0-16777216', '2:16777216-33554432'].sort());
    expect(records.aheadOfDurable).toBe(0);
    expect(records.filesDone.sort()).toEqual(files.map((f) => f.id).sort());
    expect(records.segments.map((s) => s.etag)).toContain('"etag-2"');
  });

  it('fetches only the segments not recorded yet when a copy resumes', async () => {
    const contents = [randomBytes(40 * MiB)];
    const { files, transport, blobs, run } = setup(contents);
    const fileId = files[0]?.id ?? '';
    run.segments = [{ fileId, index: 0, bytes: CHUNK_SIZE, etag: '"etag-0"' }];
    run.progress = new Map([[fileId, { fileId, offset: CHUNK_SIZE, done: false, uploadId: 'u1' }]]);
    blobs.uploads.set('u1', { key: `key-${fileId}`, size: 40 * MiB, parts: new Map([[0, (contents[0] as Buffer).subarray(0, CHUNK_SIZE)]]) });
    await copySegments(run);
    expect(transport.calls.map((c) => c.request.start)).toEqual([CHUNK_SIZE, 2 * CHUNK_SIZE].sort((a, b) => a - b));
    expect(blobs.blobs.get(`key-${fileId}`)?.equals(contents[0] as Buffer)).toBe(true);
  });

  it('fetches a segment that fails its hash once more, and fails the copy with checksum_mismatch the second time', async () => {
    const contents = [randomBytes(20 * MiB)];
    const ok = setup(contents);
    ok.transport.corrupt.set(`${ok.files[0]?.id}/${CHUNK_SIZE}`, 1);
    await copySegments(ok.run);
    expect(ok.blobs.blobs.get(`key-${ok.files[0]?.id}`)?.equals(contents[0] as Buffer)).toBe(true);
    expect(ok.transport.calls.filter((c) => c.request.start === CHUNK_SIZE)).toHaveLength(2);

    const bad = setup(contents);
    bad.transport.corrupt.set(`${bad.files[0]?.id}/${CHUNK_SIZE}`, 2);
    const err = await copySegments(bad.run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumFault);
    expect((err as ChecksumFault).failureCode).toBe('checksum_mismatch');
    expect(bad.records.segments.map((s) => s.index)).not.toContain(1);
    expect(bad.records.filesDone).toEqual([]);
  });

  it('aborts every sibling transfer when one file fails, and returns only once all have stopped', async () => {
    const contents = [randomBytes(40 * MiB), randomBytes(40 * MiB), randomBytes(3 * MiB)];
    const { files, transport, blobs, run } = setup(contents, { lanes: 4 });
    // The first file's ranges stay open; the small third file fails at the source.
    transport.hold = (r) => r.fileId === files[0]?.id;
    transport.failFile = files[2]?.id;
    run.files = [files[0] as ManifestFile, files[2] as ManifestFile, files[1] as ManifestFile];
    const err = await copySegments(run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerFault);
    expect(transport.calls.length).toBeGreaterThan(1);
    for (const c of transport.calls) {
      expect(c.request.signal.aborted).toBe(true);
      expect(c.settled).toBe(true);
    }
    expect(blobs.writesOpen).toBe(0);
    // The failing file stopped everything before the rest of the queue started.
    expect(transport.calls.some((c) => c.request.fileId === files[1]?.id)).toBe(false);
  });

  it('stops every write at once when the lease is lost', async () => {
    const contents = [randomBytes(64 * MiB)];
    const { transport, blobs, records, run } = setup(contents, { lanes: 4 });
    // Segment 0 completes; the others stay open until something aborts them.
    transport.hold = (r) => r.start > 0;
    records.leaseLostAfter = 0;
    const err = await copySegments(run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LostLeaseError);
    blobs.stopped = true;
    expect(blobs.writesOpen).toBe(0);
    expect(records.segments).toEqual([]);
    for (const c of transport.calls) expect(c.request.signal.aborted && c.settled).toBe(true);
    // Nothing more starts after the run returned.
    const started = transport.calls.length;
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(transport.calls.length).toBe(started);
    expect(blobs.writesAfterStop).toBe(0);
  });

  it('stops when the run is aborted from outside (lease renewal refused)', async () => {
    const abort = new AbortController();
    const { transport, blobs, records, run } = setup([randomBytes(40 * MiB)], { signal: abort.signal });
    transport.hold = () => true;
    const running = copySegments(run).catch((e: unknown) => e);
    await new Promise<void>((resolve) => {
      const poll = () => (transport.calls.length >= 3 ? resolve() : setImmediate(poll));
      poll();
    });
    abort.abort(new LostLeaseError());
    await running;
    expect(blobs.writesOpen).toBe(0);
    expect(records.segments).toEqual([]);
    for (const c of transport.calls) expect(c.settled).toBe(true);
  });
});

describe('small files', () => {
  it('leaves the record of a run of one whole file to the activation that follows, and hashes it on the calling thread', async () => {
    const pool = new HashPool(1);
    try {
      const contents = [randomBytes(64 * 1024)];
      const { files, transport, blobs, records, run } = setup(contents);
      run.hashes = pool;
      run.activatesAfter = true;
      await copySegments(run);
      expect(blobs.blobs.get(`key-${files[0]?.id}`)?.equals(contents[0] as Buffer)).toBe(true);
      // One request, no range, no progress record of its own, no worker thread started.
      expect(transport.calls.map((c) => [c.request.start, c.request.end])).toEqual([[0, 64 * 1024]]);
      expect(records.filesDone).toEqual([]);
      expect(pool.threads).toBe(0);

      // Without a following activation, or with several files, each file is recorded as it lands.
      const alone = setup([randomBytes(1000)]);
      alone.run.hashes = pool;
      await copySegments(alone.run);
      expect(alone.records.filesDone).toEqual([alone.files[0]?.id]);
      const two = setup([randomBytes(1000), randomBytes(2000)]);
      two.run.hashes = pool;
      two.run.activatesAfter = true;
      await copySegments(two.run);
      expect(two.records.filesDone.sort()).toEqual(two.files.map((f) => f.id).sort());
      expect(pool.threads).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('verifies a small file hashed on the calling thread against the sealed hash: fetched again once, then checksum_mismatch', async () => {
    const pool = new HashPool(1);
    try {
      const once = setup([randomBytes(64 * 1024)]);
      once.run.hashes = pool;
      once.run.activatesAfter = true;
      once.transport.corrupt.set(`${once.files[0]?.id}/0`, 1);
      await copySegments(once.run);
      expect(once.transport.calls).toHaveLength(2);
      expect(once.blobs.blobs.get(`key-${once.files[0]?.id}`)?.equals(once.transport.files.get(once.files[0]?.id ?? '') as Buffer)).toBe(true);

      const twice = setup([randomBytes(64 * 1024)]);
      twice.run.hashes = pool;
      twice.run.activatesAfter = true;
      twice.transport.corrupt.set(`${twice.files[0]?.id}/0`, 2);
      const err = await copySegments(twice.run).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChecksumFault);
      expect((err as ChecksumFault).failureCode).toBe('checksum_mismatch');
      expect(pool.threads).toBe(0);
    } finally {
      await pool.close();
    }
  });
});

describe('hash pool', () => {
  it('hashes a segment of at most inlineHashBytes on the calling thread, a larger one in a worker thread, both exact', async () => {
    const pool = new HashPool(1);
    try {
      const small = randomBytes(inlineHashBytes);
      const session = pool.session(small.length);
      await session.update(small.subarray(0, 1000));
      await session.update(small.subarray(1000));
      expect(await session.digest()).toBe(sha(small));
      expect(pool.threads).toBe(0);
      const large = randomBytes(inlineHashBytes + 1);
      const threaded = pool.session(large.length);
      await threaded.update(large);
      expect(await threaded.digest()).toBe(sha(large));
      expect(pool.threads).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('hashes concurrent sessions exactly through its rings, whatever the chunk sizes, and reuses the rings', async () => {
    const datas = [randomBytes(5 * MiB + 3), randomBytes(3 * MiB + 77), randomBytes(0), randomBytes(4 * MiB)];
    const run = async (data: Buffer, piece: number) => {
      const session = hashes.session();
      for (let at = 0; at < data.length; at += piece) await session.update(data.subarray(at, at + piece));
      return session.digest();
    };
    for (let round = 0; round < 2; round++) {
      const got = await Promise.all(datas.map((d, i) => run(d, [65_536, 100_003, 1, 3 * MiB][i] ?? 1024)));
      expect(got).toEqual(datas.map(sha));
    }
  });
});
