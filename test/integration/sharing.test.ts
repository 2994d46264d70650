import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeyRing } from '../../src/services/replication/key-ring.js';
import { openInfo, type SealedInfo } from '../../src/services/replication/seal.js';
import type { ApiClient, ApiResponse } from '../helpers/api-client.js';
import { TestClock, type TestAccount } from '../helpers/test-region.js';
import { startTwoRegions, type TwoRegions } from '../helpers/two-regions.js';

/**
 * Sharing over HTTP: X shares assets with Y's project (and sometimes Z's) in cn-north-4; the
 * sharee lists, shows and downloads them through its own project's paths; every rule of
 * `shared_config`, UNSHARE and expiry taking effect at once. What a sharee may not do is in
 * sharing-isolation.test.ts.
 */

const clock = new TestClock();
let r: TwoRegions;
let x: ApiClient;
let y: TestAccount;
let z: TestAccount;

const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000002', 'hex');

const expectError = (res: ApiResponse, status: number, code: string) => {
  expect({ status: res.status, code: res.body?.error_code }).toEqual({ status, code });
};
const ids = (res: { assets: { asset_id: string }[] }) => res.assets.map((a) => a.asset_id);
const shareeList = (client: ApiClient) => client.ok('GET', '/digital-assets', { query: { role: 'SHAREE', limit: '100' } });
const batch = (action: string, assetIds: string[], params?: unknown) =>
  x.ok('POST', '/digital-assets/batch-action', { body: { action, asset_ids: assetIds, ...(params === undefined ? {} : { params: JSON.stringify(params) }) } });
const shared = (...projects: string[]) => ({ shared_type: 'SHARED', allowed_project_ids: projects });

/** An ACTIVED asset of X with a confirmed MAIN file, shared as `sharedConfig` says (if given). */
async function asset(name: string, sharedConfig?: unknown): Promise<string> {
  const id = await r.a.client.createAsset({ asset_name: name, ...(sharedConfig ? { shared_config: sharedConfig } : {}) });
  await r.a.client.addFile(id, 'main.png', png);
  return id;
}

/** MetaStudio's default expiry: the share day + 30 days, 23:59:59 UTC. */
function defaultExpiry(): string {
  const d = clock.now();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 30, 23, 59, 59)).toISOString().replace('.000Z', 'Z');
}

beforeAll(async () => {
  r = await startTwoRegions({ clockA: clock });
  x = r.a.client;
  y = await r.a.addAccount();
  z = await r.a.addAccount();
});
afterAll(async () => {
  await r?.close();
});

describe('shared_config', () => {
  it('is completed with the default expiry and shown to the owner', async () => {
    const id = await asset('with-default', { allowed_project_ids: [y.projectId, y.projectId] });
    expect((await x.ok('GET', `/digital-assets/${id}`)).shared_config).toEqual({ shared_type: 'SHARED', allowed_project_ids: [y.projectId], expire_time: defaultExpiry() });
    const until = new Date(clock.now().getTime() + 86_400_000).toISOString();
    const updated = await x.ok('PUT', `/digital-assets/${id}`, { body: { shared_config: { shared_type: 'SHARED', allowed_project_ids: [z.projectId], expire_time: until } } });
    expect(updated.shared_config).toEqual({ shared_type: 'SHARED', allowed_project_ids: [z.projectId], expire_time: `${until.slice(0, 19)}Z` });
    expect((await x.ok('PUT', `/digital-assets/${id}`, { body: { shared_config: { shared_type: 'PRIVATE' } } })).shared_config).toEqual({ shared_type: 'PRIVATE' });
  });

  const refusals: [string, () => unknown, number, string][] = [
    ['PUBLIC (the operator\'s)', () => ({ shared_type: 'PUBLIC' }), 403, 'MSS.10006005'],
    ['an unknown project', () => shared('f'.repeat(32)), 400, 'MSS.00000003'],
    ["the owner's project in another region", () => shared(r.projectB), 400, 'MSS.00000003'],
    ["the owner's own project", () => shared(r.a.projectId), 400, 'MSS.00000003'],
    ['SHARED without projects', () => ({ shared_type: 'SHARED' }), 400, 'MSS.00000003'],
    ['PRIVATE with projects', () => ({ shared_type: 'PRIVATE', allowed_project_ids: [y.projectId] }), 400, 'MSS.00000003'],
    ['an expiry in the past', () => ({ ...shared(y.projectId), expire_time: '2020-01-01T00:00:00Z' }), 400, 'MSS.00000003'],
    ['an expiry that is no time', () => ({ ...shared(y.projectId), expire_time: 'tomorrow' }), 400, 'MSS.00000003'],
    ['a malformed project id', () => shared('Y'), 400, 'MSS.00000003'],
    ['an unknown shared_type', () => ({ shared_type: 'FRIENDS' }), 400, 'MSS.00000003'],
  ];

  it.each(refusals)('refuses %s on create, update and SHARE, changing nothing', async (_name, config, status, code) => {
    const before = (await x.ok('GET', '/digital-assets', { query: { limit: '1' } })).count as number;
    expectError(await x.call('POST', '/digital-assets', { body: { asset_name: 'refused', asset_type: 'IMAGE', shared_config: config() } }), status, code);
    expect((await x.ok('GET', '/digital-assets', { query: { limit: '1' } })).count).toBe(before);
    const id = await asset(`kept-${Math.random()}`, shared(y.projectId));
    const kept = (await x.ok('GET', `/digital-assets/${id}`)).shared_config;
    expectError(await x.call('PUT', `/digital-assets/${id}`, { body: { shared_config: config(), asset_description: 'not this either' } }), status, code);
    const shareRes = await x.call('POST', '/digital-assets/batch-action', { body: { action: 'SHARE', asset_ids: [id], params: JSON.stringify(config()) } });
    expectError(shareRes, status, code);
    const after = await x.ok('GET', `/digital-assets/${id}`);
    expect({ config: after.shared_config, description: after.asset_description }).toEqual({ config: kept, description: undefined });
  });

  it('reads SHARE params as JSON text of a shared_config', async () => {
    const id = await asset('by-batch');
    const call = (params?: string) => x.call('POST', '/digital-assets/batch-action', { body: { action: 'SHARE', asset_ids: [id], params } });
    expectError(await call(), 400, 'MSS.00000003');
    expectError(await call('{not json'), 400, 'MSS.00000003');
    expectError(await call('{"allowed_project_ids": "one"}'), 400, 'MSS.00000003');
    const missing = 'e'.repeat(32);
    const res = await x.ok('POST', '/digital-assets/batch-action', { body: { action: 'SHARE', asset_ids: [id, missing], params: JSON.stringify(shared(y.projectId)) } });
    expect(res.results).toEqual([
      { ret_status: 'SUCCESS', asset_ids: [id] },
      { ret_status: 'FAILED', asset_ids: [missing], error_info: { error_code: 'MSS.10001001', error_msg: expect.any(String) } },
    ]);
    expect(ids(await shareeList(y.client))).toContain(id);
  });
});

