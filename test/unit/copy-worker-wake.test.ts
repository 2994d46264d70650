import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DiskBlobStore } from '../../src/adapters/blob/blob-store-disk.js';
import { HttpPeerTransport } from '../../src/adapters/peer/http-peer-transport.js';
import { migrate, openDatabase, type OpenDatabase } from '../../src/adapters/db/database.js';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import type { CopyTask } from '../../src/domain/copy-task.js';
import { newId } from '../../src/domain/ids.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { CopyWorker } from '../../src/services/replication/copy-worker.js';
import { untilTrue as until } from '../helpers/poll.js';

let database: OpenDatabase;
let dir: string;

beforeEach(async () => {
  database = openDatabase('sqlite::memory:');
  await migrate(database);
  dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-wake-'));
});
afterEach(async () => {
  await database.close();
  await rm(dir, { recursive: true, force: true });
});


const task = (): CopyTask => {
  const at = new Date().toISOString();
  const assetId = newId();
  return {
    projectId: newId(), assetId, sourceRegion: 'cn-north-4', sourceProjectId: newId(), sourceAssetId: assetId, tokenId: newId(),
    files: [{ id: newId(), category: 'MAIN', name: 'a.png', type: 'png', size: 1000, md5: '0'.repeat(32), sha256: '0'.repeat(64), cap: 'c' }],
    state: 'CREATING', epoch: 0, leaseOwner: null, leaseExpiresAt: null, nextRunAt: at, attempts: 0, lastError: null, failureCode: null,
    filesDone: 0, bytesDone: 0, bytesTotal: 1000, deadline: '2999-01-01T00:00:00.000Z', requestId: null, startedAt: at, finishedAt: null,
  };
};

/**
 * A worker whose poll interval is far longer than any test: a task it runs was claimed because
 * it was woken. Its claims are recorded; `gate`, while set, holds a claim after its query ran.
 */
function wakeableWorker() {
  const real = new KyselyMetadataStore(database.db, database.engine);
  const claimed: string[] = [];
  const state: { gate?: Promise<void>; claims: number } = { claims: 0 };
  const store: MetadataStore = Object.assign(Object.create(real) as MetadataStore, {
    copyTasks: Object.assign(Object.create(real.copyTasks) as typeof real.copyTasks, {
      claimDue: async (o: Parameters<typeof real.copyTasks.claimDue>[0]) => {
        const tasks = await real.copyTasks.claimDue(o);
        state.claims += 1;
        await state.gate;
        claimed.push(...tasks.map((t) => t.assetId));
        return tasks;
      },
    }),
  });
  const worker = new CopyWorker({
    store, blobs: new DiskBlobStore({ root: path.join(dir, 'blobs') }), clock: systemClock, logger: pino({ level: 'silent' }),
    region: 'ap-southeast-3',
    // Nothing listens there: a claimed run fails to connect and is scheduled again (a retry, not a claim we wait on).
    peers: { 'cn-north-4': 'http://127.0.0.1:9' },
    parallelTasks: 4, transport: new HttpPeerTransport(2), peerBandwidthBytesPerSecond: 0, pollMs: 600_000,
  });
  return { real, worker, claimed, state };
}

it('claims an imported task when woken, without waiting for its poll interval', async () => {
  const { real, worker, claimed, state } = wakeableWorker();
  worker.start();
  try {
    await until('the first poll', () => state.claims === 1);
    const t = task();
    await real.copyTasks.insertTask(t);
    worker.wake();
    await until('the woken claim', () => claimed.includes(t.assetId));
    // Claimed by the poll the wake started: the first one found nothing, the interval is 10 minutes.
    expect(state.claims).toBeGreaterThanOrEqual(2);
    expect(claimed[0]).toBe(t.assetId);
  } finally {
    await worker.stop();
  }
});

it('polls again at once when woken during a poll that had already read the due tasks', async () => {
  const { real, worker, claimed, state } = wakeableWorker();
  let open: () => void = () => undefined;
  state.gate = new Promise<void>((resolve) => (open = resolve));
  worker.start();
  try {
    // The first poll found nothing and is held; the task is recorded and the worker woken meanwhile.
    await until('the first poll to read', () => state.claims === 1);
    const t = task();
    await real.copyTasks.insertTask(t);
    worker.wake();
    state.gate = undefined;
    open();
    await until('the claim after the held poll', () => claimed.includes(t.assetId));
    // The held poll found nothing; the one right after it claimed the task.
    expect(claimed[0]).toBe(t.assetId);
    expect(state.claims).toBeGreaterThanOrEqual(2);
  } finally {
    await worker.stop();
  }
});
