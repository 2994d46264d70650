import { it, expect } from 'vitest';
import { BasicCredentials, Region } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { startTestRegion } from '../helpers/test-region.js';

it('proto', async () => {
  const t = await startTestRegion();
  try {
    const cred = new BasicCredentials().withAk(t.accessKey).withSk(t.secretKey).withIamEndpoint(t.endpoint);
    const client = new ClientBuilder<HcClient>((c) => c).withRegion(new Region('cn-north-4', t.endpoint)).withCredential(cred).build();
    const r = await client.sendRequest({ method: 'GET', url: '/v1/{project_id}/digital-assets', contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {} }).catch((e: unknown) => e);
    console.log(JSON.stringify(r).slice(0, 500), (cred as unknown as {projectId: string}).projectId, t.projectId);
    const tok = await fetch(`${t.endpoint}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"auth":{}}' });
    console.log(tok.status, await tok.text());
    const tok2 = await fetch(`${t.endpoint}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"auth":' });
    console.log(tok2.status, await tok2.text());
  } finally { await t.close(); }
});
