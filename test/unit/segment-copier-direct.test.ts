import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../../src/adapters/blob/blob-store-disk.js';
import { HttpPeerTransport } from '../../src/adapters/peer/http-peer-transport.js';
import { CHUNK_SIZE, chunkCount } from '../../src/domain/chunks.js';
import type { CopySegment, ManifestFile } from '../../src/domain/copy-task.js';
import { PeerFault, SourceChangedError, type PeerRangeRequest } from '../../src/ports/peer-transport.js';
import { HashPool } from '../../src/services/replication/hash-pool.js';
import { RateLimiter } from '../../src/services/replication/rate-limiter.js';
import { ChecksumFault, copySegments, LostLeaseError, type SegmentCopyRun } from '../../src/services/replication/segment-copier.js';
import { Semaphore } from '../../src/services/replication/semaphore.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;
const piece = 256 * 1024;

/**
 * A source region over real HTTP: ranged GETs of files by id, honouring If-Range. `corrupt`
 * flips a byte of the next N answers of a range (`fileId/start`); `hold` keeps a range's
 * answer open after its first piece until the client goes; `status` answers a file with it.
 */
class Source {
  readonly files = new Map<string, Buffer>();
  readonly corrupt = new Map<string, number>();
  readonly status = new Map<string, number>();
  hold: ((fileId: string, start: number) => boolean) | undefined;
  /** Answers still sending (held ones included). */
  open = 0;
  requests = 0;
  readonly server = http.createServer((req, res) => this.answer(req, res));

