import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, md5Base64, type ApiResponse, type CallOptions } from '../helpers/api-client.js';
import type { TestAccount } from '../helpers/test-region.js';
import { startTwoRegions, type TwoRegions } from '../helpers/two-regions.js';

/**
 * Tenant isolation: account Y, with its own AK/SK or token, tries every endpoint on account X's
 * ids, with X's project in the path (403) and with its own (404, or nothing listed). X's view
 * stays exactly as it was. Runs in cn-north-4; ap-southeast-3 is its copy peer.
 */

// --- fixtures

let r: TwoRegions;
/** Y: another account of the same deployment. */
let y: TestAccount;
let yProjectB = '';

const x = {
  /** ACTIVED: a confirmed MAIN file and a declared-only COVER file. */
  active: '',
  /** CREATING, no files. */
  creating: '',
  /** In the recycle bin, with a confirmed MAIN file. */
  recycled: '',
  confirmedFile: '',
  confirmedUploadUrl: '',
  declaredFile: '',
  declaredUploadUrl: '',
  recycledFile: '',
  downloadUrl: '',
  /** X's own replication info of `active`, as X exported it. */
  sealed: {} as Record<string, unknown>,
  /** X's transfer of `active` to W, waiting for W's answer. */
  job: '',
};
/** W: the receiver of X's transfer job (Y is no party to it). */
let w: TestAccount;
const xAssets = () => [x.active, x.creating, x.recycled];

const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const cover = Buffer.from('a cover, declared but never uploaded');
const allStates = 'CREATING,FAILED,UNACTIVED,ACTIVED,DELETING,DELETED,BLOCK,WAITING_DELETE';

/** Declares, uploads and confirms, keeping the upload URL. */
async function uploadedFile(client: ApiClient, assetId: string, name: string, bytes: Buffer): Promise<{ fileId: string; uploadUrl: string }> {
  const declared = await client.createFile(assetId, name, bytes, 'MAIN');
  const put = await fetch(declared.uploadUrl, { method: 'PUT', body: bytes, headers: { 'content-md5': md5Base64(bytes) } });
  expect(put.status).toBe(200);
  await client.ok('POST', `/files/${declared.fileId}/complete`, { body: { state: 'CREATED' } });
  return declared;
}

