import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SealedInfo } from '../../src/services/replication/seal.js';
import { capabilitiesIn } from '../helpers/key-ring.js';
import { TestClock } from '../helpers/test-region.js';
import { startTwoRegions, waitForCopy, type TwoRegions } from '../helpers/two-regions.js';

/**
 * Region B keeps each copy's manifest, download capabilities included, only while it may need
 * them: an ACTIVED or CANCELLED copy's stored manifest loses them at once; a FAILED copy's
 * once its copy window ended (the sweeper; B's clock is moved past the task's deadline).
 */

const clockB = new TestClock();
let r: TwoRegions;

beforeAll(async () => {
  // Slow copies in B (64 KiB/s), so a copy is still running when B deletes it.
  r = await startTwoRegions({ clockB, env: { b: { ASSETBRIDGE_PEER_BANDWIDTH_LIMIT: '65536' } } });
});
afterAll(async () => {
  await r?.close();
});

async function exported(bytes: Buffer): Promise<{ id: string; info: SealedInfo; caps: string[] }> {
  const id = await r.a.client.createAsset();
  await r.a.client.addFile(id, 'main.mp4', bytes);
  const info = (await r.a.client.ok('GET', `/digital-assets/${id}/replication-info`)) as SealedInfo;
  const caps = Object.values(capabilitiesIn(r.ringKey, info, 'ap-southeast-3'));
  expect(caps.every((c) => c.length > 20)).toBe(true);
  return { id, info, caps };
}

/** The capabilities B keeps in its stored copy of the manifest, and its raw text for a leak of any of `caps`. */
async function stored(id: string, caps: string[]): Promise<{ state: string; kept: string[]; leaked: boolean }> {
  const task = await r.b.region.store.copyTasks.getTask(r.projectB, id);
  const text = JSON.stringify(task?.files ?? []);
  return { state: task?.state ?? 'none', kept: (task?.files ?? []).map((f) => f.cap).filter((c) => c !== ''), leaked: caps.some((c) => text.includes(c)) };
}

describe("region B's stored manifest", () => {
  it('loses its capabilities when the copy turns ACTIVED (file names and digests stay)', async () => {
    const { id, info, caps } = await exported(randomBytes(2000));
    expect((await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: info })).status).toBe(200);
    expect((await waitForCopy(r.clientB, id)).asset_state).toBe('ACTIVED');
    expect(await stored(id, caps)).toEqual({ state: 'ACTIVED', kept: [], leaked: false });
    const task = await r.b.region.store.copyTasks.getTask(r.projectB, id);
    expect(task?.files).toEqual([expect.objectContaining({ name: 'main.mp4', size: 2000, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
  });

  it('loses its capabilities when the copy is cancelled by a delete in B', async () => {
    // About 8 s at 64 KiB/s: the delete comes first.
    const { id, info, caps } = await exported(randomBytes(512 * 1024));
    expect((await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: info })).body.asset_state).toBe('CREATING');
    expect((await stored(id, caps)).kept).toHaveLength(1);
    expect((await r.clientB.call('DELETE', `/digital-assets/${id}`)).status).toBe(200);
    expect(await stored(id, caps)).toEqual({ state: 'CANCELLED', kept: [], leaked: false });
  });

  it("keeps a FAILED copy's capabilities until its copy window ended, then the sweeper removes them", async () => {
    const { id, info, caps } = await exported(randomBytes(1000));
    // In A's recycle bin before B downloads: A refuses the capability and the copy fails.
    expect((await r.a.client.call('DELETE', `/digital-assets/${id}`)).status).toBe(200);
    expect((await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: info })).status).toBe(200);
    expect((await waitForCopy(r.clientB, id)).asset_state).toBe('FAILED');
    await r.b.region.worker.sweep();
    expect(await stored(id, caps)).toMatchObject({ state: 'FAILED', kept: caps });

    const deadline = Date.parse((await r.b.region.store.copyTasks.getTask(r.projectB, id))?.deadline ?? '');
    clockB.offsetMs = deadline - Date.now() + 1_000;
    try {
      await r.b.region.worker.sweep();
      expect(await stored(id, caps)).toEqual({ state: 'FAILED', kept: [], leaked: false });
    } finally {
      clockB.offsetMs = 0;
    }
    // Posting the info again still restarts the copy, with the info's own capabilities.
    expect((await r.a.client.call('POST', `/digital-assets/${id}/restore`)).status).toBe(200);
    expect((await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: info })).body.asset_state).toBe('CREATING');
    expect((await waitForCopy(r.clientB, id)).asset_state).toBe('ACTIVED');
  });
});