  private answer(req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    const id = /\/files\/([0-9a-f]+)$/.exec(req.url ?? '')?.[1] ?? '';
    const status = this.status.get(id);
    const file = this.files.get(id);
    if (status !== undefined || !file) {
      res.writeHead(status ?? 404).end(status === 403 ? 'the capability expired' : 'no');
      return;
    }
    const etag = `"${sha(file)}"`;
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const ranged = m !== null && req.headers['if-range'] === etag;
    const start = ranged ? Number(m[1]) : 0;
    const end = ranged ? Number(m[2]) + 1 : file.length;
    const bytes = Buffer.from(file.subarray(start, end));
    const left = this.corrupt.get(`${id}/${start}`) ?? 0;
    if (left > 0) {
      this.corrupt.set(`${id}/${start}`, left - 1);
      bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    }
    res.writeHead(ranged ? 206 : 200, { 'content-length': String(bytes.length), etag });
    this.open += 1;
    res.on('close', () => (this.open -= 1));
    if (this.hold?.(id, start)) {
      res.write(bytes.subarray(0, piece));
      return;
    }
    res.end(bytes);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

const source = new Source();
const transport = new HttpPeerTransport(8);
const hashes = new HashPool(1);
let dir = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => source.server.listen(0, '127.0.0.1', resolve));
  dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-direct-'));
});
afterEach(() => {
  source.corrupt.clear();
  source.status.clear();
  source.hold = undefined;
});
afterAll(async () => {
  transport.close();
  await hashes.close();
  source.server.closeAllConnections();
  await new Promise((resolve) => source.server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function manifestFile(bytes: Buffer): ManifestFile {
  const chunks = Array.from({ length: chunkCount(bytes.length) }, (_, i) => sha(bytes.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)));
  const f = { id: randomBytes(16).toString('hex'), category: 'MAIN', name: 'f', type: 'mp4', size: bytes.length, md5: '0'.repeat(32), sha256: sha(bytes), chunks, cap: 'cap' } as const;
  source.files.set(f.id, bytes);
  return f;
}

/** Records segments; `leaseLostAfter` refuses every record after that many. */
class Records {
  readonly segments: CopySegment[] = [];
  readonly filesDone: string[] = [];
  leaseLostAfter = Infinity;
  async recordUpload(): Promise<boolean> {
    return true;
  }
  async recordSegment(_t: unknown, s: CopySegment): Promise<boolean> {
    if (this.segments.length >= this.leaseLostAfter) return false;
    this.segments.push(s);
    return true;
  }
  async recordProgress(_t: unknown, fileId: string, _offset: number, done: boolean): Promise<boolean> {
    if (done) this.filesDone.push(fileId);
    return true;
  }
}

function setup(contents: Buffer[], o: { signal?: AbortSignal } = {}) {
  const files = contents.map(manifestFile);
  const root = path.join(dir, randomBytes(4).toString('hex'));
  const blobs = new DiskBlobStore({ root });
  const records = new Records();
  let fetchedInto = 0;
  const counting = {
    fetchRange: (r: PeerRangeRequest) => transport.fetchRange(r),
    fetchRangeInto: (r: PeerRangeRequest, t: Parameters<NonNullable<HttpPeerTransport['fetchRangeInto']>>[1]) => {
      fetchedInto += 1;
      return transport.fetchRangeInto(r, t);
    },
  };
  const run: SegmentCopyRun = {
    task: { projectId: 'p', assetId: 'a', epoch: 1, sourceProjectId: 'sp' },
    files,
    progress: new Map(),
    segments: [],
    endpoint: source.endpoint,
    region: 'here',
    transport: counting,
    blobs,
    store: records,
    hashes,
    streams: new Semaphore(4),
    lanes: 4,
    limiter: new RateLimiter(0),
    blobKey: (id) => `copies/${id}`,
    signal: o.signal ?? new AbortController().signal,
  };
  return { files, root, records, run, fetchedInto: () => fetchedInto };
}

const request = (f: ManifestFile, start: number, end: number, signal = new AbortController().signal): PeerRangeRequest => ({
  endpoint: source.endpoint, sourceProjectId: 'sp', fileId: f.id, capability: 'cap', targetRegion: 'here', start, end, size: f.size, etag: `"${f.sha256}"`, signal,
});

describe('segments written in the transport\'s worker thread (disk store)', () => {
  it('copies every segment into the staging file off the event loop, exact, recording each once durable', async () => {
    const contents = [randomBytes(40 * MiB + 3), randomBytes(100 * 1024)];
    const { files, root, records, run, fetchedInto } = setup(contents);
    await copySegments(run);
    for (const [i, f] of files.entries()) expect((await readFile(path.join(root, `copies/${f.id}`))).equals(contents[i] as Buffer)).toBe(true);
    // Three segments of the large file went through the thread; the small file streamed whole.
    expect(fetchedInto()).toBe(3);
    expect(records.segments.map((s) => `${s.index}:${s.bytes}:${s.etag}`).sort()).toEqual([`0:${CHUNK_SIZE}:"0-${CHUNK_SIZE}"`, `1:${CHUNK_SIZE}:"1-${CHUNK_SIZE}"`, `2:${8 * MiB + 3}:"2-${8 * MiB + 3}"`]);
  });

  it('fetches a segment that fails its hash once more, and fails the copy with checksum_mismatch the second time', async () => {
    const contents = [randomBytes(20 * MiB)];
    const ok = setup(contents);
    const id = ok.files[0]?.id ?? '';
    source.corrupt.set(`${id}/${CHUNK_SIZE}`, 1);
    await copySegments(ok.run);
    expect((await readFile(path.join(ok.root, `copies/${id}`))).equals(contents[0] as Buffer)).toBe(true);
    expect(ok.fetchedInto()).toBe(3);

    const bad = setup(contents);
    const badId = bad.files[0]?.id ?? '';
    source.corrupt.set(`${badId}/${CHUNK_SIZE}`, 2);
    const err = await copySegments(bad.run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumFault);
    expect((err as ChecksumFault).failureCode).toBe('checksum_mismatch');
    expect(bad.records.segments.map((s) => s.index)).not.toContain(1);
    expect(bad.records.filesDone).toEqual([]);
  });

  it('stops every write when the lease is lost: the run returns with no answer left open, and the staging file changes no more', async () => {
    const contents = [randomBytes(64 * MiB)];
    const { root, records, run } = setup(contents);
    // Segment 0 completes; the others stay open until something aborts them.
    source.hold = (_id, start) => start > 0;
    records.leaseLostAfter = 0;
    const err = await copySegments(run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LostLeaseError);
    expect(records.segments).toEqual([]);
    const staging = (await readdirOf(path.join(root, '.tmp')))[0] ?? '';
    const before = await readFile(staging);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await readFile(staging)).equals(before)).toBe(true);
    await waitFor(() => source.open === 0);
  });

  it('stops when the run is aborted from outside, once nothing of it writes any more', async () => {
    const abort = new AbortController();
    const { records, run } = setup([randomBytes(40 * MiB)], { signal: abort.signal });
    source.hold = () => true;
    const seen = source.requests;
    const running = copySegments(run).catch((e: unknown) => e);
    await waitFor(() => source.requests - seen >= 3);
    abort.abort(new LostLeaseError());
    expect(await running).toBeInstanceOf(LostLeaseError);
    expect(records.segments).toEqual([]);
    await waitFor(() => source.open === 0);
  });
});

