import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { issueToken, TokenClient, type ApiClient, type ApiResponse } from '../helpers/api-client.js';
import { writeKeyRing } from '../helpers/key-ring.js';
import { startTestRegion, TestClock, type TestAccount, type TestRegion } from '../helpers/test-region.js';

/**
 * Transfers between accounts of one region over HTTP: X offers assets to Y's project, Y
 * answers; Z is a bystander. Every refusal of the issue, the move itself, TRANSFER_BACK and
 * expiry (the clock is moved past ASSETBRIDGE_TRANSFER_TTL).
 */

const ttlSeconds = 3600;
const clock = new TestClock();
let t: TestRegion;
let x: ApiClient;
let y: TestAccount;
let z: TestAccount;
/** X's project in another region: a project of X, but not of this region. */
let xElsewhere = '';
let ringDir = '';

const png = Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001', 'hex');
const base = '/digital-assets-action/transfers';

/** An ACTIVED asset of `client` with a confirmed MAIN file; returns its id and the file's. */
async function activeAsset(client: ApiClient, name: string): Promise<{ assetId: string; fileId: string }> {
  const assetId = await client.createAsset({ asset_name: name });
  const fileId = await client.addFile(assetId, 'main.png', png);
  return { assetId, fileId };
}

const expectError = (res: ApiResponse, status: number, code: string) => {
  expect({ status: res.status, code: res.body?.error_code }).toEqual({ status, code });
};

const offer = (client: ApiClient, body: Record<string, unknown>) => client.call('POST', base, { body: { dest_project_id: y.projectId, ...body } });
const act = (client: ApiClient, jobId: string, action: string, body?: unknown) => client.call('POST', `${base}/${jobId}/${action}`, { body });
const show = (client: ApiClient, jobId: string) => client.call('GET', `${base}/${jobId}`);
const ids = (list: { asset_id: string }[]) => list.map((a) => a.asset_id);
const allStates = { asset_state: 'CREATING,FAILED,UNACTIVED,ACTIVED,DELETING,BLOCK,WAITING_DELETE', limit: '100' };

beforeAll(async () => {
  // A key ring, so that exporting for copy is refused by the pending transfer, not by a missing ring.
  ringDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-ring-'));
  t = await startTestRegion({ clock, env: { ASSETBRIDGE_TRANSFER_TTL: String(ttlSeconds), ASSETBRIDGE_KEYRING_FILE: writeKeyRing(ringDir).file } });
  x = t.client;
  y = await t.addAccount();
  z = await t.addAccount();
  await t.identity.registerRegion('ap-southeast-3', 'http://127.0.0.1:9');
  xElsewhere = (await t.identity.projects(t.name)).find((p) => p.region === 'ap-southeast-3')?.id ?? '';
});
afterAll(async () => {
  await t?.close();
  await rm(ringDir, { recursive: true, force: true });
});

