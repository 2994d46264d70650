import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, md5Base64, type ApiResponse } from '../helpers/api-client.js';
import { startTwoRegions, waitForCopy, type TwoRegions } from '../helpers/two-regions.js';
import { TestClock, type TestAccount } from '../helpers/test-region.js';

/**
 * Per-project quotas (ASSETBRIDGE_QUOTA_*), small here: 3 assets per project, 2 files per
 * asset, 1000 bytes awaiting upload. Every way an asset or file appears is refused past them
 * with its own code, and stores nothing.
 */

const quotaEnv = {
  ASSETBRIDGE_QUOTA_ASSETS_PER_PROJECT: '3',
  ASSETBRIDGE_QUOTA_FILES_PER_ASSET: '2',
  ASSETBRIDGE_QUOTA_PENDING_UPLOAD_BYTES: '1000',
};
const png = Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001', 'hex');
let r: TwoRegions;
const clockA = new TestClock();

beforeAll(async () => {
  // Region A lets an asset hold 3 files, B only 2: a copy of a 3-file asset does not fit in B.
  r = await startTwoRegions({ clockA, env: { a: { ...quotaEnv, ASSETBRIDGE_QUOTA_FILES_PER_ASSET: '3' }, b: quotaEnv } });
});
afterAll(async () => {
  await r?.close();
});

const expectError = (res: ApiResponse, status: number, code: string) => {
  expect({ status: res.status, code: res.body?.error_code }).toEqual({ status, code });
};
const countAssets = async (client: ApiClient): Promise<number> =>
  (await client.ok('GET', '/digital-assets', { query: { asset_state: 'CREATING,FAILED,UNACTIVED,ACTIVED,DELETING', limit: '100' } })).count as number;
/** A new account of the deployment, with its clients in A and B. */
async function accountInBoth(): Promise<{ a: ApiClient; b: ApiClient; projectB: string }> {
  const account = await r.a.addAccount();
  const projectB = (await r.a.identity.projects(account.name)).find((p) => p.region === 'ap-southeast-3')?.id ?? '';
  return { a: account.client, b: new ApiClient({ endpoint: r.b.endpoint, projectId: projectB, accessKey: account.accessKey, secretKey: account.secretKey }), projectB };
}
const declare = (client: ApiClient, assetId: string, size: number, category = 'OTHER') =>
  client.call('POST', '/files', { body: { asset_id: assetId, file_name: `f${Math.random()}.bin`, file_md5: md5Base64(Buffer.alloc(size)), file_size: size, asset_file_category: category } });

describe('assets per project', () => {
  it('refuses a create past the quota (MSS.10007001), counts the recycle bin, frees room on a delete for good', async () => {
    const { client, projectId } = await r.a.addAccount();
    const ids = [await client.createAsset(), await client.createAsset(), await client.createAsset()];
    const refused = await client.call('POST', '/digital-assets', { body: { asset_name: 'one-too-many', asset_type: 'IMAGE' } });
    expectError(refused, 403, 'MSS.10007001');
    expect(refused.body.error_msg).toContain('quota of 3');
    expect(await countAssets(client)).toBe(3);

    await client.ok('DELETE', `/digital-assets/${ids[0]}`);
    expectError(await client.call('POST', '/digital-assets', { body: { asset_name: 'still-full', asset_type: 'IMAGE' } }), 403, 'MSS.10007001');
    await client.ok('DELETE', `/digital-assets/${ids[0]}`, { query: { mode: 'force' } });
    expect((await client.call('POST', '/digital-assets', { body: { asset_name: 'fits-again', asset_type: 'IMAGE' } })).status).toBe(200);
    // The store's count of held assets follows every change.
    expect(await r.a.region.store.countAssets(projectId)).toBe(3);
    await client.ok('DELETE', `/digital-assets/${ids[1]}`);
    // Past the recycle bin's retention (7 days), the purge deletes it for good.
    clockA.offsetMs = 8 * 86_400_000;
    try {
      expect(await r.a.region.assets.purgeExpired()).toBeGreaterThanOrEqual(1);
    } finally {
      clockA.offsetMs = 0;
    }
    expect(await r.a.region.store.countAssets(projectId)).toBe(2);
    expect(await r.a.region.store.countAssets(projectId)).toBe(await countAssets(client));
  });

  it('lets exactly one of concurrent creates take the last place', async () => {
    const { client } = await r.a.addAccount();
    await client.createAsset();
    await client.createAsset();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => client.call('POST', '/digital-assets', { body: { asset_name: `racer-${i}`, asset_type: 'IMAGE' } })),
    );
    expect(results.filter((res) => res.status === 200)).toHaveLength(1);
    for (const res of results.filter((x) => x.status !== 200)) expectError(res, 403, 'MSS.10007001');
    expect(await countAssets(client)).toBe(3);
  });

  it("refuses a copy's import into a full project (nothing stored)", async () => {
    const c = await accountInBoth();
    const source = await c.a.createAsset();
    await c.a.addFile(source, 'main.png', png);
    const info = await c.a.ok('GET', `/digital-assets/${source}/replication-info`);
    const filler: string[] = [];
    for (let i = 0; i < 3; i += 1) filler.push(await c.b.createAsset());
    const refused = await c.b.call('POST', '/digital-assets-by-replication-info', { body: info });
    expectError(refused, 403, 'MSS.10007001');
    expect((await c.b.call('GET', `/digital-assets/${source}`)).status).toBe(404);
    expect(await r.b.region.store.copyTasks.getTask(c.projectB, source)).toBeUndefined();

    await c.b.ok('DELETE', `/digital-assets/${filler[0]}`, { query: { mode: 'force' } });
    expect((await c.b.call('POST', '/digital-assets-by-replication-info', { body: info })).status).toBe(200);
    expect((await waitForCopy(c.b, source)).asset_state).toBe('ACTIVED');
  });

  it("refuses a transfer's accept into a full project: nothing moves, the job stays PROCESSING", async () => {
    const sender = await r.a.addAccount();
    const receiver: TestAccount = await r.a.addAccount();
    const offered = await sender.client.createAsset({ asset_name: 'offered' });
    await sender.client.addFile(offered, 'main.png', png);
    for (let i = 0; i < 3; i += 1) await receiver.client.createAsset();
    const job = await sender.client.ok('POST', '/digital-assets-action/transfers', { body: { transfer_type: 'TRANSFER_OUT', asset_ids: [offered], dest_project_id: receiver.projectId } });
    expectError(await receiver.client.call('POST', `/digital-assets-action/transfers/${job.job_id}/accept`), 403, 'MSS.10007001');
    expect((await receiver.client.ok('GET', `/digital-assets-action/transfers/${job.job_id}`)).state).toBe('PROCESSING');
    expect((await sender.client.call('GET', `/digital-assets/${offered}`)).status).toBe(200);
    expect(await countAssets(receiver.client)).toBe(3);

    // Room made, the same accept moves the asset: the counts of both projects follow.
    const [filler] = (await receiver.client.ok('GET', '/digital-assets', { query: { limit: '1' } })).assets as { asset_id: string }[];
    await receiver.client.ok('DELETE', `/digital-assets/${filler?.asset_id ?? ''}`, { query: { mode: 'force' } });
    expect((await receiver.client.call('POST', `/digital-assets-action/transfers/${job.job_id}/accept`)).status).toBe(200);
    expect(await r.a.region.store.countAssets(receiver.projectId)).toBe(3);
    expect(await r.a.region.store.countAssets(sender.projectId)).toBe(0);
    expect(await countAssets(sender.client)).toBe(0);
  });
});