/** URLs carry a fresh expiry and signature on every read: compare them without the query. */
const withoutQueries = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value), (_key, v: unknown) => (typeof v === 'string' && /^https?:\/\//.test(v) ? v.split('?')[0] : v));

/** Everything X can see: every asset in every state (both regions), and each asset shown. */
async function xView(): Promise<unknown> {
  const list = await r.a.client.ok('GET', '/digital-assets', { query: { limit: '100', asset_state: allStates } });
  const shown = [];
  for (const id of xAssets()) shown.push(await r.a.client.ok('GET', `/digital-assets/${id}`));
  const listB = await r.clientB.ok('GET', '/digital-assets', { query: { limit: '100', asset_state: allStates } });
  return withoutQueries({ list, shown, listB });
}
let before: unknown;

beforeAll(async () => {
  r = await startTwoRegions();
  const c = r.a.client;
  x.active = await c.createAsset({ asset_name: 'x-active', tags: ['x'] });
  ({ fileId: x.confirmedFile, uploadUrl: x.confirmedUploadUrl } = await uploadedFile(c, x.active, 'main.png', png));
  ({ fileId: x.declaredFile, uploadUrl: x.declaredUploadUrl } = await c.createFile(x.active, 'cover.png', cover, 'COVER'));
  x.creating = await c.createAsset({ asset_name: 'x-creating' });
  x.recycled = await c.createAsset({ asset_name: 'x-recycled' });
  x.recycledFile = (await uploadedFile(c, x.recycled, 'main.png', png)).fileId;
  await c.ok('DELETE', `/digital-assets/${x.recycled}`);
  const shown = await c.ok('GET', `/digital-assets/${x.active}`);
  x.downloadUrl = shown.files.find((f: { file_id: string }) => f.file_id === x.confirmedFile).download_url;
  x.sealed = await c.ok('GET', `/digital-assets/${x.active}/replication-info`);
  w = await r.a.addAccount();
  x.job = (await c.ok('POST', '/digital-assets-action/transfers', { body: { asset_ids: [x.active], dest_project_id: w.projectId } })).job_id;

  y = await r.a.addAccount();
  yProjectB = (await r.a.identity.projects(y.name)).find((p) => p.region === 'ap-southeast-3')?.id ?? '';
  await y.client.createAsset({ asset_name: 'y-own' });
  before = await xView();
  expect(before).toMatchObject({ list: { count: 3 } });
});
afterAll(async () => {
  await r?.close();
});

// --- Y's two ways in

type Call = (method: string, path: string, options?: CallOptions) => Promise<ApiResponse>;
type RegionName = 'a' | 'b';
const endpointOf = (region: RegionName) => (region === 'a' ? r.a.endpoint : r.b.endpoint);
const yProjectOf = (region: RegionName) => (region === 'a' ? y.projectId : yProjectB);
const xProjectOf = (region: RegionName) => (region === 'a' ? r.a.projectId : r.projectB);

/** Y's AK/SK, on `project` in the path (and in X-Project-Id). */
function akskCall(region: RegionName, project: string): Call {
  const client = new ApiClient({ endpoint: endpointOf(region), projectId: project, accessKey: y.accessKey, secretKey: y.secretKey });
  return (method, path, options) => client.call(method, path, options);
}

const tokens = new Map<RegionName, string>();
/** Y's token (scoped to Y's project of that region), on `project` in the path. */
function tokenCall(region: RegionName, project: string): Call {
  const client = new ApiClient({ endpoint: endpointOf(region), projectId: project, accessKey: '', secretKey: '' });
  return async (method, path, options = {}) => {
    let token = tokens.get(region);
    if (!token) {
      const res = await fetch(`${r.a.endpoint}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: { methods: ['password'], password: { user: { name: y.userName, password: y.password, domain: { name: y.name } } } },
            scope: { project: { id: yProjectOf(region) } },
          },
        }),
      });
      expect(res.status).toBe(201);
      token = res.headers.get('x-subject-token') ?? '';
      tokens.set(region, token);
    }
    return client.call(method, path, { ...options, sign: false, headers: { ...options.headers, 'X-Auth-Token': token } });
  };
}

const ways: [name: string, as: (region: RegionName, project: string) => Call][] = [
  ['AK/SK', akskCall],
  ['token', tokenCall],
];

// --- every endpoint, on X's ids

interface Attempt {
  method: string;
  path: string;
  options?: CallOptions;
  region?: RegionName;
}
/** What Y gets with its own project in the path. */
type Check = (res: ApiResponse) => void;

const notFound = (code: string): Check => (res) => {
  expect({ status: res.status, code: res.body?.error_code }).toEqual({ status: 404, code });
};
const assetNotFound = notFound('MSS.10001001');
const fileNotFound = notFound('MSS.10001004');
const listsNoneOfX: Check = (res) => {
  expect(res.status).toBe(200);
  const ids = (res.body.assets as { asset_id: string }[]).map((a) => a.asset_id);
  for (const id of xAssets()) expect(ids).not.toContain(id);
};
// TODO(copy): tighten to the exact codes once the copy issue settles them (today: 404 export,
// MSS.10003005 same-region import, MSS.10003007 peer import of another account's asset).
const refused: Check = (res) => {
  expect(res.status).toBeGreaterThanOrEqual(400);
};
const listsNoneOfXsJobs: Check = (res) => {
  expect(res.status).toBe(200);
  expect(res.body.jobs.map((j: { job_id: string }) => j.job_id)).not.toContain(x.job);
};
const batchAllFailed: Check = (res) => {
  expect(res.status).toBe(200);
  const results = res.body.results as { ret_status: string; asset_ids: string[]; error_info?: { error_code: string } }[];
  expect(results.every((g) => g.ret_status === 'FAILED' && g.error_info?.error_code === 'MSS.10001001')).toBe(true);
  expect(results.flatMap((g) => g.asset_ids).sort()).toEqual([...xAssets()].sort());
};
const declare = (assetId: string): CallOptions => ({
  body: { asset_id: assetId, file_name: 'y.png', file_md5: md5Base64(png), file_size: png.length, asset_file_category: 'OTHER' },
});

type Case = [name: string, attempt: () => Attempt, ownProject: Check];
const cases: Case[] = [
  ['ShowAsset (active)', () => ({ method: 'GET', path: `/digital-assets/${x.active}` }), assetNotFound],
  ['ShowAsset (recycled)', () => ({ method: 'GET', path: `/digital-assets/${x.recycled}` }), assetNotFound],
  ['ListAssets (every state)', () => ({ method: 'GET', path: '/digital-assets', options: { query: { limit: '100', asset_state: allStates } } }), (res) => {
    listsNoneOfX(res);
    expect(res.body.assets.map((a: { asset_name: string }) => a.asset_name)).toContain('y-own');
  }],
  ["ListAssets (X's asset ids)", () => ({ method: 'GET', path: '/digital-assets', options: { query: { asset_id: xAssets(), asset_state: allStates } } }), (res) => {
    expect(res.body).toEqual({ count: 0, assets: [] });
  }],
  ['UpdateDigitalAsset (metadata)', () => ({ method: 'PUT', path: `/digital-assets/${x.active}`, options: { body: { asset_name: 'taken', tags: ['y'] } } }), assetNotFound],
  ['UpdateDigitalAsset (deactivate)', () => ({ method: 'PUT', path: `/digital-assets/${x.active}`, options: { body: { asset_state: 'UNACTIVED' } } }), assetNotFound],
  ['UpdateDigitalAsset (recycled)', () => ({ method: 'PUT', path: `/digital-assets/${x.recycled}`, options: { body: { asset_description: 'y' } } }), assetNotFound],
  ['DeleteAsset (recycle bin)', () => ({ method: 'DELETE', path: `/digital-assets/${x.active}` }), assetNotFound],
  ['DeleteAsset (force)', () => ({ method: 'DELETE', path: `/digital-assets/${x.creating}`, options: { query: { mode: 'force' } } }), assetNotFound],
  ['DeleteAsset (force, recycled)', () => ({ method: 'DELETE', path: `/digital-assets/${x.recycled}`, options: { query: { mode: 'force' } } }), assetNotFound],
  ['RestoreAsset', () => ({ method: 'POST', path: `/digital-assets/${x.recycled}/restore` }), assetNotFound],
  ['ListAssetSummary', () => ({ method: 'POST', path: '/digital-assets/summarys', options: { body: { asset_ids: xAssets() } } }), (res) => {
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { asset_list: [] } });
  }],
  ...(['DELETE', 'DELETE_FORCE', 'RESTORE', 'UNACTIVE', 'ACTIVE', 'UNSHARE'] as const).map((action): Case => [
    `BatchExecuteAssetAction ${action}`,
    () => ({ method: 'POST', path: '/digital-assets/batch-action', options: { body: { action, asset_ids: xAssets() } } }),
    batchAllFailed,
  ]),
  ['BatchExecuteAssetAction SHARE (with W)', () => ({
    method: 'POST',
    path: '/digital-assets/batch-action',
    options: { body: { action: 'SHARE', asset_ids: xAssets(), params: JSON.stringify({ allowed_project_ids: [w.projectId] }) } },
  }), batchAllFailed],
  ["TransferAsset of X's asset", () => ({ method: 'POST', path: '/digital-assets-action/transfers', options: { body: { asset_ids: [x.active], dest_project_id: w.projectId } } }), assetNotFound],
  ["ShowTransferAssetJob of X's job", () => ({ method: 'GET', path: `/digital-assets-action/transfers/${x.job}` }), notFound('MSS.10006002')],
  ['ListTransferAssetJobs (every role and state)', () => ({ method: 'GET', path: '/digital-assets-action/transfers', options: { query: { role: 'ALL', limit: '100' } } }), listsNoneOfXsJobs],
  ...(['accept', 'accept_confirm', 'reject', 'cancel'] as const).map((action): Case => [
    `ExecuteTransferAssetAction ${action} on X's job`,
    () => ({ method: 'POST', path: `/digital-assets-action/transfers/${x.job}/${action}` }),
    notFound('MSS.10006002'),
  ]),
  ["CreateFile on X's asset", () => ({ method: 'POST', path: '/files', options: declare(x.active) }), assetNotFound],
  ["CreateFile on X's recycled asset", () => ({ method: 'POST', path: '/files', options: declare(x.recycled) }), assetNotFound],
  ['ConfirmFileUpload (declared file, CREATED)', () => ({ method: 'POST', path: `/files/${x.declaredFile}/complete`, options: { body: { state: 'CREATED' } } }), fileNotFound],
  ['ConfirmFileUpload (declared file, CANCELLED)', () => ({ method: 'POST', path: `/files/${x.declaredFile}/complete`, options: { body: { state: 'CANCELLED' } } }), fileNotFound],
  ['ConfirmFileUpload (confirmed file, FAILED)', () => ({ method: 'POST', path: `/files/${x.confirmedFile}/complete`, options: { body: { state: 'FAILED' } } }), fileNotFound],
  ['DeleteFile (confirmed)', () => ({ method: 'DELETE', path: `/files/${x.confirmedFile}` }), fileNotFound],
  ['DeleteFile (declared)', () => ({ method: 'DELETE', path: `/files/${x.declaredFile}` }), fileNotFound],
  ['DeleteFile (of the recycled asset)', () => ({ method: 'DELETE', path: `/files/${x.recycledFile}` }), fileNotFound],
  ['ShowAssetReplicationInfo', () => ({ method: 'GET', path: `/digital-assets/${x.active}/replication-info` }), refused],
  ["CreateAssetByReplicationInfo with X's info (same region)", () => ({ method: 'POST', path: '/digital-assets-by-replication-info', options: { body: x.sealed } }), refused],
  ["CreateAssetByReplicationInfo with X's info (peer region)", () => ({ method: 'POST', path: '/digital-assets-by-replication-info', options: { body: x.sealed }, region: 'b' }), refused],
];

describe.each(ways)("Y's %s on X's ids", (_way, as) => {
  it.each(cases)("%s, X's project in the path → 403 MSS.00010009", async (_name, attempt) => {
    const { method, path, options, region = 'a' } = attempt();
    const res = await as(region, xProjectOf(region))(method, path, options);
    expect({ status: res.status, code: res.body?.error_code }).toEqual({ status: 403, code: 'MSS.00010009' });
    expect(res.body.error_msg).toMatch(/is not the caller's/);
  });

  it.each(cases)("%s, Y's project in the path", async (_name, attempt, ownProject) => {
    const { method, path, options, region = 'a' } = attempt();
    ownProject(await as(region, yProjectOf(region))(method, path, options));
  });
});

describe('signed blob URLs are bound to their project and file', () => {
  let yFile = '';
  let yUploadUrl = '';
  beforeAll(async () => {
    const asset = await y.client.createAsset({ asset_name: 'y-urls' });
    ({ fileId: yFile, uploadUrl: yUploadUrl } = await y.client.createFile(asset, 'y.png', png));
  });

  /** `url` with its project and file replaced (the signature and expiry kept). */
  const retarget = (url: string, project: string, file: string) => {
    const u = new URL(url);
    const [, blobs, op] = u.pathname.split('/');
    u.pathname = `/${blobs}/${op}/${project}/${file}`;
    return u.toString();
  };
  const put = (url: string, bytes: Buffer) => fetch(url, { method: 'PUT', body: bytes, headers: { 'content-md5': md5Base64(bytes) } });
  const expectUrlRefused = async (res: Response) => {
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error_code: string }).error_code).toBe('MSS.10002005');
  };

  it("X's upload URL names X's project and file", () => {
    expect(new URL(x.declaredUploadUrl).pathname).toBe(`/blobs/upload/${r.a.projectId}/${x.declaredFile}`);
  });

  it.each([
    ["X's signature on Y's project, X's file", () => retarget(x.declaredUploadUrl, y.projectId, x.declaredFile)],
    ["X's signature on Y's project and Y's file", () => retarget(x.declaredUploadUrl, y.projectId, yFile)],
    ["X's signature on X's project, Y's file", () => retarget(x.declaredUploadUrl, r.a.projectId, yFile)],
    ["Y's signature on X's declared file", () => retarget(yUploadUrl, r.a.projectId, x.declaredFile)],
    ["Y's signature on X's confirmed file", () => retarget(yUploadUrl, r.a.projectId, x.confirmedFile)],
  ])('upload refused: %s', async (_name, url) => {
    await expectUrlRefused(await put(url(), png));
  });

  it("X's upload URL of a confirmed file no longer accepts bytes", async () => {
    const res = await put(x.confirmedUploadUrl, png);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error_msg: string }).error_msg).toMatch(/no longer accepts uploads/);
  });

  it.each([
    ["on Y's project", () => retarget(x.downloadUrl, y.projectId, x.confirmedFile)],
    ["on another of X's files", () => retarget(x.downloadUrl, r.a.projectId, x.recycledFile)],
    ["on Y's file", () => retarget(x.downloadUrl, y.projectId, yFile)],
  ])("download refused: X's signature %s", async (_name, url) => {
    await expectUrlRefused(await fetch(url()));
  });
});

