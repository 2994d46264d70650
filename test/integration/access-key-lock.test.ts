import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSdkRequest } from '../../src/auth/sdk-signature.js';
import { rawRequest, type RawAnswer } from '../helpers/raw-http.js';
import { startTestRegion, type TestAccount, type TestRegion } from '../helpers/test-region.js';

/**
 * The bad-signature lock is keyed by (access key, client address): an attacker who knows an
 * AK and sends garbage signatures from one address locks only that address out. The client
 * address is the socket's (127.0.0.2 here is a second loopback address), unless
 * ASSETBRIDGE_TRUST_PROXY names the proxy whose X-Forwarded-For is then believed.
 */

let t: TestRegion;
let proxied: TestRegion;
beforeAll(async () => {
  t = await startTestRegion();
  proxied = await startTestRegion({ env: { ASSETBRIDGE_TRUST_PROXY: '127.0.0.1' } });
});
afterAll(async () => {
  await proxied?.close();
  await t?.close();
});

interface From {
  localAddress?: string;
  forwardedFor?: string;
}

/** A ListAssets signed with `secretKey` (the account's or a wrong one), sent from `from`. */
function list(region: TestRegion, a: TestAccount, from: From, secretKey = a.secretKey): Promise<RawAnswer> {
  const target = `/v1/${a.projectId}/digital-assets`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  Object.assign(headers, signSdkRequest({ method: 'GET', url: `${region.endpoint}${target}`, headers, body: '', accessKey: a.accessKey, secretKey }));
  if (from.forwardedFor) headers['x-forwarded-for'] = from.forwardedFor;
  return rawRequest(region.endpoint, { method: 'GET', target, headers, localAddress: from.localAddress });
}

const wrongSecret = 'x'.repeat(40);

async function lockouts(region: TestRegion): Promise<number> {
  const text = await (await fetch(`${region.endpoint}/metrics`)).text();
  return Number(/assetbridge_access_key_lockouts_total\{[^}]*\} (\d+)/.exec(text)?.[1] ?? 'NaN');
}

describe('AK lock per (access key, client address)', () => {
  it("an attacker's bad signatures from 127.0.0.2 never lock the key for its holder at 127.0.0.1", async () => {
    const a = await t.addAccount();
    const attacker = { localAddress: '127.0.0.2' };
    const holder = { localAddress: '127.0.0.1' };
    const before = await lockouts(t);
    for (let i = 0; i < 6; i++) expect((await list(t, a, attacker, wrongSecret)).body.error_code).toBe('MSS.00010010');
    // The attacker's address is locked, even with the right secret, and whatever X-Forwarded-For it claims.
    expect((await list(t, a, attacker)).body.error_code).toBe('MSS.00010011');
    expect((await list(t, a, { ...attacker, forwardedFor: '127.0.0.1' })).body.error_code).toBe('MSS.00010011');
    // The holder is not.
    const ok = await list(t, a, holder);
    expect(ok.status).toBe(200);
    // Counted once in /metrics.
    expect(await lockouts(t)).toBe(before + 1);
  });

  it('X-Forwarded-For is not believed by default: an attacker cannot pose as the holder', async () => {
    const a = await t.addAccount();
    // The attacker (127.0.0.1 this time) claims the holder's forwarded address; the holder at 127.0.0.2 is unaffected.
    for (let i = 0; i < 6; i++) await list(t, a, { localAddress: '127.0.0.1', forwardedFor: '127.0.0.2' }, wrongSecret);
    expect((await list(t, a, { localAddress: '127.0.0.1' })).body.error_code).toBe('MSS.00010011');
    expect((await list(t, a, { localAddress: '127.0.0.2' })).status).toBe(200);
  });

  it('with ASSETBRIDGE_TRUST_PROXY the trusted proxy’s X-Forwarded-For is the client address', async () => {
    const a = await proxied.addAccount();
    const viaProxy = (client: string) => ({ localAddress: '127.0.0.1', forwardedFor: client });
    for (let i = 0; i < 6; i++) await list(proxied, a, viaProxy('203.0.113.5'), wrongSecret);
    expect((await list(proxied, a, viaProxy('203.0.113.5'))).body.error_code).toBe('MSS.00010011');
    // Another client behind the same proxy is not locked.
    expect((await list(proxied, a, viaProxy('203.0.113.6'))).status).toBe(200);
    // A socket that is not the trusted proxy is its own address, whatever it forwards.
    expect((await list(proxied, a, { localAddress: '127.0.0.2', forwardedFor: '203.0.113.5' })).status).toBe(200);
    expect(await lockouts(proxied)).toBe(1);
  });
});