describe('files per asset', () => {
  it('refuses a CreateFile past the quota (MSS.10007002); a deleted file frees its place', async () => {
    const { client } = await r.b.addAccount();
    const assetId = await client.createAsset();
    const first = (await declare(client, assetId, 10)).body.file_id as string;
    expect((await declare(client, assetId, 10)).status).toBe(200);
    expectError(await declare(client, assetId, 10), 403, 'MSS.10007002');
    expect((await client.ok('GET', `/digital-assets/${assetId}`)).files).toHaveLength(2);
    await client.ok('DELETE', `/files/${first}`);
    expect((await declare(client, assetId, 10)).status).toBe(200);
  });

  it("refuses a copy whose manifest has more files than an asset may hold here (nothing stored)", async () => {
    const c = await accountInBoth();
    const source = await c.a.createAsset();
    await c.a.addFile(source, 'main.png', png);
    await c.a.addFile(source, 'cover.png', png, 'COVER');
    await c.a.addFile(source, 'other.png', png, 'OTHER');
    const info = await c.a.ok('GET', `/digital-assets/${source}/replication-info`);
    expectError(await c.b.call('POST', '/digital-assets-by-replication-info', { body: info }), 403, 'MSS.10007002');
    expect((await c.b.call('GET', `/digital-assets/${source}`)).status).toBe(404);
    expect(await r.b.region.store.listFiles(c.projectB, [source])).toEqual([]);
  });
});

describe('bytes awaiting upload', () => {
  it('refuses a CreateFile past the quota (MSS.10007003); confirming an upload frees its bytes', async () => {
    const { client } = await r.a.addAccount();
    const a1 = await client.createAsset();
    const a2 = await client.createAsset();
    const bytes = Buffer.alloc(600, 7);
    const big = await client.createFile(a1, 'big.bin', bytes);
    const refused = await declare(client, a2, 500);
    expectError(refused, 403, 'MSS.10007003');
    expect(refused.body.error_msg).toContain('awaits 600 bytes');
    expect((await client.ok('GET', `/digital-assets/${a2}`)).files).toHaveLength(0);

    const put = await fetch(big.uploadUrl, { method: 'PUT', body: bytes, headers: { 'content-md5': md5Base64(bytes) } });
    expect(put.status).toBe(200);
    // Uploaded but not confirmed: still awaited.
    expectError(await declare(client, a2, 500), 403, 'MSS.10007003');
    await client.ok('POST', `/files/${big.fileId}/complete`, { body: { state: 'CREATED' } });
    expect((await declare(client, a2, 500)).status).toBe(200);
  });
});
