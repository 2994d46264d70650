import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, issueToken, md5Base64, TokenClient, type ApiResponse, type CallOptions } from '../helpers/api-client.js';
import { writeKeyRing } from '../helpers/key-ring.js';
import { startTestRegion, type TestAccount, type TestRegion } from '../helpers/test-region.js';

/**
 * A share grants reading, nothing else: Y, a project X shares an asset with, tries every other
 * endpoint on that asset and its files through its own project (AK/SK and token) and gets 404
 * `MSS.10001001`, as for an asset it does not have. X's asset is exactly as before, and Y can
 * still read it. Z, a third account, shares nothing and is shared nothing.
 */

let t: TestRegion;
let ringDir = '';
let y: TestAccount;
let z: TestAccount;
const s = { asset: '', mainFile: '', coverFile: '' };

const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000030000', 'hex');
const cover = Buffer.from('a cover, declared, never uploaded');

/** URLs carry a fresh expiry and signature on every read: compare them without the query. */
const withoutQueries = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value), (_key, v: unknown) => (typeof v === 'string' && /^https?:\/\//.test(v) ? v.split('?')[0] : v));

const xView = async () => withoutQueries(await t.client.ok('GET', `/digital-assets/${s.asset}`));
let before: unknown;

beforeAll(async () => {
  // A key ring, so that exporting for copy answers for the asset, not for a missing ring.
  ringDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-ring-'));
  t = await startTestRegion({ env: { ASSETBRIDGE_KEYRING_FILE: writeKeyRing(ringDir).file } });
  y = await t.addAccount();
  z = await t.addAccount();
  s.asset = await t.client.createAsset({ asset_name: 'shared-with-y', shared_config: { shared_type: 'SHARED', allowed_project_ids: [y.projectId] } });
  s.mainFile = await t.client.addFile(s.asset, 'main.png', png);
  await t.region.media.idle(); // the image's metadata is filled before the snapshot
  s.coverFile = (await t.client.createFile(s.asset, 'cover.png', cover, 'COVER')).fileId;
  before = await xView();
  expect(before).toMatchObject({ asset_state: 'ACTIVED', shared_config: { allowed_project_ids: [y.projectId] } });
});
afterAll(async () => {
  await t?.close();
  await rm(ringDir, { recursive: true, force: true });
});

type Call = (method: string, path: string, options?: CallOptions) => Promise<ApiResponse>;
const ways: [string, () => Promise<Call>][] = [
  ['AK/SK', async () => (method, path, options) => y.client.call(method, path, options)],
  [
    'token',
    async () => {
      tokenClient ??= new TokenClient(t.endpoint, y.projectId, await issueToken(t.endpoint, y));
      const client = tokenClient;
      return (method, path, options) => client.call(method, path, options);
    },
  ],
];
let tokenClient: TokenClient | undefined;

const assetNotFound = (res: ApiResponse) => {
  expect({ status: res.status, code: res.body?.error_code }).toEqual({ status: 404, code: 'MSS.10001001' });
};
const batchAllFailed = (res: ApiResponse) => {
  expect(res.status).toBe(200);
  expect(res.body.results).toEqual([{ ret_status: 'FAILED', asset_ids: [s.asset], error_info: { error_code: 'MSS.10001001', error_msg: expect.any(String) } }]);
};

type Case = [name: string, attempt: () => { method: string; path: string; options?: CallOptions }, check: (res: ApiResponse) => void];
const cases: Case[] = [
  ['UpdateDigitalAsset (metadata)', () => ({ method: 'PUT', path: `/digital-assets/${s.asset}`, options: { body: { asset_name: 'y-was-here' } } }), assetNotFound],
  ['UpdateDigitalAsset (deactivate)', () => ({ method: 'PUT', path: `/digital-assets/${s.asset}`, options: { body: { asset_state: 'UNACTIVED' } } }), assetNotFound],
  ['UpdateDigitalAsset (its share)', () => ({ method: 'PUT', path: `/digital-assets/${s.asset}`, options: { body: { shared_config: { allowed_project_ids: [z.projectId] } } } }), assetNotFound],
  ['DeleteAsset', () => ({ method: 'DELETE', path: `/digital-assets/${s.asset}` }), assetNotFound],
  ['DeleteAsset (force)', () => ({ method: 'DELETE', path: `/digital-assets/${s.asset}`, options: { query: { mode: 'force' } } }), assetNotFound],
  ['RestoreAsset', () => ({ method: 'POST', path: `/digital-assets/${s.asset}/restore` }), assetNotFound],
  ['ListAssetSummary', () => ({ method: 'POST', path: '/digital-assets/summarys', options: { body: { asset_ids: [s.asset] } } }), (res) => {
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { asset_list: [] } });
  }],
  ...(['DELETE', 'DELETE_FORCE', 'RESTORE', 'UNACTIVE', 'ACTIVE', 'UNSHARE'] as const).map((action): Case => [
    `BatchExecuteAssetAction ${action}`,
    () => ({ method: 'POST', path: '/digital-assets/batch-action', options: { body: { action, asset_ids: [s.asset] } } }),
    batchAllFailed,
  ]),
  [
    'BatchExecuteAssetAction SHARE (to another project)',
    () => ({ method: 'POST', path: '/digital-assets/batch-action', options: { body: { action: 'SHARE', asset_ids: [s.asset], params: JSON.stringify({ allowed_project_ids: [z.projectId] }) } } }),
    batchAllFailed,
  ],
  ['ShowAssetReplicationInfo', () => ({ method: 'GET', path: `/digital-assets/${s.asset}/replication-info` }), assetNotFound],
  ['TransferAsset', () => ({ method: 'POST', path: '/digital-assets-action/transfers', options: { body: { asset_ids: [s.asset], dest_project_id: z.projectId } } }), assetNotFound],
  [
    'CreateFile',
    () => ({ method: 'POST', path: '/files', options: { body: { asset_id: s.asset, file_name: 'y.png', file_md5: md5Base64(png), file_size: png.length, asset_file_category: 'OTHER' } } }),
    assetNotFound,
  ],
  ['ConfirmFileUpload (declared file, CREATED)', () => ({ method: 'POST', path: `/files/${s.coverFile}/complete`, options: { body: { state: 'CREATED' } } }), assetNotFound],
  ['ConfirmFileUpload (declared file, CANCELLED)', () => ({ method: 'POST', path: `/files/${s.coverFile}/complete`, options: { body: { state: 'CANCELLED' } } }), assetNotFound],
  ['ConfirmFileUpload (confirmed file, FAILED)', () => ({ method: 'POST', path: `/files/${s.mainFile}/complete`, options: { body: { state: 'FAILED' } } }), assetNotFound],
  ['DeleteFile (confirmed)', () => ({ method: 'DELETE', path: `/files/${s.mainFile}` }), assetNotFound],
  ['DeleteFile (declared)', () => ({ method: 'DELETE', path: `/files/${s.coverFile}` }), assetNotFound],
];

