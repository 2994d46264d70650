import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegion, TestClock, type TestRegion } from '../helpers/test-region.js';

let t: TestRegion;
const clock = new TestClock();

beforeAll(async () => {
  t = await startTestRegion({ clock });
});
afterAll(async () => {
  await t.close();
});

const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describe('asset API', () => {
  it('creates an asset in CREATING, shows it, and activates it when the main file is confirmed', async () => {
    const c = t.client;
    const created = await c.call('POST', '/digital-assets', {
      body: { asset_name: 'portrait', asset_type: 'IMAGE', asset_description: 'a face', tags: ['face', 'demo'], system_properties: [{ key: 'BACKGROUND_IMG', value: 'Yes' }] },
    });
    expect(created.status).toBe(200);
    expect(created.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(created.body.asset_id).toMatch(/^[0-9a-f]{32}$/);
    expect(created.body.produce_id).toMatch(/^[0-9a-f]{32}$/);
    const id = created.body.asset_id as string;

    const shown = await c.call('GET', `/digital-assets/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      project_id: t.projectId, asset_id: id, asset_name: 'portrait', asset_type: 'IMAGE', asset_state: 'CREATING',
      asset_description: 'a face', tags: ['face', 'demo'], system_properties: [{ key: 'BACKGROUND_IMG', value: 'Yes' }], files: [],
    });
    expect(shown.body.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const fileId = await c.addFile(id, 'face.png', png);
    const active = await c.call('GET', `/digital-assets/${id}`);
    expect(active.body.asset_state).toBe('ACTIVED');
    expect(active.body.files).toHaveLength(1);
    const file = active.body.files[0];
    expect(file).toMatchObject({ file_id: fileId, file_name: 'face.png', file_size: png.length, file_type: 'png', asset_file_category: 'MAIN', state: 'CREATED' });
    const download = await fetch(file.download_url as string);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(png);
    expect(download.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
  });

  it('honours X-Request-Id when well formed', async () => {
    const res = await t.client.call('GET', '/digital-assets', { headers: { 'x-request-id': 'my-trace-0001' } });
    expect(res.headers.get('x-request-id')).toBe('my-trace-0001');
    const bad = await t.client.call('GET', '/digital-assets', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(bad.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });

  it('lists with filters, sorting, paging and a total count', async () => {
    const c = t.client;
    const tag = `t${Date.now()}`;
    const ids: string[] = [];
    for (const [i, type] of ['VIDEO', 'AUDIO', 'VIDEO'].entries()) {
      ids.push(await c.createAsset({ asset_name: `list-${tag}-${i}`, asset_type: type, tags: [tag], system_properties: i === 0 ? [{ key: 'STYLE_ID', value: 's1' }] : [] }));
    }
    const all = await c.call('GET', '/digital-assets', { query: { tag, limit: '2', sort_key: 'asset_name', sort_dir: 'asc' } });
    expect(all.status).toBe(200);
    expect(all.body.count).toBe(3);
    expect(all.body.assets.map((a: { asset_name: string }) => a.asset_name)).toEqual([`list-${tag}-0`, `list-${tag}-1`]);
    const page2 = await c.call('GET', '/digital-assets', { query: { tag, limit: '2', offset: '2', sort_key: 'asset_name', sort_dir: 'asc' } });
    expect(page2.body.assets.map((a: { asset_id: string }) => a.asset_id)).toEqual([ids[2]]);
    const videos = await c.call('GET', '/digital-assets', { query: { tag, asset_type: 'VIDEO,IMAGE' } });
    expect(videos.body.count).toBe(2);
    const byName = await c.call('GET', '/digital-assets', { query: { name: `${tag}-1` } });
    expect(byName.body.assets.map((a: { asset_id: string }) => a.asset_id)).toEqual([ids[1]]);
    const byProp = await c.call('GET', '/digital-assets', { query: { tag, system_property: 'STYLE_ID:s1' } });
    expect(byProp.body.assets.map((a: { asset_id: string }) => a.asset_id)).toEqual([ids[0]]);
    const byKey = await c.call('GET', '/digital-assets', { query: { tag, system_property: 'STYLE_ID' } });
    expect(byKey.body.count).toBe(1);
    const byState = await c.call('GET', '/digital-assets', { query: { tag, asset_state: 'ACTIVED' } });
    expect(byState.body.count).toBe(0);
    const byIds = await c.call('GET', '/digital-assets', { query: { asset_id: [ids[0] ?? '', ids[2] ?? ''] } });
    expect(byIds.body.count).toBe(2);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = await c.call('GET', '/digital-assets', { query: { tag, start_time: future } });
    expect(later.body.count).toBe(0);
    const before = await c.call('GET', '/digital-assets', { query: { tag, end_time: future } });
    expect(before.body.count).toBe(3);
    const dflt = await c.call('GET', '/digital-assets');
    expect(dflt.body.assets.length).toBeLessThanOrEqual(10);
  });

  it('scopes reads and writes to the X-App-UserId app user, and stores it on create', async () => {
    const c = t.client;
    const mine = await c.createAsset({ asset_name: 'app-user-a' });
    const res = await c.call('POST', '/digital-assets', { body: { asset_name: 'app-user-b', asset_type: 'IMAGE' }, headers: { 'x-app-userid': 'user-b' } });
    const theirs = res.body.asset_id as string;
    const asB = await c.call('GET', '/digital-assets', { headers: { 'x-app-userid': 'user-b' } });
    expect(asB.body.assets.map((a: { asset_id: string }) => a.asset_id)).toEqual([theirs]);
    expect(asB.body.assets[0].app_user_id).toBe('user-b');
    expect((await c.call('GET', `/digital-assets/${mine}`, { headers: { 'x-app-userid': 'user-b' } })).status).toBe(404);
    expect((await c.call('DELETE', `/digital-assets/${mine}`, { headers: { 'x-app-userid': 'user-b' } })).status).toBe(404);
    const filtered = await c.call('GET', '/digital-assets', { query: { app_user_id: 'user-b' } });
    expect(filtered.body.count).toBe(1);
    expect((await c.call('GET', `/digital-assets/${mine}`)).status).toBe(200);
  });

  it('updates metadata, property actions and the activation toggle', async () => {
    const c = t.client;
    const id = await c.createAsset({ asset_name: 'upd', system_properties: [{ key: 'STYLE_ID', value: 'a' }, { key: 'DH_ID', value: 'd' }] });
    const early = await c.call('PUT', `/digital-assets/${id}`, { body: { asset_state: 'UNACTIVED' } });
    expect(early.status).toBe(409);
    expect(early.body.error_code).toBe('MSS.10002001');
    const upd = await c.call('PUT', `/digital-assets/${id}`, {
      body: { asset_name: 'upd-2', asset_description: 'new', tags: ['x'], system_properties: [{ key: 'DH_ID', value: '', action: 'DELETE' }, { key: 'STYLE_ID', value: 'b', action: 'ADD' }] },
    });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ asset_name: 'upd-2', asset_description: 'new', tags: ['x'], system_properties: [{ key: 'STYLE_ID', value: 'b' }] });
    await c.addFile(id, 'main.png', png);
    const off = await c.call('PUT', `/digital-assets/${id}`, { body: { asset_state: 'UNACTIVED' } });
    expect(off.body.asset_state).toBe('UNACTIVED');
    const on = await c.call('PUT', `/digital-assets/${id}`, { body: { asset_state: 'ACTIVED' } });
    expect(on.body.asset_state).toBe('ACTIVED');
  });

  it('refuses a duplicate name with 409 MSS.10001005', async () => {
    const c = t.client;
    await c.createAsset({ asset_name: 'dup-name' });
    const again = await c.call('POST', '/digital-assets', { body: { asset_name: 'dup-name', asset_type: 'IMAGE' } });
    expect(again.status).toBe(409);
    expect(again.body.error_code).toBe('MSS.10001005');
    const other = await c.createAsset({ asset_name: 'dup-other' });
    const rename = await c.call('PUT', `/digital-assets/${other}`, { body: { asset_name: 'dup-name' } });
    expect(rename.status).toBe(409);
    expect(rename.body.error_code).toBe('MSS.10001005');
  });

  it('deletes to the recycle bin, restores to the previous state, and purges after the retention', async () => {
    const c = t.client;
    const id = await c.createAsset({ asset_name: 'bin' });
    await c.addFile(id, 'main.png', png);
    const del = await c.call('DELETE', `/digital-assets/${id}`, { rawBody: '' });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({});
    expect((await c.call('GET', `/digital-assets/${id}`)).body.asset_state).toBe('DELETING');
    const restore = await c.call('POST', `/digital-assets/${id}/restore`, { rawBody: '' });
    expect(restore.status).toBe(200);
    expect((await c.call('GET', `/digital-assets/${id}`)).body.asset_state).toBe('ACTIVED');
    const again = await c.call('POST', `/digital-assets/${id}/restore`);
    expect(again.status).toBe(409);

    await c.call('DELETE', `/digital-assets/${id}`);
    const shown = await c.call('GET', `/digital-assets/${id}`);
    const url = shown.body.files[0]?.download_url as string | undefined;
    expect(url).toBeUndefined();
    clock.offsetMs = 8 * 86_400_000;
    try {
      expect(await t.region.assets.purgeExpired()).toBeGreaterThanOrEqual(1);
    } finally {
      clock.offsetMs = 0;
    }
    expect((await c.call('GET', `/digital-assets/${id}`)).status).toBe(404);
  });

  it('force-deletes at once, removing the files, and frees the name', async () => {
    const c = t.client;
    const id = await c.createAsset({ asset_name: 'force-me' });
    await c.addFile(id, 'main.png', png);
    const before = await c.call('GET', `/digital-assets/${id}`);
    const url = before.body.files[0].download_url as string;
    const del = await c.call('DELETE', `/digital-assets/${id}`, { query: { mode: 'force' } });
    expect(del.status).toBe(200);
    expect((await c.call('GET', `/digital-assets/${id}`)).status).toBe(404);
    expect((await fetch(url)).status).toBe(404);
    expect(await c.createAsset({ asset_name: 'force-me' })).toMatch(/^[0-9a-f]{32}$/);
  });

  it('summarises assets with cover URLs', async () => {
    const c = t.client;
    const a = await c.createAsset({ asset_name: 'sum-a' });
    await c.addFile(a, 'main.png', png);
    const b = await c.createAsset({ asset_name: 'sum-b', asset_type: 'VIDEO' });
    const res = await c.call('POST', '/digital-assets/summarys', { body: { asset_ids: [a, b, '0'.repeat(32)] } });
    expect(res.status).toBe(200);
    const list = res.body.asset_list as { asset_id: string; cover_url?: string; asset_state: string }[];
    expect(list.map((s) => s.asset_id).sort()).toEqual([a, b].sort());
    expect(list.find((s) => s.asset_id === a)?.cover_url).toMatch(/^http/);
    expect(list.find((s) => s.asset_id === b)?.cover_url).toBeUndefined();
  });

  it('runs batch actions and reports each asset', async () => {
    const c = t.client;
    const a = await c.createAsset({ asset_name: 'batch-a' });
    await c.addFile(a, 'main.png', png);
    const b = await c.createAsset({ asset_name: 'batch-b' });
    const missing = 'f'.repeat(32);
    const un = await c.call('POST', '/digital-assets/batch-action', { body: { action: 'UNACTIVE', asset_ids: [a, b, missing] } });
    expect(un.status).toBe(200);
    const results = un.body.results as { ret_status: string; asset_ids: string[]; error_info?: { error_code: string } }[];
    expect(results.find((r) => r.ret_status === 'SUCCESS')?.asset_ids).toEqual([a]);
    expect(results.find((r) => r.error_info?.error_code === 'MSS.10002001')?.asset_ids).toEqual([b]);
    expect(results.find((r) => r.error_info?.error_code === 'MSS.10001001')?.asset_ids).toEqual([missing]);
    const del = await c.call('POST', '/digital-assets/batch-action', { body: { action: 'DELETE', asset_ids: [a, b] } });
    expect(del.body.results).toEqual([{ ret_status: 'SUCCESS', asset_ids: [a, b] }]);
    const res = await c.call('POST', '/digital-assets/batch-action', { body: { action: 'RESTORE', asset_ids: [a, b] } });
    expect(res.body.results[0].ret_status).toBe('SUCCESS');
    expect((await c.call('GET', `/digital-assets/${a}`)).body.asset_state).toBe('UNACTIVED');
    const act = await c.call('POST', '/digital-assets/batch-action', { body: { action: 'ACTIVE', asset_ids: [a] } });
    expect(act.body.results[0].ret_status).toBe('SUCCESS');
    const force = await c.call('POST', '/digital-assets/batch-action', { body: { action: 'DELETE_FORCE', asset_ids: [b] } });
    expect(force.body.results[0].ret_status).toBe('SUCCESS');
    expect((await c.call('GET', `/digital-assets/${b}`)).status).toBe(404);
    // SHARE needs its shared_config (docs/api-behaviour.md, "Sharing").
    const share = await c.call('POST', '/digital-assets/batch-action', { body: { action: 'SHARE', asset_ids: [a] } });
    expect(share.status).toBe(400);
    expect(share.body.error_code).toBe('MSS.00000003');
    const unshare = await c.call('POST', '/digital-assets/batch-action', { body: { action: 'UNSHARE', asset_ids: [a] } });
    expect(unshare.body.results).toEqual([{ ret_status: 'SUCCESS', asset_ids: [a] }]);
  });

  it('keeps one MAIN and one COVER file per asset, and deletes files', async () => {
    const c = t.client;
    const id = await c.createAsset({ asset_name: 'slots' });
    const main = await c.createFile(id, 'a.png', png, 'MAIN');
    const second = await c.call('POST', '/files', { body: { asset_id: id, file_name: 'b.png', file_md5: 'AAAAAAAAAAAAAAAAAAAAAA==', file_size: 3, asset_file_category: 'MAIN' } });
    expect(second.status).toBe(409);
    expect(second.body.error_code).toBe('MSS.10001008');
    await c.addFile(id, 'cover.png', png, 'COVER');
    const cover2 = await c.call('POST', '/files', { body: { asset_id: id, file_name: 'c.png', file_md5: 'AAAAAAAAAAAAAAAAAAAAAA==', file_size: 3, asset_file_category: 'COVER' } });
    expect(cover2.body.error_code).toBe('MSS.10001009');
    const del = await c.call('DELETE', `/files/${main.fileId}`, { rawBody: '' });
    expect(del.status).toBe(200);
    expect((await c.call('DELETE', `/files/${main.fileId}`)).status).toBe(404);
    await c.addFile(id, 'a2.png', png, 'MAIN');
    const shown = await c.call('GET', `/digital-assets/${id}`);
    expect(shown.body.files.map((f: { file_name: string }) => f.file_name).sort()).toEqual(['a2.png', 'cover.png']);
  });

  it('confirms a file FAILED (asset FAILED) or CANCELLED', async () => {
    const c = t.client;
    const id = await c.createAsset({ asset_name: 'fails' });
    const f = await c.createFile(id, 'x.png', png);
    expect((await c.call('POST', `/files/${f.fileId}/complete`, { body: { state: 'FAILED' } })).status).toBe(200);
    const shown = await c.call('GET', `/digital-assets/${id}`);
    expect(shown.body.asset_state).toBe('FAILED');
    expect(shown.body.reason).toBeTruthy();
    const g = await c.createFile(id, 'y.png', png, 'OTHER');
    expect((await c.call('POST', `/files/${g.fileId}/complete`, { body: { state: 'CANCELLED' } })).status).toBe(200);
    const put = await fetch(g.uploadUrl, { method: 'PUT', body: png });
    expect(put.status).toBe(403);
  });
});
