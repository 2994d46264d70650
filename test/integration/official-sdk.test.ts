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
  const credential = new BasicCredentials().withAk(t.accessKey).withSk(t.secretKey).withProjectId(t.projectId);
  client = new ClientBuilder<HcClient>((c) => c).withEndpoint(t.endpoint).withCredential(credential).build();
});
afterAll(async () => {
  await t.close();
});

type Sent = Partial<HttpRequestOptions> & { method: string; url: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's result is untyped JSON
async function sdk(options: Sent): Promise<any> {
  // The generated MetaStudio client asks for X-Request-Id to be copied into the result.
  const request = { contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {}, responseHeaders: ['X-Request-Id'], ...options };
  return client.sendRequest(request);
}

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

  it('reports errors as the SDK expects: error_code, error_msg and the request id', async () => {
    const missing = 'abcdef0123456789abcdef0123456789';
    const err = await sdk({ method: 'GET', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: missing } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ httpStatusCode: 404, errorCode: 'MSS.10001001' });
    expect((err as { errorMsg: string }).errorMsg).toContain('Asset not found');
    expect((err as { requestId?: string }).requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses a client with the wrong secret key', async () => {
    const bad = new BasicCredentials().withAk(t.accessKey).withSk('x'.repeat(40)).withProjectId(t.projectId);
    const badClient = new ClientBuilder<HcClient>((c) => c).withEndpoint(t.endpoint).withCredential(bad).build();
    const err = await badClient
      .sendRequest({ method: 'GET', url: '/v1/{project_id}/digital-assets', contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {} })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ httpStatusCode: 401, errorCode: 'MSS.00010010' });
  });
});
