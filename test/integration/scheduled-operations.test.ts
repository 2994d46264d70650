import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestRegion, TestClock, type TestRegion } from '../helpers/test-region.js';

let t: TestRegion;
const clock = new TestClock();

beforeAll(async () => {
  // The loop looks every second: tests move the clock past an operation's time and wait for it.
  t = await startTestRegion({ clock, env: { ASSETBRIDGE_SCHEDULE_INTERVAL: '1' } });
});
afterAll(async () => {
  await t.close();
});

const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
/** RFC 3339 time `seconds` from the server's now. */
const inSeconds = (seconds: number): string => new Date(clock.now().getTime() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
const show = async (id: string): Promise<any> => (await t.client.call('GET', `/digital-assets/${id}`)).body;
const waitForState = (id: string, state: string) => vi.waitFor(async () => expect((await show(id)).asset_state).toBe(state), { timeout: 10_000, interval: 100 });
/** An ACTIVED asset with a main file, scheduling `config`. */
async function activeAsset(config: unknown[]): Promise<{ id: string; url: string }> {
  const id = await t.client.createAsset({ auto_operation_config: config });
  await t.client.addFile(id, 'main.png', png);
  const shown = await show(id);
  expect(shown.asset_state).toBe('ACTIVED');
  return { id, url: shown.files[0].download_url as string };
}

describe('scheduled operations (auto_operation_config)', () => {
  it('refuses an operation_time already past, or a malformed entry, with 400 and changes nothing', async () => {
    const past = [{ operation: 'BLOCK', operation_time: inSeconds(-5) }];
    const created = await t.client.call('POST', '/digital-assets', { body: { asset_name: 'sched-past', asset_type: 'IMAGE', auto_operation_config: past } });
    expect(created.status).toBe(400);
    expect(created.body.error_code).toBe('MSS.00000003');
    expect(created.body.error_msg).toContain('already past');
    expect((await t.client.call('GET', '/digital-assets', { query: { name: 'sched-past' } })).body.count).toBe(0);

    const id = await t.client.createAsset({ asset_name: 'sched-update' });
    const updated = await t.client.call('PUT', `/digital-assets/${id}`, { body: { asset_description: 'changed', auto_operation_config: past } });
    expect(updated.status).toBe(400);
    expect(updated.body.error_msg).toContain('operation_time');
    expect(await show(id)).toMatchObject({ auto_operation_config: [] });
    expect((await show(id)).asset_description).toBeUndefined();

    for (const bad of [[{ operation: 'FREEZE', operation_time: inSeconds(60) }], [{ operation: 'BLOCK', operation_time: 'tomorrow' }], [{ operation: 'BLOCK' }]]) {
      const res = await t.client.call('PUT', `/digital-assets/${id}`, { body: { auto_operation_config: bad } });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error_msg).toContain('auto_operation_config');
    }
  });

  it('BLOCKs at its time: state BLOCK, files not downloadable, nothing editable; the operator lifts it', async () => {
    const config = [{ operation: 'BLOCK', operation_time: inSeconds(120) }];
    const { id, url } = await activeAsset(config);
    expect(await show(id)).toMatchObject({ auto_operation_config: config });
    // Not before its time.
    expect(await t.region.scheduled.runDue()).toBe(0);
    clock.offsetMs += 121_000;
    await waitForState(id, 'BLOCK');
    const blocked = await show(id);
    expect(blocked.block_reason_code).toBe('SCHEDULED_BLOCK');
    expect(blocked.files[0].download_url).toBeUndefined();
    expect((await fetch(url)).status).not.toBe(200);
    const edit = await t.client.call('PUT', `/digital-assets/${id}`, { body: { asset_description: 'x' } });
    expect(edit.status).toBe(409);
    const summary = await t.client.call('POST', '/digital-assets/summarys', { body: { asset_ids: [id] } });
    expect(summary.body.asset_list[0]).toMatchObject({ asset_state: 'BLOCK', block_reason_code: 'SCHEDULED_BLOCK' });

    const lifted = await t.region.scheduled.unblock(id);
    expect(lifted).toMatchObject({ assetState: 'ACTIVED', blockReasonCode: null, stateBeforeBlock: null });
    const back = await show(id);
    expect(back.block_reason_code).toBeUndefined();
    expect((await fetch(back.files[0].download_url as string)).status).toBe(200);
    // At most once: the operation is done, later rounds leave the asset alone, and the same
    // config sent back (its time now past) is accepted without scheduling it again.
    expect(await t.region.scheduled.runDue()).toBe(0);
    const resent = await t.client.call('PUT', `/digital-assets/${id}`, { body: { auto_operation_config: config } });
    expect(resent.status).toBe(200);
    expect(await t.region.scheduled.runDue()).toBe(0);
    expect((await show(id)).asset_state).toBe('ACTIVED');
    expect(await t.region.store.schedule.list(t.projectId, id)).toEqual([expect.objectContaining({ operation: 'BLOCK', state: 'DONE' })]);
    // Unblocking what is not blocked is a conflict.
    await expect(t.region.scheduled.unblock(id)).rejects.toMatchObject({ kind: 'assetStateConflict' });
  });

  it('DELETEs at its time to the recycle bin, from which it restores', async () => {
    const { id } = await activeAsset([{ operation: 'DELETE', operation_time: inSeconds(60) }]);
    clock.offsetMs += 61_000;
    await waitForState(id, 'DELETING');
    expect((await t.client.call('POST', `/digital-assets/${id}/restore`)).status).toBe(200);
    expect((await show(id)).asset_state).toBe('ACTIVED');
    expect(await t.region.scheduled.runDue()).toBe(0);
    expect((await show(id)).asset_state).toBe('ACTIVED');
  });

  it('drops pending operations the config no longer holds, and runs each entry once under concurrent rounds', async () => {
    const dropped = await activeAsset([{ operation: 'DELETE', operation_time: inSeconds(30) }]);
    await t.client.ok('PUT', `/digital-assets/${dropped.id}`, { body: { auto_operation_config: [] } });
    const raced = await activeAsset([{ operation: 'BLOCK', operation_time: inSeconds(30) }, { operation: 'DELETE', operation_time: inSeconds(40) }]);
    clock.offsetMs += 41_000;
    const rounds = await Promise.all([t.region.scheduled.runDue(), t.region.scheduled.runDue(), t.region.scheduled.runDue()]);
    // The loop may have taken some too: together, each operation ran exactly once.
    expect(rounds.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2);
    await waitForState(raced.id, 'DELETING');
    const schedule = await t.region.store.schedule.list(t.projectId, raced.id);
    expect(schedule.map((s) => `${s.operation}:${s.state}`)).toEqual(['BLOCK:DONE', 'DELETE:DONE']);
    // Blocked, then deleted: a restore returns it to BLOCK, and unblock to ACTIVED.
    expect((await show(raced.id)).asset_state).toBe('DELETING');
    await t.client.ok('POST', `/digital-assets/${raced.id}/restore`);
    expect((await show(raced.id)).asset_state).toBe('BLOCK');
    expect((await t.region.scheduled.unblock(raced.id)).assetState).toBe('ACTIVED');
    expect((await show(dropped.id)).asset_state).toBe('ACTIVED');
    expect(await t.region.store.schedule.list(t.projectId, dropped.id)).toEqual([]);
  });

  it('a BLOCK due while the asset is in the recycle bin applies on restore', async () => {
    const { id } = await activeAsset([{ operation: 'BLOCK', operation_time: inSeconds(30) }]);
    await t.client.ok('DELETE', `/digital-assets/${id}`);
    clock.offsetMs += 31_000;
    await vi.waitFor(async () => expect((await t.region.store.schedule.list(t.projectId, id))[0]?.state).toBe('DONE'), { timeout: 10_000 });
    await t.client.ok('POST', `/digital-assets/${id}/restore`);
    expect((await show(id)).asset_state).toBe('BLOCK');
    await t.region.scheduled.unblock(id);
    expect((await show(id)).asset_state).toBe('ACTIVED');
  });

  it('keeps its schedule across restarts: an operation scheduled before one runs after it, and not again after another', async () => {
    const { id } = await activeAsset([{ operation: 'BLOCK', operation_time: inSeconds(20) }]);
    await t.restart();
    clock.offsetMs += 21_000;
    await waitForState(id, 'BLOCK');
    await t.restart();
    clock.offsetMs += 1_000;
    expect(await t.region.scheduled.runDue()).toBe(0);
    expect(await t.region.store.schedule.list(t.projectId, id)).toEqual([expect.objectContaining({ state: 'DONE' })]);
  });
});
