import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../../src/adapters/blob/blob-store-disk.js';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import type { OpenDatabase } from '../../src/adapters/db/database.js';
import { HttpPeerTransport } from '../../src/adapters/peer/http-peer-transport.js';
import type { Clock } from '../../src/ports/clock.js';
import { CopyWorker } from '../../src/services/replication/copy-worker.js';
import { openTestDatabase } from '../helpers/backend.js';
import { insertCopy } from '../helpers/copy-fixture.js';

/** Claiming copy tasks, on the chosen backend (SQLite by default, PostgreSQL with ASSETBRIDGE_TEST_BACKEND=postgres). */
let database: OpenDatabase;
let remove: () => Promise<void>;
let store: KyselyMetadataStore;
let dir: string;
beforeEach(async () => {
  ({ database, remove } = await openTestDatabase());
  store = new KyselyMetadataStore(database.db, database.engine);
  dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-claims-'));
});
afterEach(async () => {
  await remove();
  await rm(dir, { recursive: true, force: true });
});

const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

describe('claiming copy tasks', () => {
  it('never hands the same task to two claimers running at once', async () => {
    const tasks = await Promise.all(Array.from({ length: 40 }, () => insertCopy(store)));
    const now = minutesFromNow(1);
    const leaseUntil = minutesFromNow(10);
    const claimedBy: Record<string, string[]> = { w1: [], w2: [], w3: [] };
    // Each claimer takes small batches until nothing is due; all three run at once.
    await Promise.all(
      Object.keys(claimedBy).map(async (owner) => {
        for (;;) {
          const got = await store.copyTasks.claimDue({ owner, now, leaseUntil, limit: 3 });
          if (got.length === 0) return;
          for (const t of got) {
            expect(t).toMatchObject({ leaseOwner: owner, leaseExpiresAt: leaseUntil, epoch: 1, claims: 1 });
            claimedBy[owner]?.push(t.assetId);
          }
        }
      }),
    );
    const all = Object.values(claimedBy).flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(tasks.map((t) => t.assetId).sort());
    // Leased: nothing is due until the leases lapse.
    expect(await store.copyTasks.claimDue({ owner: 'w4', now, leaseUntil, limit: 100 })).toEqual([]);
  });

  it('counts claims; a run that schedules a retry or is handed back does not count', async () => {
    const task = await insertCopy(store);
    const claim = (m: number) => store.copyTasks.claimDue({ owner: 'w', now: minutesFromNow(m), leaseUntil: minutesFromNow(m + 1), limit: 1 });
    const [first] = await claim(2);
    const [second] = await claim(4); // the first lease lapsed: a crash
    expect([first?.claims, second?.claims, second?.epoch]).toEqual([1, 2, 2]);
    expect(await store.copyTasks.scheduleRetry(second!, { attempts: 1, nextRunAt: minutesFromNow(5), lastError: 'peer down' })).toBe(true);
    const [third] = await claim(6);
    expect(third?.claims).toBe(2);
    expect(await store.copyTasks.release(third!)).toBe(true);
    expect(await store.copyTasks.getTask(task.projectId, task.assetId)).toMatchObject({ claims: 1, leaseOwner: null, leaseExpiresAt: null });
    // A stale run (older epoch) hands back nothing.
    expect(await store.copyTasks.release(first!)).toBe(false);
  });

  it('fails a task as worker_crashed once it was claimed COPY_MAX_CLAIMS times by workers that vanished', async () => {
    const crashing = await insertCopy(store);
    // Another task claimed one time less: it still runs (and fails for its own reason, no peer).
    const spared = await insertCopy(store, { sourceRegion: 'eu-west-101' });
    const maxClaims = 3;
    for (let i = 0; i < maxClaims; i++) {
      await store.copyTasks.claimDue({ owner: `gone-${i}`, now: minutesFromNow(2 * i + 1), leaseUntil: minutesFromNow(2 * i + 2), limit: 1 });
      if (i < maxClaims - 1) await store.copyTasks.claimDue({ owner: `gone-s${i}`, now: minutesFromNow(2 * i + 1), leaseUntil: minutesFromNow(2 * i + 2), limit: 1 });
    }
    const clock: Clock = { now: () => new Date(Date.now() + 60 * 60_000) };
    const worker = new CopyWorker({
      store, blobs: new DiskBlobStore({ root: path.join(dir, 'blobs') }), clock, logger: pino({ level: 'silent' }), region: 'ap-southeast-3',
      peers: { 'cn-north-4': 'http://127.0.0.1:9' }, parallelTasks: 4, streamsPerPeer: 1, transport: new HttpPeerTransport(1),
      peerBandwidthBytesPerSecond: 0, maxClaims,
    });
    expect(await worker.runOnce()).toBe(2);
    await worker.idle();
    const crashed = await store.copyTasks.getTask(crashing.projectId, crashing.assetId);
    expect(crashed).toMatchObject({ state: 'FAILED', failureCode: 'worker_crashed', claims: maxClaims + 1 });
    expect(crashed?.lastError).toContain(`claimed ${maxClaims} times`);
    const asset = await store.getAsset(crashing.projectId, crashing.assetId);
    expect(asset).toMatchObject({ assetState: 'FAILED', failType: 'worker_crashed' });
    expect((await store.listFiles(crashing.projectId, [crashing.assetId])).map((f) => f.state)).toEqual(['FAILED']);
    expect(await store.copyTasks.getTask(spared.projectId, spared.assetId)).toMatchObject({ state: 'FAILED', failureCode: 'source_refused' });
    // No poll of this worker outlives the test's database.
    await worker.stop();
  });

  it('hands a running copy back when its worker stops: lease released, the claim uncounted', async () => {
    // A source that answers the headers of the 1-byte file, then nothing: the copy stays in
    // progress (bytes sent beyond the file's size would be hashed at once and fail it).
    let started = false;
    const peer = http.createServer((_req, res) => {
      started = true;
      res.writeHead(200, { 'content-length': '1' });
      res.flushHeaders();
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    try {
      const t = await insertCopy(store);
      const worker = new CopyWorker({
        store, blobs: new DiskBlobStore({ root: path.join(dir, 'blobs') }), clock: { now: () => new Date(Date.now() + 1000) }, logger: pino({ level: 'silent' }),
        region: 'ap-southeast-3', peers: { 'cn-north-4': `http://127.0.0.1:${(peer.address() as AddressInfo).port}` },
        parallelTasks: 1, streamsPerPeer: 1, transport: new HttpPeerTransport(1), peerBandwidthBytesPerSecond: 0,
      });
      expect(await worker.runOnce()).toBe(1);
      expect(await store.copyTasks.getTask(t.projectId, t.assetId)).toMatchObject({ leaseOwner: worker.owner, claims: 1 });
      for (const until = Date.now() + 10_000; !started && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
      expect(started).toBe(true);
      await worker.stop();
      expect(await store.copyTasks.getTask(t.projectId, t.assetId)).toMatchObject({ state: 'CREATING', leaseOwner: null, leaseExpiresAt: null, claims: 0 });
    } finally {
      peer.closeAllConnections();
      await new Promise((resolve) => peer.close(resolve));
    }
  });
});