describe('an accepted transfer', () => {
  let a: { assetId: string; fileId: string };
  let b: { assetId: string; fileId: string };
  let jobId = '';
  let blobKey = '';
  let oldDownload = '';

  beforeAll(async () => {
    a = await activeAsset(x, 'moving-a');
    b = await activeAsset(x, 'moving-b');
    blobKey = (await t.region.store.getFile(t.projectId, a.fileId))?.blobKey ?? '';
    oldDownload = (await x.ok('GET', `/digital-assets/${a.assetId}`)).files[0].download_url;
    const res = await offer(x, { asset_ids: [a.assetId, b.assetId], memo: 'for you' });
    expect(res.status).toBe(200);
    jobId = res.body.job_id;
  });

  it('waits PROCESSING, seen by sender and receiver only', async () => {
    const job = await x.ok('GET', `${base}/${jobId}`);
    expect(job).toMatchObject({
      job_id: jobId, transfer_type: 'TRANSFER_OUT', state: 'PROCESSING', src_project_id: t.projectId, dest_project_id: y.projectId,
      memo: 'for you', is_need_billing: false,
      transfer_assets: [{ asset_id: a.assetId, asset_name: 'moving-a', asset_type: 'IMAGE' }, { asset_id: b.assetId, asset_name: 'moving-b', asset_type: 'IMAGE' }],
    });
    expect(Date.parse(job.expire_time) - Date.parse(job.start_time)).toBe(ttlSeconds * 1000);
    expect(await y.client.ok('GET', `${base}/${jobId}`)).toEqual(job);
    expectError(await show(z.client, jobId), 404, 'MSS.10006002');
    expect((await y.client.ok('GET', base, { query: { role: 'RECEIVER' } })).jobs.map((j: { job_id: string }) => j.job_id)).toContain(jobId);
    expect((await y.client.ok('GET', base, { query: { role: 'SENDER' } })).count).toBe(0);
    expect((await z.client.ok('GET', base)).count).toBe(0);
  });

  it('lets only the receiver accept or reject, and only the sender cancel', async () => {
    for (const action of ['accept', 'accept_confirm', 'reject']) expectError(await act(x, jobId, action), 403, 'MSS.10006004');
    expectError(await act(y.client, jobId, 'cancel'), 403, 'MSS.10006004');
    for (const action of ['accept', 'reject', 'cancel']) expectError(await act(z.client, jobId, action), 404, 'MSS.10006002');
    expectError(await act(y.client, jobId, 'take'), 400, 'MSS.10001002');
    expect((await show(x, jobId)).body.state).toBe('PROCESSING');
  });

  it('keeps its assets from being deleted, transferred again or exported for copy', async () => {
    expectError(await x.call('DELETE', `/digital-assets/${a.assetId}`), 409, 'MSS.10006001');
    expectError(await x.call('DELETE', `/digital-assets/${a.assetId}`, { query: { mode: 'force' } }), 409, 'MSS.10006001');
    const batch = await x.ok('POST', '/digital-assets/batch-action', { body: { action: 'DELETE_FORCE', asset_ids: [a.assetId, b.assetId] } });
    expect(batch.results).toEqual([{ ret_status: 'FAILED', asset_ids: [a.assetId, b.assetId], error_info: { error_code: 'MSS.10006001', error_msg: expect.stringContaining(jobId) } }]);
    expectError(await offer(x, { asset_ids: [b.assetId], dest_project_id: z.projectId }), 409, 'MSS.10006001');
    expectError(await x.call('GET', `/digital-assets/${a.assetId}/replication-info`), 409, 'MSS.10006001');
    expect((await x.ok('GET', `/digital-assets/${a.assetId}`)).asset_state).toBe('ACTIVED');
  });

  it('moves the assets and their files to the receiver in one step', async () => {
    const res = await act(y.client, jobId, 'accept');
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { accept_respone: { is_need_billing: false, required_resources: [] } } });
    const job = await y.client.ok('GET', `${base}/${jobId}`);
    expect(job).toMatchObject({ state: 'ACCEPT', finish_time: expect.any(String) });

    expectError(await x.call('GET', `/digital-assets/${a.assetId}`), 404, 'MSS.10001001');
    expect(ids((await x.ok('GET', '/digital-assets', { query: allStates })).assets)).not.toContain(a.assetId);
    const mine = await y.client.ok('GET', `/digital-assets/${a.assetId}`);
    expect(mine).toMatchObject({ project_id: y.projectId, asset_state: 'ACTIVED', asset_name: 'moving-a' });
    expect(mine.app_user_id).toBeUndefined();
    expect(ids((await y.client.ok('GET', '/digital-assets', { query: allStates })).assets)).toEqual(expect.arrayContaining([a.assetId, b.assetId]));
    // The bytes did not move: the file row keeps its blob key, and the new owner reads them.
    const file = await t.region.store.getFile(y.projectId, a.fileId);
    expect(file?.blobKey).toBe(blobKey);
    const download = await fetch(mine.files[0].download_url as string);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(png);
    // A URL handed out before the move names the old project: it no longer reads anything.
    expect((await fetch(oldDownload)).status).toBe(404);
    // The new owner changes it like any asset of its own; the sender cannot.
    expect((await y.client.ok('PUT', `/digital-assets/${b.assetId}`, { body: { asset_description: 'mine now' } })).asset_description).toBe('mine now');
    expectError(await x.call('PUT', `/digital-assets/${b.assetId}`, { body: { asset_description: 'still mine?' } }), 404, 'MSS.10001001');
  });

  it('answers the same answer again as a success, and any other as 409', async () => {
    expect((await act(y.client, jobId, 'accept')).status).toBe(200);
    expect((await act(y.client, jobId, 'accept_confirm')).status).toBe(200);
    expectError(await act(y.client, jobId, 'reject'), 409, 'MSS.10006003');
    expectError(await act(x, jobId, 'cancel'), 409, 'MSS.10006003');
  });

  describe('TRANSFER_BACK', () => {
    const back = (client: ApiClient, body: Record<string, unknown>) =>
      client.call('POST', base, { body: { transfer_type: 'TRANSFER_BACK', transfer_job_id: jobId, dest_project_id: t.projectId, asset_ids: [a.assetId], ...body } });

    it('is refused to anyone but the receiver of the accepted job, and for anything but its assets', async () => {
      expectError(await back(y.client, { transfer_job_id: undefined }), 400, 'MSS.00000003');
      expectError(await back(x, {}), 403, 'MSS.10006004');
      expectError(await back(z.client, {}), 404, 'MSS.10006002');
      const other = await activeAsset(y.client, 'not-from-x');
      expectError(await back(y.client, { asset_ids: [other.assetId] }), 400, 'MSS.00000003');
      expectError(await back(y.client, { dest_project_id: z.projectId }), 400, 'MSS.00000003');
      expectError(await offer(x, { asset_ids: [a.assetId], transfer_job_id: jobId }), 400, 'MSS.00000003');
      const pending = (await offer(x, { asset_ids: [(await activeAsset(x, 'pending-one')).assetId] })).body.job_id as string;
      expectError(await back(y.client, { transfer_job_id: pending }), 409, 'MSS.10006003');
    });

    it('returns the assets once the original sender accepts', async () => {
      const res = await back(y.client, { asset_ids: [a.assetId, b.assetId] });
      expect(res.status).toBe(200);
      const backJob = res.body.job_id as string;
      expect(await x.ok('GET', `${base}/${backJob}`)).toMatchObject({ transfer_type: 'TRANSFER_BACK', transfer_job_id: jobId, src_project_id: y.projectId, dest_project_id: t.projectId });
      // Listed under its own type only.
      expect((await x.ok('GET', base, { query: { transfer_type: 'TRANSFER_BACK' } })).jobs.map((j: { job_id: string }) => j.job_id)).toEqual([backJob]);
      expect((await x.ok('GET', base)).jobs.map((j: { job_id: string }) => j.job_id)).not.toContain(backJob);
      expectError(await act(y.client, backJob, 'accept'), 403, 'MSS.10006004');
      await x.ok('POST', `${base}/${backJob}/accept`);
      expect((await x.ok('GET', `/digital-assets/${a.assetId}`)).project_id).toBe(t.projectId);
      expectError(await y.client.call('GET', `/digital-assets/${b.assetId}`), 404, 'MSS.10001001');
    });
  });
});

