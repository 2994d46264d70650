import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

let t: TestRegion;
beforeAll(async () => {
  t = await startTestRegion();
});
afterAll(async () => {
  await t.close();
});

/** Routes that are not part of the API document. */
const undocumented = (url: string) => url === '/openapi.json' || url.startsWith('/docs') || url === '/metrics' || url.startsWith('/console');

describe('OpenAPI document', () => {
  it('is served without credentials and lists every route with its operation id', async () => {
    const res = await fetch(`${t.endpoint}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { operationId?: string }>> };
    expect(doc.openapi).toMatch(/^3\./);
    // HEAD and CORS preflights come with their GET and POST routes.
    const routes = t.region.app.registeredRoutes.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !undocumented(r.url));
    expect(routes.length).toBeGreaterThan(15);
    for (const route of routes) {
      const path = route.url.replace(/:([a-z_]+)/g, '{$1}');
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      expect({ route: `${route.method} ${route.url}`, documented: Boolean(op), operationId: Boolean(op?.operationId) }).toEqual({
        route: `${route.method} ${route.url}`,
        documented: true,
        operationId: true,
      });
    }
    const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    for (const id of ['CreateDigitalAsset', 'ListAssets', 'ShowAsset', 'CreateFile', 'CreateLargeFile', 'ShowAssetReplicationInfo', 'CreateAssetByReplicationInfo', 'KeystoneCreateUserTokenByPassword',
      'TransferAsset', 'ListTransferAssetJobs', 'ShowTransferAssetJob', 'ExecuteTransferAssetAction',
      'CreateReplicationRule', 'ListReplicationRules', 'ShowReplicationRule', 'UpdateReplicationRule', 'DeleteReplicationRule', 'BackfillReplicationRule', 'ReceiveRuleDelivery', 'ReceiveRuleDeliveryBatch']) {
      expect(ids).toContain(id);
    }
  });

  it('has a browsable docs page and metrics, both without credentials', async () => {
    const docs = await fetch(`${t.endpoint}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('<html');
    await t.client.call('GET', '/digital-assets');
    const metrics = await fetch(`${t.endpoint}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    for (const name of [
      'assetbridge_http_requests_total', 'assetbridge_http_request_duration_seconds', 'assetbridge_copy_tasks',
      'assetbridge_copy_bytes_total', 'assetbridge_copy_duration_seconds', 'assetbridge_copy_failures_total', 'assetbridge_blob_store_errors_total',
      'assetbridge_copy_lease_renew_failures_total',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(text).toMatch(/assetbridge_http_requests_total\{operation="asset.list",status="200",region="[a-z0-9-]+"\} 1/);
  });
});

describe('metrics placement', () => {
  it('can be turned off, or moved to a port of its own', async () => {
    const off = await startTestRegion({ env: { ASSETBRIDGE_METRICS: 'off' } });
    try {
      expect((await fetch(`${off.endpoint}/metrics`)).status).toBe(404);
    } finally {
      await off.close();
    }
    // Port 0: the region takes a free port and tells which.
    const moved = await startTestRegion({ env: { ASSETBRIDGE_METRICS: '0' } });
    try {
      const port = moved.region.metricsPort ?? 0;
      expect(port).toBeGreaterThan(0);
      expect((await fetch(`${moved.endpoint}/metrics`)).status).toBe(404);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('assetbridge_http_requests_total');
    } finally {
      await moved.close();
    }
  });
});

describe('CORS', () => {
  it('allows the deployment\'s own origins and no other', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.endpoint}/v1/${t.projectId}/digital-assets`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-auth-token' },
      });
    const own = await preflight(t.endpoint);
    expect(own.headers.get('access-control-allow-origin')).toBe(t.endpoint);
    const foreign = await preflight('http://elsewhere.invalid');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