describe('the HTTP transport writing a range into a file', () => {
  it('answers durable with the exact bytes at the offset; false for a wrong hash, too few or too many bytes', async () => {
    const bytes = randomBytes(3 * MiB + 5);
    const f = manifestFile(bytes);
    const file = path.join(dir, 'target');
    await writeFile(file, Buffer.alloc(bytes.length));
    const range = bytes.subarray(MiB, 2 * MiB + 5);
    expect(await transport.fetchRangeInto(request(f, MiB, 2 * MiB + 5), { file, offset: MiB, sha256: sha(range) })).toEqual({ durable: true, received: MiB + 5 });
    const written = await readFile(file);
    expect(written.subarray(MiB, 2 * MiB + 5).equals(range)).toBe(true);
    expect(written.subarray(0, MiB).equals(Buffer.alloc(MiB))).toBe(true);
    expect((await transport.fetchRangeInto(request(f, 0, MiB), { file, offset: 0, sha256: sha(range) })).durable).toBe(false);
    // Whole-file requests for a size other than the source's: more bytes come than asked, or fewer.
    const tooMany = await transport.fetchRangeInto({ ...request(f, 0, MiB), size: MiB }, { file, offset: 0, sha256: sha(bytes.subarray(0, MiB)) });
    expect(tooMany.durable).toBe(false);
    const longer = bytes.length + 10;
    const tooFew = await transport.fetchRangeInto({ ...request(f, 0, longer), size: longer }, { file, offset: 0, sha256: sha(bytes) });
    expect(tooFew).toEqual({ durable: false, received: bytes.length });
  });

  it('maps the source\'s answers as fetchRange does: other content, refusals, a missing staging file', async () => {
    const bytes = randomBytes(2 * MiB);
    const f = manifestFile(bytes);
    const file = path.join(dir, 'target2');
    await writeFile(file, Buffer.alloc(bytes.length));
    const target = { file, offset: 0, sha256: sha(bytes.subarray(0, MiB)) };
    await expect(transport.fetchRangeInto({ ...request(f, 0, MiB), etag: '"other"' }, target)).rejects.toBeInstanceOf(SourceChangedError);
    source.status.set(f.id, 404);
    await expect(transport.fetchRangeInto(request(f, 0, MiB), target)).rejects.toMatchObject({ kind: 'permanent', failureCode: 'source_not_found' });
    source.status.set(f.id, 403);
    await expect(transport.fetchRangeInto(request(f, 0, MiB), target)).rejects.toMatchObject({ kind: 'permanent', failureCode: 'capability_expired' });
    source.status.set(f.id, 503);
    await expect(transport.fetchRangeInto(request(f, 0, MiB), target)).rejects.toMatchObject({ kind: 'transient' });
    source.status.clear();
    const missing = await transport.fetchRangeInto(request(f, 0, MiB), { ...target, file: path.join(dir, 'nothing-here') }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Error);
    expect(missing).not.toBeInstanceOf(PeerFault);
    const unreachable = await transport.fetchRangeInto({ ...request(f, 0, MiB), endpoint: 'http://127.0.0.1:1' }, target).catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ kind: 'transient' });
  });
});

async function readdirOf(folder: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(folder)).filter((n) => n.endsWith('.seg')).map((n) => path.join(folder, n));
}

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(cond()).toBe(true);
}
