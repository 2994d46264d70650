import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSdkRequest } from '../../src/auth/sdk-signature.js';
import { openConnection, until } from '../helpers/raw-socket.js';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

/**
 * Timeouts of the HTTP edge, with short settings: headers 1 s, whole API request 1 s,
 * keep-alive 1 s, byte streams idle 2 s. A slow but live upload outlasts the API timeout.
 */

let t: TestRegion;
beforeAll(async () => {
  t = await startTestRegion({
    env: { ASSETBRIDGE_HEADERS_TIMEOUT: '1', ASSETBRIDGE_REQUEST_TIMEOUT: '1', ASSETBRIDGE_KEEP_ALIVE_TIMEOUT: '1', ASSETBRIDGE_TRANSFER_IDLE_TIMEOUT: '2' },
  });
});
afterAll(async () => {
  await t?.close();
});

const host = () => new URL(t.endpoint).host;

describe('edge timeouts', () => {
  it('headers not complete within the headers timeout: the connection is closed', async () => {
    const c = await openConnection(t.endpoint);
    c.socket.write(`GET /v1/${t.projectId}/digital-assets HTTP/1.1\r\nHost: ${host()}\r\nX-Slow: `);
    const ms = await c.closed;
    expect(ms).toBeLessThan(5_000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('an API request whose body never completes is 408 MSS.00010017 and closed', async () => {
    const target = `/v1/${t.projectId}/digital-assets`;
    const body = JSON.stringify({ asset_name: 'slow', padding: 'x'.repeat(1000) });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    Object.assign(headers, signSdkRequest({ method: 'POST', url: `${t.endpoint}${target}`, headers, body, accessKey: t.accessKey, secretKey: t.secretKey }));
    const c = await openConnection(t.endpoint);
    const lines = Object.entries({ ...headers, host: host(), 'content-length': String(body.length) }).map(([k, v]) => `${k}: ${v}\r\n`);
    c.socket.write(`POST ${target} HTTP/1.1\r\n${lines.join('')}\r\n${body.slice(0, 100)}`);
    const ms = await c.closed;
    expect(ms).toBeLessThan(5_000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(c.received()).toContain('MSS.00010017');
    // Nothing was created.
    const list = await t.client.call('GET', '/digital-assets', { query: { asset_name: 'slow' } });
    expect(list.body.assets).toEqual([]);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const c = await openConnection(t.endpoint);
    c.socket.write(`GET /openapi.json HTTP/1.1\r\nHost: ${host()}\r\n\r\n`);
    const ms = await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(ms).toBeLessThan(5_000);
  });

  it('a slow but live upload outlasts the API request timeout; an upload that stalls is cut after the idle timeout', async () => {
    const assetId = await t.client.createAsset({ asset_name: 'streamed' });
    const bytes = Buffer.alloc(40_000, 7);
    const md5 = createHash('md5').update(bytes).digest('base64');
    const created = await t.client.call('POST', '/files', { body: { asset_id: assetId, file_name: 'main.glb', file_type: 'GLB', file_size: bytes.length, file_md5: md5, asset_file_category: 'MAIN' } });
    expect(created.status).toBe(200);
    const upload = new URL(created.body.upload_url as string);
    const start = (c: Awaited<ReturnType<typeof openConnection>>) =>
      c.socket.write(`PUT ${upload.pathname}${upload.search} HTTP/1.1\r\nHost: ${host()}\r\nContent-Length: ${bytes.length}\r\nContent-MD5: ${md5}\r\n\r\n`);

    // 2.5 s in 10 pieces: longer than the 1 s API timeout, never idle for 2 s.
    const live = await openConnection(t.endpoint);
    start(live);
    for (let i = 0; i < 10; i++) {
      live.socket.write(bytes.subarray(i * 4_000, (i + 1) * 4_000));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await until(() => /\r\n\r\n/.test(live.received()), 5_000, 'the upload answer');
    expect(live.received()).toMatch(/^HTTP\/1\.1 200/);
    live.socket.destroy();

    // Half the bytes, then nothing: cut after about 2 s.
    const stalled = await openConnection(t.endpoint);
    start(stalled);
    stalled.socket.write(bytes.subarray(0, 20_000));
    const ms = await stalled.closed;
    expect(ms).toBeGreaterThanOrEqual(1_500);
    expect(ms).toBeLessThan(6_000);
  });
});
