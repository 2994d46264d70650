// ShowAsset's cache of presented assets: each test first has ShowAsset answer from the cache
// (the hit is counted), then changes the asset one way (through the API, or straight through
// the store as another process of the region would), and expects the next answer to show the
// change: an answer served from a stale entry fails the test.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import { isoTime } from '../../src/domain/time.js';
import { insertCopy } from '../helpers/copy-fixture.js';
import { startTestRegion, TestClock, type TestRegion } from '../helpers/test-region.js';

const clock = new TestClock();
let t: TestRegion;

beforeAll(async () => {
  t = await startTestRegion({ clock });
});
afterAll(async () => {
  await t.close();
});

const png = Buffer.from('89504e470d0a1a0a', 'hex');

/** Answers ShowAsset served from the cache so far. */
async function hits(): Promise<number> {
  const text = await (await fetch(`${t.endpoint}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('assetbridge_show_cache_total{') && l.includes('result="hit"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
async function show(id: string, client = t.client): Promise<any> {
  const res = await client.call('GET', `/digital-assets/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Shows the asset until an answer comes from the cache (the first fills it), and returns that answer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
async function cached(id: string): Promise<any> {
  // Media metadata written in the background changes the asset: written before, not between.
  await t.region.media.idle();
  await show(id);
  const before = await hits();
  const body = await show(id);
  expect(await hits()).toBe(before + 1);
  return body;
}

const fileNames = (body: { files: { file_name: string }[] }) => body.files.map((f) => f.file_name).sort();

describe('ShowAsset cache', () => {
  it('serves the same answer from the cache as built anew', async () => {
    const id = await t.client.createAsset({ asset_name: 'same', tags: ['a'] });
    await t.client.addFile(id, 'main.png', png);
    // Media metadata written in the background changes the asset: written before, not between.
    await t.region.media.idle();
    const built = await show(id);
    const before = await hits();
    expect(await show(id)).toEqual(built);
    expect(await hits()).toBe(before + 1);
  });

  it('shows a change of the asset fields, its state and its share', async () => {
    const other = await t.addAccount();
    const id = await t.client.createAsset({ asset_name: 'fields' });
    await t.client.addFile(id, 'main.png', png);
    expect((await cached(id)).asset_name).toBe('fields');
    await t.client.ok('PUT', `/digital-assets/${id}`, { body: { asset_name: 'renamed', asset_description: 'new text' } });
    expect(await show(id)).toMatchObject({ asset_name: 'renamed', asset_description: 'new text' });

    expect((await cached(id)).asset_state).toBe('ACTIVED');
    await t.client.ok('PUT', `/digital-assets/${id}`, { body: { asset_state: 'UNACTIVED' } });
    expect((await show(id)).asset_state).toBe('UNACTIVED');

    expect((await cached(id)).shared_config).toBeUndefined();
    const params = JSON.stringify({ shared_type: 'SHARED', allowed_project_ids: [other.projectId] });
    await t.client.ok('POST', '/digital-assets/batch-action', { body: { action: 'SHARE', asset_ids: [id], params } });
    expect((await show(id)).shared_config).toMatchObject({ allowed_project_ids: [other.projectId] });
    // The sharee's answer is its own (no owner-only fields), never the owner's cached one.
    expect((await show(id, other.client)).shared_config).toBeUndefined();
  });

  it('shows files added, confirmed and deleted, and covers', async () => {
    const id = await t.client.createAsset({ asset_name: 'files' });
    expect((await cached(id)).files).toEqual([]);
    const main = await t.client.createFile(id, 'main.png', png);
    expect((await show(id)).files).toMatchObject([{ file_name: 'main.png', state: 'CREATING' }]);
    expect((await cached(id)).asset_state).toBe('CREATING');

    expect((await fetch(main.uploadUrl, { method: 'PUT', body: png })).status).toBe(200);
    await t.client.ok('POST', `/files/${main.fileId}/complete`, { body: { state: 'CREATED' } });
    const confirmed = await show(id);
    expect(confirmed.files).toMatchObject([{ file_name: 'main.png', state: 'CREATED', download_url: expect.any(String) }]);
    expect(confirmed.asset_state).toBe('ACTIVED');

    await cached(id);
    await t.client.addFile(id, 'cover.png', png, 'COVER');
    expect(fileNames(await show(id))).toEqual(['cover.png', 'main.png']);

    await cached(id);
    await t.client.ok('DELETE', `/files/${main.fileId}`, { rawBody: '' });
    expect(fileNames(await show(id))).toEqual(['cover.png']);
  });

  it('shows media metadata written in the background after the answer was cached', async () => {
    const image = await sharp({ create: { width: 64, height: 32, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
    const id = await t.client.createAsset({ asset_name: 'media', asset_type: 'IMAGE' });
    const fileId = await t.client.addFile(id, 'main.png', image);
    await t.region.media.idle();
    expect((await show(id)).asset_extra_meta).toMatchObject({ image_meta: { width: 64 } });
    // The metadata taken away again, the answer without it is cached; then the background
    // writer describes the file once more, as it does after a confirmation.
    await t.region.store.updateAsset(t.projectId, id, { assetExtraMeta: {}, updatedAt: isoTime(new Date()) });
    expect((await cached(id)).asset_extra_meta).toEqual({});
    const file = await t.region.store.getFile(t.projectId, fileId);
    if (!file) throw new Error('file row missing');
    await t.region.media.describe(file);
    expect((await show(id)).asset_extra_meta).toMatchObject({ image_meta: { width: 64, height: 32 } });
  });

  it('shows the recycle bin, a restore and a purge', async () => {
    const id = await t.client.createAsset({ asset_name: 'bin' });
    await t.client.addFile(id, 'main.png', png);
    expect((await cached(id)).asset_state).toBe('ACTIVED');
    await t.client.ok('DELETE', `/digital-assets/${id}`, { rawBody: '' });
    const deleting = await show(id);
    expect(deleting.asset_state).toBe('DELETING');
    expect(deleting.files[0].download_url).toBeUndefined();
    expect((await cached(id)).asset_state).toBe('DELETING');
    await t.client.ok('POST', `/digital-assets/${id}/restore`, { rawBody: '' });
    expect((await show(id)).asset_state).toBe('ACTIVED');

    await t.client.ok('DELETE', `/digital-assets/${id}`, { rawBody: '' });
    await cached(id);
    clock.offsetMs = 8 * 86_400_000;
    try {
      expect(await t.region.assets.purgeExpired()).toBeGreaterThanOrEqual(1);
    } finally {
      clock.offsetMs = 0;
    }
    expect((await t.client.call('GET', `/digital-assets/${id}`)).status).toBe(404);
  });

  it('shows a copy task moving on, written by another process through the database', async () => {
    const task = await insertCopy(t.region.store, { projectId: t.projectId, nextRunAt: '2999-01-01T00:00:00.000Z' });
    const key = { projectId: task.projectId, assetId: task.assetId, epoch: task.epoch };
    expect((await cached(task.assetId)).replication).toMatchObject({ state: 'CREATING', bytes_done: 0, attempts: 0 });
    expect(await t.region.store.copyTasks.recordProgress(key, task.files[0]?.id ?? '', 1, true)).toBe(true);
    expect((await show(task.assetId)).replication).toMatchObject({ bytes_done: 1, files_done: 1 });

    await cached(task.assetId);
    expect(await t.region.store.copyTasks.scheduleRetry(key, { attempts: 1, nextRunAt: '2999-01-01T00:00:00.000Z', lastError: 'source unreachable' })).toBe(true);
    expect((await show(task.assetId)).replication).toMatchObject({ attempts: 1, last_error: 'source unreachable' });

    await cached(task.assetId);
    expect(await t.region.store.copyTasks.scheduleRetry(key, { attempts: 1, nextRunAt: '2999-01-01T00:00:00.000Z', lastError: 'source unreachable!' })).toBe(true);
    expect((await show(task.assetId)).replication.last_error).toBe('source unreachable!');

    await cached(task.assetId);
    expect(await t.region.store.copyTasks.cancel(task.projectId, task.assetId, isoTime(new Date()))).toBe(true);
    expect((await show(task.assetId)).replication.state).toBe('CANCELLED');
  });

  it('shows replicas recorded, changed and removed with their rule', async () => {
    const id = await t.client.createAsset({ asset_name: 'replicas' });
    await t.client.addFile(id, 'main.png', png);
    expect((await cached(id)).replication_status).toBeUndefined();
    const ruleId = newId();
    const at = isoTime(new Date());
    const status = { projectId: t.projectId, assetId: id, ruleId, targetRegion: 'cn-east-3', state: 'PENDING' as const, lastError: null, version: 1, changedAt: at, completedTime: null, updatedAt: at };
    await t.region.store.rules.putStatus(status);
    expect((await show(id)).replication_status).toEqual([{ target_region: 'cn-east-3', rule_id: ruleId, state: 'PENDING' }]);

    await cached(id);
    // Same time, same version: only the state differs.
    await t.region.store.rules.putStatus({ ...status, state: 'FAILED', lastError: 'refused' });
    expect((await show(id)).replication_status).toMatchObject([{ state: 'FAILED', last_error: 'refused' }]);

    await cached(id);
    await t.region.store.rules.removeRule(ruleId);
    expect((await show(id)).replication_status).toBeUndefined();
  });

  it('shows a replica released from its rule (its update time moves on)', async () => {
    const id = await t.client.createAsset({ asset_name: 'released' });
    const ruleId = newId();
    const origin = { region: 'cn-east-3', projectId: newId(), assetId: newId(), ruleId, version: 1 };
    await t.region.store.updateAsset(t.projectId, id, { origin, updatedAt: isoTime(new Date()) });
    const before = (await cached(id)).update_time;
    const later = isoTime(new Date(Date.now() + 5_000));
    expect(await t.region.store.rules.releaseReplicas(t.projectId, ruleId, later)).toBe(1);
    const after = (await show(id)).update_time;
    expect(after).not.toBe(before);
    expect(after).toBe(`${later.slice(0, 19)}Z`);
  });

  it('answers 404 for an asset moved to another project, and serves the new owner its own answer', async () => {
    const other = await t.addAccount();
    const id = await t.client.createAsset({ asset_name: 'moving' });
    await t.client.addFile(id, 'main.png', png);
    await cached(id);
    const moved = await t.region.store.moveAsset({ projectId: t.projectId, assetId: id }, other.projectId, { appUserId: null, updatedAt: isoTime(new Date()) }, ['ACTIVED']);
    expect(moved).toBe(true);
    expect((await t.client.call('GET', `/digital-assets/${id}`)).status).toBe(404);
    expect((await show(id, other.client)).project_id).toBe(other.projectId);
  });

  it('gives an app user only its own assets, whoever filled the entry', async () => {
    const id = await t.client.createAsset({ asset_name: 'app-user' });
    await cached(id);
    const as = (user: string) => t.client.call('GET', `/digital-assets/${id}`, { headers: { 'X-App-UserId': user } });
    expect((await as('someone')).status).toBe(404);
    const mine = await t.client.call('POST', '/digital-assets', { body: { asset_name: 'app-user-own', asset_type: 'VIDEO' }, headers: { 'X-App-UserId': 'owner' } });
    expect(mine.body).toMatchObject({ asset_id: expect.any(String) });
    const own = mine.body.asset_id as string;
    const ownAs = (user: string) => t.client.call('GET', `/digital-assets/${own}`, { headers: { 'X-App-UserId': user } });
    expect((await ownAs('owner')).status).toBe(200);
    const before = await hits();
    expect((await ownAs('owner')).body.app_user_id).toBe('owner');
    expect(await hits()).toBe(before + 1);
    expect((await ownAs('intruder')).status).toBe(404);
  });

  it('reuses signed download URLs for a tenth of their lifetime at most', async () => {
    const id = await t.client.createAsset({ asset_name: 'urls' });
    await t.client.addFile(id, 'main.png', png);
    const first = (await cached(id)).files[0].download_url as string;
    const expires = (url: string) => Number(new URL(url).searchParams.get('Expires') ?? new URL(url).searchParams.get('expires'));
    try {
      clock.offsetMs = 59_000;
      expect((await show(id)).files[0].download_url).toBe(first);
      clock.offsetMs = 61_000;
      const later = (await show(id)).files[0].download_url as string;
      expect(later).not.toBe(first);
      expect(expires(later) - expires(first)).toBeGreaterThanOrEqual(61);
      expect((await fetch(later)).status).toBe(200);
    } finally {
      clock.offsetMs = 0;
    }
  });
});