describe('what a sharee sees', () => {
  let id = '';
  let unsharedId = '';
  beforeAll(async () => {
    id = await asset('for-y', shared(y.projectId));
    unsharedId = await asset('not-shared');
  });

  it('lists it with role=SHAREE, without the owner\'s settings, and downloads it', async () => {
    const list = await shareeList(y.client);
    const item = list.assets.find((a: { asset_id: string }) => a.asset_id === id);
    expect(item).toMatchObject({ project_id: r.a.projectId, asset_name: 'for-y', asset_state: 'ACTIVED' });
    expect(item).not.toHaveProperty('shared_config');
    expect(ids(list)).not.toContain(unsharedId);
    const url = new URL(item.files[0].download_url as string);
    expect(url.searchParams.get('via')).toBe(y.projectId);
    expect(Buffer.from(await (await fetch(url)).arrayBuffer())).toEqual(png);
    // Its own listing and the other roles hold none of X's assets.
    expect(ids(await y.client.ok('GET', '/digital-assets', { query: { limit: '100' } }))).not.toContain(id);
    expect(ids(await y.client.ok('GET', '/digital-assets', { query: { role: 'SHARER' } }))).not.toContain(id);
    expectError(await y.client.call('GET', '/digital-assets', { query: { role: 'FRIEND' } }), 400, 'MSS.00000003');
  });

  it('shows it at its own project\'s path', async () => {
    const shown = await y.client.ok('GET', `/digital-assets/${id}`);
    expect(shown).toMatchObject({ asset_id: id, project_id: r.a.projectId, asset_name: 'for-y' });
    expect(shown).not.toHaveProperty('shared_config');
    expect(Buffer.from(await (await fetch(shown.files[0].download_url as string)).arrayBuffer())).toEqual(png);
    expectError(await y.client.call('GET', `/digital-assets/${unsharedId}`), 404, 'MSS.10001001');
  });

  it('is nothing for a project the share does not name', async () => {
    expect((await shareeList(z.client)).count).toBe(0);
    expectError(await z.client.call('GET', `/digital-assets/${id}`), 404, 'MSS.10001001');
  });

  it('is listed by the owner with role=SHARER', async () => {
    const sharing = ids(await x.ok('GET', '/digital-assets', { query: { role: 'SHARER', limit: '100' } }));
    expect(sharing).toContain(id);
    expect(sharing).not.toContain(unsharedId);
  });

  it('gets download URLs that end no later than the share', async () => {
    const soon = new Date(clock.now().getTime() + 120_000);
    const briefly = await asset('briefly', { ...shared(y.projectId), expire_time: soon.toISOString() });
    const forSharee = new URL((await y.client.ok('GET', `/digital-assets/${briefly}`)).files[0].download_url as string);
    expect(Number(forSharee.searchParams.get('expires'))).toBe(Math.floor(soon.getTime() / 1000));
    const forOwner = new URL((await x.ok('GET', `/digital-assets/${briefly}`)).files[0].download_url as string);
    expect(Number(forOwner.searchParams.get('expires'))).toBeGreaterThan(Math.floor(soon.getTime() / 1000) + 3000);
    // The project the URL names is signed with it.
    forSharee.searchParams.set('via', z.projectId);
    const tampered = await fetch(forSharee);
    expect({ status: tampered.status, code: ((await tampered.json()) as { error_code: string }).error_code }).toEqual({ status: 403, code: 'MSS.10002005' });
  });

  it('is sealed for copy only by its owner, in the owner\'s name', async () => {
    expectError(await y.client.call('GET', `/digital-assets/${id}/replication-info`), 404, 'MSS.10001001');
    const info = (await x.ok('GET', `/digital-assets/${id}/replication-info`)) as SealedInfo;
    const opened = openInfo(parseKeyRing({ active: 'k1', keys: { k1: r.ringKey } }), info);
    if (!opened.ok) throw new Error(opened.reason);
    expect(JSON.parse(opened.plaintext.toString('utf8')).src).toMatchObject({ account: r.a.accountId, project: r.a.projectId });
  });
});

