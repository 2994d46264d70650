import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTwoRegions, type TwoRegions } from '../helpers/two-regions.js';

/** A copy posted again after it failed or was cancelled, before the sweeper reached its last run. */
const MiB = 1024 * 1024;
let p: TwoRegions;
beforeAll(async () => {
  // One stream at 8 MiB/s: the first 16 MiB segment is recorded after about 2 s, the file (3 segments) after 5 s.
  p = await startTwoRegions({ env: { b: { ASSETBRIDGE_COPY_STREAMS_PER_PEER: '1', ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: String(8 * MiB) } } });
});
afterAll(async () => p.close());

describe('a copy started again before its last run was swept', () => {
  it('aborts the last run\'s recorded upload and forgets its parts before the new run starts', async () => {
    const id = await p.a.client.createAsset({ asset_type: 'VIDEO' });
    await p.a.client.addFile(id, 'big.mp4', randomBytes(40 * MiB), 'MAIN');
    const info = (await p.a.client.call('GET', `/digital-assets/${id}/replication-info`)).body;
    const post = () => p.clientB.call('POST', '/digital-assets-by-replication-info', { body: info });
    expect((await post()).status).toBe(200);
    const tasks = p.b.region.store.copyTasks;
    // A recorded segment.
    await vi.waitFor(async () => expect((await tasks.segments(p.projectB, id)).length).toBeGreaterThan(0), { timeout: 60_000, interval: 50 });
    const uploadId = (await tasks.fileProgress(p.projectB, id))[0]?.uploadId;
    expect(uploadId).toEqual(expect.any(String));
    const staging = path.join(p.b.dataDir, 'blobs', '.tmp', `${uploadId}.seg`);
    const onDisk = p.b.region.blobs.kind === 'disk';
    if (onDisk) expect(existsSync(staging)).toBe(true);

    // Nothing runs or sweeps copies in B from here on: the worker hands the copy back and stops.
    await p.b.region.worker.stop();
    // Deleted (the task is CANCELLED) and restored: the asset is FAILED, its run's leftovers still there.
    expect((await p.clientB.call('DELETE', `/digital-assets/${id}`)).status).toBe(200);
    expect((await p.clientB.call('POST', `/digital-assets/${id}/restore`)).status).toBe(200);
    expect((await tasks.getTask(p.projectB, id))?.state).toBe('CANCELLED');
    expect((await tasks.listUnswept(100)).map((t) => t.assetId)).toContain(id);
    expect((await tasks.segments(p.projectB, id)).length).toBeGreaterThan(0);

    const segmented = p.b.region.blobs.segmented;
    const abort = segmented.abort.bind(segmented);
    const aborted: string[] = [];
    segmented.abort = async (key, upload) => {
      aborted.push(upload);
      await abort(key, upload);
    };
    const before = (await tasks.getTask(p.projectB, id))!.epoch;
    const again = await post();
    expect(again.body).toEqual({ asset_id: id, asset_state: 'CREATING' });
    expect(aborted).toEqual([uploadId]);
    if (onDisk) expect(existsSync(staging)).toBe(false);
    const restarted = (await tasks.getTask(p.projectB, id))!;
    expect({ state: restarted.state, epoch: restarted.epoch > before }).toEqual({ state: 'CREATING', epoch: true });
    expect(await tasks.segments(p.projectB, id)).toEqual([]);
    expect((await tasks.fileProgress(p.projectB, id)).map((f) => f.uploadId)).toEqual([null]);
  });
});
