import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient, HttpRequestOptions } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

/**
 * Drives a real listening region through the official SDK core client, as the generated
 * MetaStudio client does: what the SDK sends is accepted, and what it reads is there.
 */
let t: TestRegion;
let client: HcClient;

beforeAll(async () => {
  t = await startTestRegion();
  client = clientOf(t);
});
afterAll(async () => {
  await t.close();
});

type Sent = Partial<HttpRequestOptions> & { method: string; url: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's result is untyped JSON
async function sdkOn(on: HcClient, options: Sent): Promise<any> {
  // The generated MetaStudio client asks for X-Request-Id to be copied into the result.
  const request = { contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {}, responseHeaders: ['X-Request-Id'], ...options };
  return on.sendRequest(request);
}
const sdk = (options: Sent) => sdkOn(client, options);

/** An SDK client of an account of the region, on its own project. */
const clientOf = (account: { accessKey: string; secretKey: string; projectId: string }): HcClient =>
  new ClientBuilder<HcClient>((c) => c)
    .withEndpoint(t.endpoint)
    .withCredential(new BasicCredentials().withAk(account.accessKey).withSk(account.secretKey).withProjectId(account.projectId))
    .build();

describe('the official Huawei Cloud SDK core client', () => {
  it('creates, lists, shows, updates, deletes and restores an asset', async () => {
    const created = await sdk({ method: 'POST', url: '/v1/{project_id}/digital-assets', data: { asset_name: 'sdk 名字 demo', asset_type: 'IMAGE', tags: ['sdk'] } });
    expect(created.httpStatusCode).toBe(200);
    expect(created.asset_id).toMatch(/^[0-9a-f]{32}$/);
    expect(created['X-Request-Id']).toMatch(/^[0-9a-f]{32}$/);
    const id = created.asset_id as string;

    const list = await sdk({ method: 'GET', url: '/v1/{project_id}/digital-assets', queryParams: { limit: 10, offset: 0, asset_type: 'IMAGE,VIDEO', name: 'sdk 名字', tag: 'sdk', asset_id: [id] } });
    expect(list.count).toBe(1);
    expect(list.assets[0].asset_name).toBe('sdk 名字 demo');

    const shown = await sdk({ method: 'GET', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: id } });
    expect(shown.asset_state).toBe('CREATING');

    const updated = await sdk({ method: 'PUT', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: id }, data: { asset_description: 'from the SDK' } });
    expect(updated.asset_description).toBe('from the SDK');

    // The SDK sends Content-Type: application/json with an empty body here.
    const deleted = await sdk({ method: 'DELETE', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: id }, data: {} });
    expect(deleted.httpStatusCode).toBe(200);
    expect(deleted['X-Request-Id']).toBeTruthy();
    const restored = await sdk({ method: 'POST', url: '/v1/{project_id}/digital-assets/{asset_id}/restore', pathParams: { asset_id: id } });
    expect(restored.httpStatusCode).toBe(200);
    expect(restored['X-Request-Id']).toBeTruthy();

    const summary = await sdk({ method: 'POST', url: '/v1/{project_id}/digital-assets/summarys', data: { asset_ids: [id] } });
    expect(summary.asset_list[0].asset_state).toBe('CREATING');
    const forced = await sdk({ method: 'DELETE', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: id }, queryParams: { mode: 'force' }, data: {} });
    expect(forced.httpStatusCode).toBe(200);
  });

  it('declares a file, uploads it, and confirms it with the app user header signed', async () => {
    const headers = { 'X-App-UserId': 'sdk-user' };
    const created = await sdk({ method: 'POST', url: '/v1/{project_id}/digital-assets', headers, data: { asset_name: 'sdk-file', asset_type: 'IMAGE' } });
    const bytes = Buffer.from('hello from the sdk');
    const { createHash } = await import('node:crypto');
    const md5 = createHash('md5').update(bytes).digest('base64');
    const file = await sdk({ method: 'POST', url: '/v1/{project_id}/files', headers, data: { asset_id: created.asset_id, file_name: 'a.txt', file_md5: md5, file_size: bytes.length, asset_file_category: 'MAIN' } });
    expect(file.upload_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/blobs\/upload\//);
    const put = await fetch(file.upload_url as string, { method: 'PUT', body: bytes, headers: { 'content-md5': md5, 'content-type': 'text/plain' } });
    expect(put.status).toBe(200);
    const done = await sdk({ method: 'POST', url: '/v1/{project_id}/files/{file_id}/complete', pathParams: { file_id: file.file_id }, headers, data: { state: 'CREATED' } });
    expect(done.httpStatusCode).toBe(200);
    const shown = await sdk({ method: 'GET', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: created.asset_id }, headers });
    expect(shown.asset_state).toBe('ACTIVED');
    expect(shown.app_user_id).toBe('sdk-user');
  });

  it('creates a large file, sends its parts to the signed URLs, confirms it, and sees it assembled', async () => {
    const created = await sdk({ method: 'POST', url: '/v1/{project_id}/digital-assets', data: { asset_name: 'sdk-large', asset_type: 'VIDEO' } });
    const { createHash, randomBytes } = await import('node:crypto');
    const bytes = randomBytes(2 * 5 * 1024 * 1024 + 99);
    const large = await sdk({
      method: 'POST', url: '/v1/{project_id}/large-files',
      data: { asset_id: created.asset_id, file_name: 'film.mp4', file_size: bytes.length, file_multipart_count: 2, asset_file_category: 'MAIN' },
    });
    expect(large.httpStatusCode).toBe(200);
    expect(large.file_id).toMatch(/^[0-9a-f]{32}$/);
    expect(large.upload_urls).toHaveLength(2);
    const partSize = Math.ceil(bytes.length / 2);
    for (const [i, url] of (large.upload_urls as string[]).entries()) {
      const put = await fetch(url, { method: 'PUT', body: bytes.subarray(i * partSize, (i + 1) * partSize) });
      expect(put.status).toBe(200);
    }
    const done = await sdk({ method: 'POST', url: '/v1/{project_id}/files/{file_id}/complete', pathParams: { file_id: large.file_id }, data: { state: 'CREATED' } });
    expect(done.httpStatusCode).toBe(200);
    await expect
      .poll(async (): Promise<string> => {
        const asset = (await sdk({ method: 'GET', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: created.asset_id } })) as { asset_state: string };
        return asset.asset_state;
      }, { timeout: 30_000 })
      .toBe('ACTIVED');
    const shown = await sdk({ method: 'GET', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: created.asset_id } });
    expect(shown.files[0]).toMatchObject({ state: 'CREATED', file_size: bytes.length, file_md5: createHash('md5').update(bytes).digest('base64') });
    const tooSmall = await sdk({
      method: 'POST', url: '/v1/{project_id}/large-files',
      data: { asset_id: created.asset_id, file_name: 'b.mp4', file_size: 1024, file_multipart_count: 2 },
    }).catch((e: unknown) => e);
    expect(tooSmall).toMatchObject({ httpStatusCode: 400, errorCode: 'MSS.00000003' });
  });

  it('transfers assets between accounts: offer, list, show, accept, reject', async () => {
    const other = await t.addAccount();
    const receiver = clientOf(other);
    const asReceiver = (options: Sent) => sdkOn(receiver, options);
    const [kept, given] = [await t.client.createAsset({ asset_name: 'sdk-kept' }), await t.client.createAsset({ asset_name: 'sdk-given' })];
    for (const id of [kept, given]) await t.client.addFile(id, 'main.png', Buffer.from('sdk transfer'));

    const offer = (assetId: string) =>
      sdk({ method: 'POST', url: '/v1/{project_id}/digital-assets-action/transfers', data: { transfer_type: 'TRANSFER_OUT', asset_ids: [assetId], dest_project_id: other.projectId, memo: 'from the sdk' } });
    const job = await offer(given);
    expect(job.job_id).toMatch(/^[0-9a-f]{32}$/);
    expect(job['X-Request-Id']).toMatch(/^[0-9a-f]{32}$/);
    const list = await sdk({ method: 'GET', url: '/v1/{project_id}/digital-assets-action/transfers', queryParams: { offset: 0, limit: 10, role: 'SENDER', state: 'PROCESSING,ACCEPT' } });
    expect(list.jobs.map((j: { job_id: string }) => j.job_id)).toContain(job.job_id);
    const shown = await asReceiver({ method: 'GET', url: '/v1/{project_id}/digital-assets-action/transfers/{job_id}', pathParams: { job_id: job.job_id } });
    expect(shown).toMatchObject({ state: 'PROCESSING', memo: 'from the sdk', transfer_assets: [{ asset_id: given, asset_name: 'sdk-given' }] });
    const url = '/v1/{project_id}/digital-assets-action/transfers/{job_id}/{action}';
    const accepted = await asReceiver({ method: 'POST', url, pathParams: { job_id: job.job_id, action: 'accept' }, data: {} });
    expect(accepted.accept_respone).toEqual({ is_need_billing: false, required_resources: [] });
    const confirmed = await asReceiver({ method: 'POST', url, pathParams: { job_id: job.job_id, action: 'accept_confirm' } });
    expect(confirmed.httpStatusCode).toBe(200);
    expect((await asReceiver({ method: 'GET', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: given } })).project_id).toBe(other.projectId);

    const refused = await offer(kept);
    await asReceiver({ method: 'POST', url, pathParams: { job_id: refused.job_id, action: 'reject' }, data: { reason: 'no thanks' } });
    expect(await sdk({ method: 'GET', url: '/v1/{project_id}/digital-assets-action/transfers/{job_id}', pathParams: { job_id: refused.job_id } })).toMatchObject({ state: 'REJECT', reason: 'no thanks' });
    const err = await sdk({ method: 'POST', url, pathParams: { job_id: refused.job_id, action: 'accept' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ httpStatusCode: 403, errorCode: 'MSS.10006004' });
  });

  it('shares an asset with another account, which lists and shows it', async () => {
    const other = await t.addAccount();
    const sharee = clientOf(other);
    const asSharee = (options: Sent) => sdkOn(sharee, options);
    const created = await sdk({ method: 'POST', url: '/v1/{project_id}/digital-assets', data: { asset_name: 'sdk-shared', asset_type: 'IMAGE', shared_config: { shared_type: 'SHARED', allowed_project_ids: [other.projectId] } } });
    const later = await sdk({ method: 'POST', url: '/v1/{project_id}/digital-assets', data: { asset_name: 'sdk-shared-later', asset_type: 'IMAGE' } });
    const shared = await sdk({
      method: 'POST', url: '/v1/{project_id}/digital-assets/batch-action',
      data: { action: 'SHARE', asset_ids: [later.asset_id], params: JSON.stringify({ shared_type: 'SHARED', allowed_project_ids: [other.projectId] }) },
    });
    expect(shared.results).toEqual([{ ret_status: 'SUCCESS', asset_ids: [later.asset_id] }]);
    const listed = await asSharee({ method: 'GET', url: '/v1/{project_id}/digital-assets', queryParams: { role: 'SHAREE', limit: 10, offset: 0 } });
    expect(listed.assets.map((a: { asset_id: string }) => a.asset_id).sort()).toEqual([created.asset_id, later.asset_id].sort());
    const shown = await asSharee({ method: 'GET', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: created.asset_id } });
    expect(shown).toMatchObject({ asset_name: 'sdk-shared', project_id: t.projectId });
    const err = await asSharee({ method: 'DELETE', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: created.asset_id }, data: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ httpStatusCode: 404, errorCode: 'MSS.10001001' });
  });

  it('reports errors as the SDK expects: error_code, error_msg and the request id', async () => {
    const missing = 'abcdef0123456789abcdef0123456789';
    const err = await sdk({ method: 'GET', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: missing } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ httpStatusCode: 404, errorCode: 'MSS.10001001' });
    expect((err as { errorMsg: string }).errorMsg).toContain('Asset not found');
    expect((err as { requestId?: string }).requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses a client with the wrong secret key', async () => {
    const badClient = clientOf({ ...t, secretKey: 'x'.repeat(40) });
    const err = await sdkOn(badClient, { method: 'GET', url: '/v1/{project_id}/digital-assets' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ httpStatusCode: 401, errorCode: 'MSS.00010010' });
  });
});