describe('the end of a share takes effect at once', () => {
  it('UNSHARE: lists, shows and downloads stop, URLs already handed out included', async () => {
    const id = await asset('unshared-later', shared(y.projectId, z.projectId));
    const url = (await y.client.ok('GET', `/digital-assets/${id}`)).files[0].download_url as string;
    expect((await fetch(url)).status).toBe(200);
    // Only Y is removed: Z keeps its share.
    expect((await batch('UNSHARE', [id], { allowed_project_ids: [y.projectId] })).results[0].ret_status).toBe('SUCCESS');
    expect((await fetch(url)).status).toBe(404);
    expectError(await y.client.call('GET', `/digital-assets/${id}`), 404, 'MSS.10001001');
    expect(ids(await shareeList(y.client))).not.toContain(id);
    expect(ids(await shareeList(z.client))).toContain(id);
    expect((await x.ok('GET', `/digital-assets/${id}`)).shared_config).toMatchObject({ shared_type: 'SHARED', allowed_project_ids: [z.projectId] });
    // Without params: nobody.
    await batch('UNSHARE', [id]);
    expect(ids(await shareeList(z.client))).not.toContain(id);
    expect((await x.ok('GET', `/digital-assets/${id}`)).shared_config).toEqual({ shared_type: 'PRIVATE' });
  });

  it('deleting the asset ends what the sharee sees', async () => {
    const id = await asset('deleted-later', shared(y.projectId));
    const url = (await y.client.ok('GET', `/digital-assets/${id}`)).files[0].download_url as string;
    await x.ok('DELETE', `/digital-assets/${id}`);
    expectError(await y.client.call('GET', `/digital-assets/${id}`), 404, 'MSS.10001001');
    expect((await fetch(url)).status).toBe(404);
  });

  it('expiry: at expire_time the share is over', async () => {
    const id = await asset('expiring', { ...shared(y.projectId), expire_time: new Date(clock.now().getTime() + 60_000).toISOString() });
    const url = (await y.client.ok('GET', `/digital-assets/${id}`)).files[0].download_url as string;
    clock.offsetMs += 61_000;
    try {
      expectError(await y.client.call('GET', `/digital-assets/${id}`), 404, 'MSS.10001001');
      expect(ids(await shareeList(y.client))).not.toContain(id);
      expect(ids(await x.ok('GET', '/digital-assets', { query: { role: 'SHARER', limit: '100' } }))).not.toContain(id);
      const res = await fetch(url);
      expect({ status: res.status, code: ((await res.json()) as { error_code: string }).error_code }).toEqual({ status: 403, code: 'MSS.10002005' });
    } finally {
      clock.offsetMs = 0;
    }
  });

  it('a transfer of the asset drops its share', async () => {
    const id = await asset('transferred-shared', shared(z.projectId));
    const jobId = (await x.ok('POST', '/digital-assets-action/transfers', { body: { asset_ids: [id], dest_project_id: y.projectId } })).job_id as string;
    await y.client.ok('POST', `/digital-assets-action/transfers/${jobId}/accept`);
    expectError(await z.client.call('GET', `/digital-assets/${id}`), 404, 'MSS.10001001');
    const mine = await y.client.ok('GET', `/digital-assets/${id}`);
    expect({ project: mine.project_id, shared: mine.shared_config }).toEqual({ project: y.projectId, shared: undefined });
  });
});