describe('refusals at creation', () => {
  let mine = '';
  beforeAll(async () => {
    mine = (await activeAsset(x, 'refusals')).assetId;
  });

  it.each([
    ['its own project', () => t.projectId],
    ['an unknown project', () => 'f'.repeat(32)],
    ["the caller's project in another region", () => xElsewhere],
  ])('answers 400 for a destination that is %s', async (_name, dest) => {
    const res = await offer(x, { asset_ids: [mine], dest_project_id: dest() });
    expectError(res, 400, 'MSS.00000003');
    expect(res.body.error_msg).toContain('dest_project_id');
  });

  it('answers 403 for auto_accept or auto_active from an account', async () => {
    expectError(await offer(x, { asset_ids: [mine], auto_accept: true }), 403, 'MSS.10006005');
    expectError(await offer(x, { asset_ids: [mine], auto_active: true }), 403, 'MSS.10006005');
    // false is what an account may send; is_need_billing is accepted and means nothing here.
    const job = (await offer(x, { asset_ids: [mine], auto_accept: false, auto_active: false, is_need_billing: true })).body.job_id as string;
    expect((await x.ok('GET', `${base}/${job}`)).is_need_billing).toBe(false);
    await x.ok('POST', `${base}/${job}/cancel`);
  });

  it('answers 404 for assets that are not the caller\'s, and 409 for those not ready', async () => {
    const theirs = (await activeAsset(z.client, 'zs')).assetId;
    expectError(await offer(x, { asset_ids: [mine, theirs] }), 404, 'MSS.10001001');
    const creating = await x.createAsset({ asset_name: 'not-ready' });
    expectError(await offer(x, { asset_ids: [creating] }), 409, 'MSS.10002001');
    expectError(await offer(x, { asset_ids: [] }), 400, 'MSS.00000003');
    expect((await x.ok('GET', base, { query: { role: 'SENDER', state: 'PROCESSING' } })).jobs.flatMap((j: { transfer_assets: { asset_id: string }[] }) => ids(j.transfer_assets))).not.toContain(mine);
  });

  it('checks the list filters', async () => {
    expectError(await x.call('GET', base, { query: { state: 'PROCESSING,DONE' } }), 400, 'MSS.00000003');
    expectError(await x.call('GET', base, { query: { role: 'OWNER' } }), 400, 'MSS.00000003');
    expectError(await x.call('GET', base, { query: { limit: '0' } }), 400, 'MSS.00000003');
  });
});