describe('after every attempt', () => {
  it("X's view of its assets and files is exactly unchanged", async () => {
    expect(await xView()).toEqual(before);
    const shown = await r.a.client.ok('GET', `/digital-assets/${x.active}`);
    expect(shown).toMatchObject({ asset_state: 'ACTIVED', asset_name: 'x-active' });
    expect(Object.fromEntries(shown.files.map((f: { file_id: string; state: string }) => [f.file_id, f.state]))).toEqual({ [x.confirmedFile]: 'CREATED', [x.declaredFile]: 'CREATING' });
    // The confirmed bytes are still X's.
    const download = await fetch(shown.files.find((f: { file_id: string }) => f.file_id === x.confirmedFile).download_url);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(png);
  });

  it("X's transfer still waits for W, and W still sees it", async () => {
    expect((await r.a.client.ok('GET', `/digital-assets-action/transfers/${x.job}`)).state).toBe('PROCESSING');
    expect((await w.client.ok('GET', `/digital-assets-action/transfers/${x.job}`)).src_project_id).toBe(r.a.projectId);
  });

  it("Y's projects hold none of X's ids", async () => {
    for (const region of ['a', 'b'] as const) {
      const res = await akskCall(region, yProjectOf(region))('GET', '/digital-assets', { query: { limit: '100', asset_state: allStates } });
      listsNoneOfX(res);
    }
  });
});
