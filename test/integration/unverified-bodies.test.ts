import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSdkRequest } from '../../src/auth/sdk-signature.js';
import { openConnection, type RawConnection } from '../helpers/raw-socket.js';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

/**
 * Bodies before authentication: credentials are checked from the headers before the body is
 * read; a refusal is answered at once and the connection closed; at most
 * ASSETBRIDGE_MAX_UNVERIFIED_BODIES (4) AK/SK bodies per client address are received at once.
 */

let t: TestRegion;
beforeAll(async () => {
  t = await startTestRegion({ env: { ASSETBRIDGE_REQUEST_TIMEOUT: '3' } });
});
afterAll(async () => {
  await t?.close();
});

const declared = 1_000_000;
/** Body bytes to send (one buffer for every connection: the client's memory is measured too). */
const filler = Buffer.alloc(declared, 0x20);

/** Headers of a CreateAsset whose body will be `declared` bytes, signed as `keys` (or not). */
function headersFor(options: { sign?: { accessKey: string; secretKey: string; date?: Date }; token?: string } = {}): Record<string, string> {
  const target = `/v1/${t.projectId}/digital-assets`;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' };
  if (options.sign) {
    Object.assign(headers, signSdkRequest({ method: 'POST', url: `${t.endpoint}${target}`, headers, ...options.sign }));
  }
  if (options.token) headers['x-auth-token'] = options.token;
  return headers;
}

/** Sends the headers and the first `sent` bytes of a `declared`-byte body, then holds. */
async function partial(headers: Record<string, string>, sent: number, localAddress?: string): Promise<RawConnection> {
  const c = await openConnection(t.endpoint, localAddress);
  const lines = Object.entries({ ...headers, host: new URL(t.endpoint).host, 'content-length': String(declared) }).map(([k, v]) => `${k}: ${v}\r\n`);
  c.socket.write(`POST /v1/${t.projectId}/digital-assets HTTP/1.1\r\n${lines.join('')}\r\n`);
  c.socket.write(filler.subarray(0, sent));
  return c;
}

const statusOf = (c: RawConnection): string => /^HTTP\/1\.1 (\d{3})/.exec(c.received())?.[1] ?? '';

describe('bodies before authentication', () => {
  it('no credentials: answered 401 without the body, and closed', async () => {
    const c = await partial({ 'content-type': 'application/json' }, 1_000);
    await c.closed;
    expect(statusOf(c)).toBe('401');
    expect(c.received()).toContain('MSS.00010010');
  });

  it('a bad token, an unknown access key, a stale date, a missing signed header: refused from the headers', async () => {
    const refusals: [Record<string, string>, string][] = [
      [headersFor({ token: 'not-a-token' }), 'MSS.00010008'],
      [headersFor({ sign: { accessKey: 'UNKNOWNKEY00000000', secretKey: 'x'.repeat(40) } }), 'MSS.00010010'],
      [headersFor({ sign: { accessKey: t.accessKey, secretKey: t.secretKey, date: new Date(Date.now() - 3_600_000) } }), 'MSS.00010010'],
    ];
    const noHost = headersFor({ sign: { accessKey: t.accessKey, secretKey: t.secretKey } });
    noHost['Authorization'] = (noHost['Authorization'] ?? '').replace('SignedHeaders=', 'SignedHeaders=a-missing-header;');
    refusals.push([noHost, 'MSS.00010010']);
    for (const [headers, code] of refusals) {
      const c = await partial(headers, 1_000);
      await c.closed;
      expect(statusOf(c), `${code} ${JSON.stringify(headers)} ${c.received()}`).toBe('401');
      expect(c.received()).toContain(code);
    }
  });

  it('at most 4 signed bodies per client address are received at once; the 5th is 429, another address is served', async () => {
    const signed = () => headersFor({ sign: { accessKey: t.accessKey, secretKey: t.secretKey } });
    const held = await Promise.all(Array.from({ length: 4 }, () => partial(signed(), 1_000, '127.0.0.2')));
    // A round trip after their bytes were sent: the server has read their headers by then.
    expect((await fetch(`${t.endpoint}/openapi.json`)).status).toBe(200);
    const fifth = await partial(signed(), 1_000, '127.0.0.2');
    await fifth.closed;
    expect(statusOf(fifth)).toBe('429');
    expect(fifth.received()).toContain('MSS.00010018');
    expect(fifth.received()).toMatch(/retry-after: 1/i);
    expect(held.map(statusOf)).toEqual(['', '', '', '']);
    // Another address is not affected.
    const other = await t.client.call('POST', '/digital-assets', { body: { asset_name: 'from-another-address', asset_type: 'MATERIAL' } });
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    // The held ones give their slots back when they go away.
    for (const c of held) c.socket.destroy();
    await Promise.all(held.map((c) => c.closed));
    const body = JSON.stringify({ asset_name: 'after-slots-freed', asset_type: 'MATERIAL' });
    const res = await fetch(`${t.endpoint}/v1/${t.projectId}/digital-assets`, { method: 'POST', headers: signedFor(body), body });
    expect(res.status, await res.text()).toBe(200);
  });

  it('100 unauthenticated connections sending partial 1 MB bodies are answered and closed; memory does not grow', async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    const conns = await Promise.all(Array.from({ length: 100 }, () => partial({ 'content-type': 'application/json' }, 256 * 1024)));
    const ms = await Promise.all(conns.map((c) => c.closed));
    expect(conns.map(statusOf).filter((s) => s !== '401')).toEqual([]);
    expect(Math.max(...ms)).toBeLessThan(10_000);
    const grown = (process.memoryUsage().rss - before) / 1024 / 1024;
    expect(grown).toBeLessThan(50);
  });
});

/** Headers of a fully signed CreateAsset with `body`. */
function signedFor(body: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  return { ...headers, ...signSdkRequest({ method: 'POST', url: `${t.endpoint}/v1/${t.projectId}/digital-assets`, headers, body, accessKey: t.accessKey, secretKey: t.secretKey }) };
}
