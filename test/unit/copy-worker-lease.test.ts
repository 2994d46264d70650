import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DiskBlobStore } from '../../src/adapters/blob/blob-store-disk.js';
import { HttpPeerTransport } from '../../src/adapters/peer/http-peer-transport.js';
import { migrate, openDatabase, type OpenDatabase } from '../../src/adapters/db/database.js';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import { newId } from '../../src/domain/ids.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { CopyWorker } from '../../src/services/replication/copy-worker.js';
import { untilTrue as until } from '../helpers/poll.js';

let database: OpenDatabase;
let dir: string;
let peer: http.Server;
let requestClosed: boolean | undefined;

beforeEach(async () => {
  database = openDatabase('sqlite::memory:');
  await migrate(database);
  dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-lease-'));
  requestClosed = undefined;
  // A source that sends the headers and a few bytes, then nothing: the copy stays in progress.
  peer = http.createServer((req, res) => {
    requestClosed = false;
    req.on('close', () => (requestClosed = true));
    res.writeHead(200, { 'content-length': '1000' });
    res.write(Buffer.alloc(10));
  });
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
});
afterEach(async () => {
  peer.closeAllConnections();
  await new Promise((resolve) => peer.close(resolve));
  await database.close();
  await rm(dir, { recursive: true, force: true });
});


it('logs and counts failed lease renewals, and keeps copying', async () => {
  const real = new KyselyMetadataStore(database.db, database.engine);
  // The database refuses every renewal (e.g. it is briefly unreachable); all else works.
  const store: MetadataStore = Object.assign(Object.create(real) as MetadataStore, {
    copyTasks: Object.assign(Object.create(real.copyTasks) as typeof real.copyTasks, {
      renewLease: () => Promise.reject(new Error('database unreachable')),
    }),
  });
  const projectId = newId();
  const assetId = newId();
  const at = new Date().toISOString();
  await real.copyTasks.insertTask({
    projectId, assetId, sourceRegion: 'cn-north-4', sourceProjectId: newId(), sourceAssetId: assetId, tokenId: newId(),
    files: [{ id: newId(), category: 'MAIN', name: 'a.mp4', type: 'mp4', size: 1000, md5: '0'.repeat(32), sha256: '0'.repeat(64), cap: 'c' }],
    state: 'CREATING', epoch: 0, leaseOwner: null, leaseExpiresAt: null, nextRunAt: at, attempts: 0, lastError: null, failureCode: null,
    filesDone: 0, bytesDone: 0, bytesTotal: 1000, deadline: '2999-01-01T00:00:00.000Z', requestId: null, startedAt: at, finishedAt: null,
  });
  const lines: { msg: string; err?: { message: string } }[] = [];
  const logger = pino(new Writable({ write: (chunk: Buffer, _e, done) => done(void lines.push(JSON.parse(chunk.toString()))) }));
  let failures = 0;
  const worker = new CopyWorker({
    store, blobs: new DiskBlobStore({ root: path.join(dir, 'blobs') }), clock: systemClock, logger, region: 'ap-southeast-3',
    peers: { 'cn-north-4': `http://127.0.0.1:${(peer.address() as AddressInfo).port}` },
    parallelTasks: 1, transport: new HttpPeerTransport(2), peerBandwidthBytesPerSecond: 0, leaseMs: 60, pollMs: 20,
    onLeaseRenewFailed: () => (failures += 1),
  });
  worker.start();
  try {
    await until('the download to start', () => requestClosed === false);
    const before = failures;
    await until('two more failed renewals', () => failures >= before + 2);
    expect(requestClosed).toBe(false);
    const logged = lines.filter((l) => l.msg === 'copy lease renewal failed');
    expect(logged.length).toBeGreaterThanOrEqual(2);
    expect(logged[0]?.err?.message).toBe('database unreachable');
  } finally {
    await worker.stop();
  }
});