describe('answers that leave the assets where they are', () => {
  it('a reject, with its reason, and a cancel', async () => {
    const { assetId } = await activeAsset(x, 'rejected');
    const rejected = (await offer(x, { asset_ids: [assetId] })).body.job_id as string;
    await y.client.ok('POST', `${base}/${rejected}/reject`, { body: { reason: 'not needed' } });
    expect(await x.ok('GET', `${base}/${rejected}`)).toMatchObject({ state: 'REJECT', reason: 'not needed' });
    const cancelled = (await offer(x, { asset_ids: [assetId] })).body.job_id as string;
    // The SDK may send no body at all.
    expect((await x.call('POST', `${base}/${cancelled}/cancel`, { rawBody: '' })).status).toBe(200);
    expect((await y.client.ok('GET', `${base}/${cancelled}`)).state).toBe('CANCEL');
    expectError(await act(y.client, cancelled, 'accept'), 409, 'MSS.10006003');
    expect((await x.ok('GET', `/digital-assets/${assetId}`)).asset_state).toBe('ACTIVED');
    // No longer pending: the asset may be deleted.
    expect((await x.call('DELETE', `/digital-assets/${assetId}`)).status).toBe(200);
  });

  it('a name taken in the destination fails the job with error_info, and nothing moves', async () => {
    await y.client.createAsset({ asset_name: 'taken-name' });
    const one = await activeAsset(x, 'free-name');
    const two = await activeAsset(x, 'taken-name');
    const jobId = (await offer(x, { asset_ids: [one.assetId, two.assetId] })).body.job_id as string;
    const res = await act(y.client, jobId, 'accept');
    expectError(res, 409, 'MSS.10001005');
    expect(res.body.error_msg).toContain('taken-name');
    expect(await x.ok('GET', `${base}/${jobId}`)).toMatchObject({ state: 'FAIL', error_info: { error_code: 'MSS.10001005', error_msg: expect.stringContaining('taken-name') } });
    for (const id of [one.assetId, two.assetId]) {
      expect((await x.ok('GET', `/digital-assets/${id}`)).project_id).toBe(t.projectId);
      expectError(await y.client.call('GET', `/digital-assets/${id}`), 404, 'MSS.10001001');
    }
    expect((await x.ok('GET', '/digital-assets/' + one.assetId)).files).toHaveLength(1);
  });
});

describe('a job nobody answers', () => {
  let assetId = '';
  let jobId = '';
  // The server's clock moves past the TTL: these callers use tokens, which follow it.
  let xt: ApiClient;
  let yt: ApiClient;
  beforeAll(async () => {
    assetId = (await activeAsset(x, 'expiring')).assetId;
    jobId = (await offer(x, { asset_ids: [assetId] })).body.job_id as string;
    clock.offsetMs += (ttlSeconds + 1) * 1000;
    xt = new TokenClient(t.endpoint, t.projectId, await issueToken(t.endpoint, t));
    yt = new TokenClient(t.endpoint, y.projectId, await issueToken(t.endpoint, y));
  });
  afterAll(() => {
    clock.offsetMs = 0;
  });

  it('reads FAIL with an expiry error before any sweep wrote it', async () => {
    const x = xt;
    expect((await t.region.store.transfers.getJob(jobId))?.state).toBe('PROCESSING');
    const job = await x.ok('GET', `${base}/${jobId}`);
    expect(job).toMatchObject({ state: 'FAIL', finish_time: job.expire_time, error_info: { error_code: 'MSS.10006007', error_msg: expect.stringContaining('expired') } });
    const failed = (await x.ok('GET', base, { query: { state: 'FAIL' } })).jobs.map((j: { job_id: string }) => j.job_id);
    const waiting = (await x.ok('GET', base, { query: { state: 'PROCESSING' } })).jobs.map((j: { job_id: string }) => j.job_id);
    expect({ failed: failed.includes(jobId), waiting: waiting.includes(jobId) }).toEqual({ failed: true, waiting: false });
    expectError(await act(yt, jobId, 'accept'), 409, 'MSS.10006007');
    expectError(await act(x, jobId, 'cancel'), 409, 'MSS.10006007');
    // Its asset is free again.
    expect((await x.ok('POST', '/digital-assets/batch-action', { body: { action: 'UNACTIVE', asset_ids: [assetId] } })).results[0].ret_status).toBe('SUCCESS');
  });

  it('is written FAIL once by the sweep, however many workers run it', async () => {
    // Every job still stored PROCESSING (this one, and others this file left waiting).
    const stored = (role: 'SENDER' | 'RECEIVER') =>
      t.region.store.transfers.listJobs({ projectId: t.projectId, role, transferType: 'TRANSFER_OUT', states: ['PROCESSING'], now: '1970-01-01T00:00:00.000Z', offset: 0, limit: 100 });
    const waiting = (await stored('SENDER')).count + (await stored('RECEIVER')).count;
    expect(waiting).toBeGreaterThanOrEqual(1);
    const counts = await Promise.all([t.region.transfers.expireDue(), t.region.transfers.expireDue(), t.region.transfers.expireDue()]);
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(waiting);
    const job = await t.region.store.transfers.getJob(jobId);
    expect(job).toMatchObject({ state: 'FAIL', errorCode: 'MSS.10006007', finishTime: job?.expireTime });
    expect(await t.region.transfers.expireDue()).toBe(0);
    expect((await xt.ok('GET', `${base}/${jobId}`)).state).toBe('FAIL');
  });
});
