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
const undocumented = (url: string) => url === '/openapi.json' || url.startsWith('/docs') || url === '/metrics';

describe('OpenAPI document', () => {
  it('is served without credentials and lists every route with its operation id', async () => {
    const res = await fetch(`${t.endpoint}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { operationId?: string }>> };
    expect(doc.openapi).toMatch(/^3\./);
    const routes = t.region.app.registeredRoutes.filter((r) => r.method !== 'HEAD' && !undocumented(r.url));
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
    for (const id of ['CreateDigitalAsset', 'ListAssets', 'ShowAsset', 'CreateFile', 'ShowAssetReplicationInfo', 'CreateAssetByReplicationInfo', 'KeystoneCreateUserTokenByPassword']) {
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
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(text).toMatch(/assetbridge_http_requests_total\{operation="asset.list",status="200",region="[a-z0-9-]+"\} 1/);
  });
});