describe.each(ways)("Y's %s on the asset X shares with it", (_way, as) => {
  it.each(cases)('%s → 404 MSS.10001001 (read only)', async (_name, attempt, check) => {
    const { method, path, options } = attempt();
    check(await (await as())(method, path, options));
  });

  it('may still list, show and download it', async () => {
    const call = await as();
    const listed = await call('GET', '/digital-assets', { query: { role: 'SHAREE' } });
    expect(listed.body.assets.map((a: { asset_id: string }) => a.asset_id)).toEqual([s.asset]);
    const shown = await call('GET', `/digital-assets/${s.asset}`);
    expect(shown.status).toBe(200);
    const main = shown.body.files.find((f: { file_id: string }) => f.file_id === s.mainFile);
    expect(Buffer.from(await (await fetch(main.download_url as string)).arrayBuffer())).toEqual(png);
  });
});

describe('after every attempt', () => {
  it("X's asset and files are exactly as they were", async () => {
    expect(await xView()).toEqual(before);
    const shown = await t.client.ok('GET', `/digital-assets/${s.asset}`);
    const main = shown.files.find((f: { file_id: string }) => f.file_id === s.mainFile);
    expect(Buffer.from(await (await fetch(main.download_url as string)).arrayBuffer())).toEqual(png);
  });

  it('Z, named by no share, sees nothing of it, and no project holds a copy of it', async () => {
    expect((await z.client.ok('GET', '/digital-assets', { query: { role: 'SHAREE' } })).count).toBe(0);
    expect((await z.client.call('GET', `/digital-assets/${s.asset}`)).status).toBe(404);
    for (const account of [y, z]) {
      const own = await new ApiClient({ endpoint: t.endpoint, projectId: account.projectId, accessKey: account.accessKey, secretKey: account.secretKey }).ok('GET', '/digital-assets');
      expect(own.assets.map((a: { asset_id: string }) => a.asset_id)).not.toContain(s.asset);
    }
  });
});
