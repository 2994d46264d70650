import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient, HttpRequestOptions } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import {
  canonicalRequest,
  computeSignature,
  parseAuthorizationHeader,
  parseSdkDate,
  signSdkRequest,
  verifySdkSignature,
  type HeaderMap,
  type SdkAuthFailureReason,
  type SdkVerifyInput,
} from '../../src/auth/sdk-signature.js';

const AK = 'EXAMPLEAK0000000000';
const SK = 'EXAMPLESKexampleSKexampleSKexampleSK0000';
const PROJECT = '0123456789abcdef0123456789abcdef';
const HOST = 'metastudio.cn-north-4.myhuaweicloud.com';
const DATE = '20240102T030405Z';
const DATE_VALUE = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
const SIGNED = 'content-type;host;x-project-id;x-sdk-date';
const MINUTE = 60_000;

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const lookupSecret = (ak: string): string | undefined => (ak === AK ? SK : undefined);

const vectors = {
  A: {
    method: 'POST',
    rawUrl: `/v1/${PROJECT}/digital-assets`,
    body: Buffer.from('{"asset_name":"demo","asset_type":"IMAGE"}'),
    signature: '1f6141b0c39649cf22c88374e17b89453dc26b167e792f3dfe3957d859ad75dc',
  },
  B: {
    method: 'GET',
    rawUrl: `/v1/${PROJECT}/digital-assets?limit=10&offset=0&asset_type=IMAGE,VIDEO&asset_id=b&asset_id=a`,
    body: Buffer.alloc(0),
    signature: '961fe583d0517b9febba850e2b3eef2a3d328cda5c98dc6de6f5594c720c488d',
  },
};

const vectorHeaders = (signature: string): HeaderMap => ({
  host: HOST,
  'content-type': 'application/json',
  'x-project-id': PROJECT,
  'x-sdk-date': DATE,
  authorization: `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=${SIGNED}, Signature=${signature}`,
});

function vectorInput(name: keyof typeof vectors): SdkVerifyInput {
  const v = vectors[name];
  return { method: v.method, rawUrl: v.rawUrl, headers: vectorHeaders(v.signature), body: v.body, now: DATE_VALUE, lookupSecret };
}

function canonicalFor(input: SdkVerifyInput): string {
  const auth = parseAuthorizationHeader(String(input.headers['authorization']));
  if ('error' in auth) throw new Error(auth.error);
  return canonicalRequest({ ...input, signedHeaders: auth.signedHeaders, payloadHash: sha256(input.body) });
}

describe('api.md test vectors', () => {
  for (const name of ['A', 'B'] as const) {
    it(`vector ${name} is reproduced and accepted`, () => {
      const input = vectorInput(name);
      expect(computeSignature(SK, DATE, canonicalFor(input))).toBe(vectors[name].signature);
      expect(verifySdkSignature(input)).toEqual({ ok: true, accessKey: AK, unsignedPayload: false });
    });
  }

  it('vector B canonical form', () => {
    const lines = canonicalFor(vectorInput('B')).split('\n');
    expect(lines.slice(0, 3)).toEqual(['GET', `/v1/${PROJECT}/digital-assets/`, 'asset_id=a&asset_id=b&asset_type=IMAGE%2CVIDEO&limit=10&offset=0']);
  });

  it('the official AKSKSigner produces the same vectors', () => {
    const credential = new BasicCredentials().withAk(AK).withSk(SK).withProjectId(PROJECT);
    const sign = (queryParams: object, method: string, data?: object): string => {
      const headers = { 'content-type': 'application/json', 'X-Project-Id': PROJECT, 'X-Sdk-Date': DATE };
      const endpoint = `https://${HOST}/v1/${PROJECT}/digital-assets`;
      const out = AKSKSigner.sign({ endpoint, method, headers, queryParams, data }, credential) as Record<string, string>;
      return out['Authorization'] ?? '';
    };
    expect(sign({}, 'POST', { asset_name: 'demo', asset_type: 'IMAGE' })).toBe(String(vectorHeaders(vectors.A.signature)['authorization']));
    const query = { limit: 10, offset: 0, asset_type: 'IMAGE,VIDEO', asset_id: ['b', 'a'] };
    expect(sign(query, 'GET')).toBe(String(vectorHeaders(vectors.B.signature)['authorization']));
  });
});

describe('parseSdkDate', () => {
  it('accepts valid UTC timestamps', () => {
    expect(parseSdkDate(DATE)?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(parseSdkDate('20240229T235959Z')?.toISOString()).toBe('2024-02-29T23:59:59.000Z');
  });
  it.each(['20240230T000000Z', '20231301T000000Z', '20240102T240000Z', '20240102T036005Z', '20240102T030405', '20240102t030405z', '2024-01-02T03:04:05Z', ' 20240102T030405Z', '20240102T030405Z0'])(
    'rejects %j',
    (value) => expect(parseSdkDate(value)).toBeUndefined(),
  );
});

describe('canonicalRequest details', () => {
  const base = { method: 'GET', headers: { host: HOST, 'x-sdk-date': DATE }, signedHeaders: ['host', 'x-sdk-date'], payloadHash: sha256('') };
  const lines = (rawUrl: string): string[] => canonicalRequest({ ...base, rawUrl }).split('\n');

  it('re-encodes the query from its decoded form', () => {
    // '+' is a space (the SDK always sends %2B for '+'); a key without '=' has an empty value.
    expect(lines('/p?b=x+y&a&c=%2b%2a*!&%E5%90%8D=%e5%80%bc')[2]).toBe('a=&b=x%20y&c=%2B%2A%2A%21&%E5%90%8D=%E5%80%BC');
  });
  it('encodes the path like the SDK (legacy url.parse, then urlEncode)', () => {
    expect(lines('/v1/%E5%90%8D/a%20b/x*y/')[1]).toBe('/v1/%E5%90%8D/a%2520b/x%2Ay/');
    expect(lines("/v1/a'b|c")[1]).toBe('/v1/a%2527b%257Cc/');
    expect(lines('/')[1]).toBe('/');
  });
  it('orders header lines and trims values', () => {
    const canonical = canonicalRequest({ ...base, rawUrl: '/', headers: { ...base.headers, 'x-a': [' 1', '2 '] }, signedHeaders: ['host', 'x-a', 'x-sdk-date'] });
    expect(canonical.split('\n').slice(3, 7)).toEqual([`host:${HOST}`, 'x-a:1, 2', `x-sdk-date:${DATE}`, '']);
  });
});

interface Captured {
  method: string;
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

describe('requests signed by the official SDK client', () => {
  let server: Server;
  let client: HcClient;
  const captured: Captured[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        captured.push({ method: req.method ?? '', rawUrl: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const credential = new BasicCredentials().withAk(AK).withSk(SK).withProjectId(PROJECT);
    client = new ClientBuilder<HcClient>((c) => c).withEndpoint(`http://127.0.0.1:${port}`).withCredential(credential).build();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // Sends through HcClient (axios on the wire) and returns what the server saw.
  async function viaSdk(options: Partial<HttpRequestOptions> & { method: string; url: string }): Promise<SdkVerifyInput> {
    await client.sendRequest({ contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {}, ...options });
    const req = captured.at(-1);
    if (!req) throw new Error('no request captured');
    return { ...req, now: new Date(), lookupSecret };
  }

  const listQuery = { name: "a b+c*d!e(f)g'h~i", 名字: '值 名', empty: '', asset_id: ['b', 'a', 'c d'], limit: 10, flag: true };
  const listAssets = (): Promise<SdkVerifyInput> => viaSdk({ method: 'GET', url: '/v1/{project_id}/digital-assets', queryParams: { ...listQuery, asset_id: [...listQuery.asset_id] } });
  const createAsset = (): Promise<SdkVerifyInput> =>
    viaSdk({
      method: 'POST',
      url: '/v1/{project_id}/digital-assets',
      headers: { 'Content-Type': 'application/json', 'X-App-UserId': 'user-1' },
      data: { asset_name: '名字 demo', asset_type: 'IMAGE', tags: ['x', 'y'] },
    });

  it('GET with spaces, unicode, +, *, repeated keys and an empty value', async () => {
    const input = await listAssets();
    expect(input.rawUrl).toContain('name=a%20b%2Bc*d!e(f)g\'h~i');
    expect(input.rawUrl).toContain('empty=&');
    expect(input.headers['authorization']).toContain(`SignedHeaders=${SIGNED},`);
    expect(verifySdkSignature(input)).toEqual({ ok: true, accessKey: AK, unsignedPayload: false });
  });

  it('POST JSON with an extra signed header', async () => {
    const input = await createAsset();
    expect(input.headers['authorization']).toContain('SignedHeaders=content-type;host;x-app-userid;x-project-id;x-sdk-date,');
    expect(verifySdkSignature(input)).toEqual({ ok: true, accessKey: AK, unsignedPayload: false });
  });

  it('PUT JSON with a path parameter', async () => {
    const input = await viaSdk({ method: 'PUT', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: 'a1b2' }, data: { asset_name: 'x' } });
    expect(verifySdkSignature(input)).toMatchObject({ ok: true });
  });

  it('DELETE with empty body still sends and signs content-type', async () => {
    const input = await viaSdk({ method: 'DELETE', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: 'a1b2' }, queryParams: { mode: 'force' }, data: {} });
    expect(input.body.length).toBe(0);
    expect(input.headers['content-type']).toBe('application/json');
    expect(verifySdkSignature(input)).toMatchObject({ ok: true });
  });

  it('path parameters with special characters (SDK double-encodes ASCII escapes)', async () => {
    const input = await viaSdk({ method: 'DELETE', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: "a b名'|^*(1)%41" } });
    expect(verifySdkSignature(input)).toMatchObject({ ok: true });
  });

  it('binary upload with X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD', async () => {
    const data = randomBytes(1024);
    const input = await viaSdk({ method: 'PUT', url: '/v1/{project_id}/files/f1', contentType: 'application/octet-stream', data });
    expect(input.headers['x-sdk-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(input.body.equals(data)).toBe(true);
    expect(verifySdkSignature(input)).toEqual({ ok: true, accessKey: AK, unsignedPayload: true });
  });

  describe('refusals', () => {
    function expectRefused(input: SdkVerifyInput, reason: SdkAuthFailureReason): void {
      const result = verifySdkSignature(input);
      expect(result).toMatchObject({ ok: false, reason });
      const message = result.ok ? '' : result.message;
      expect(message).not.toContain(SK);
      const sent = /Signature=([0-9a-f]{64})/.exec(String(input.headers['authorization']))?.[1];
      if (sent) expect(message).not.toContain(sent);
      try {
        expect(message).not.toContain(computeSignature(SK, String(input.headers['x-sdk-date']), canonicalFor(input)));
      } catch {
        // Canonical form not computable (e.g. missing header): nothing more to leak.
      }
    }
    const withHeaders = (input: SdkVerifyInput, changes: HeaderMap): SdkVerifyInput => ({ ...input, headers: { ...input.headers, ...changes } });
    const auth = (input: SdkVerifyInput): string => String(input.headers['authorization']);

    it('wrong SK, changed body, query or signed header value', async () => {
      const post = await createAsset();
      expectRefused({ ...post, lookupSecret: () => `${SK}x` }, 'signature_mismatch');
      expectRefused({ ...post, body: Buffer.from(post.body.toString().replace('demo', 'dem0')) }, 'signature_mismatch');
      expectRefused(withHeaders(post, { 'x-project-id': 'f'.repeat(32) }), 'signature_mismatch');
      expectRefused(withHeaders(post, { 'x-app-userid': 'user-2' }), 'signature_mismatch');
      expectRefused({ ...post, method: 'PUT' }, 'signature_mismatch');
      const get = await listAssets();
      expectRefused({ ...get, rawUrl: get.rawUrl.replace('limit=10', 'limit=11') }, 'signature_mismatch');
      expectRefused({ ...get, rawUrl: `${get.rawUrl}&extra=1` }, 'signature_mismatch');
      expectRefused({ ...get, rawUrl: get.rawUrl.replace('/digital-assets', '/digital-asset') }, 'signature_mismatch');
      expectRefused({ ...get, rawUrl: `${get.rawUrl}&bad=%E5%90` }, 'signature_mismatch');
    });

    it('stale and future dates', async () => {
      const input = await createAsset();
      const signedAt = parseSdkDate(String(input.headers['x-sdk-date']))!.getTime();
      expect(verifySdkSignature({ ...input, now: new Date(signedAt + 15 * MINUTE) })).toMatchObject({ ok: true });
      expectRefused({ ...input, now: new Date(signedAt + 16 * MINUTE) }, 'stale_date');
      expectRefused({ ...input, now: new Date(signedAt - 16 * MINUTE) }, 'stale_date');
      expectRefused({ ...input, now: new Date(signedAt + 2 * MINUTE), maxSkewMs: MINUTE }, 'stale_date');
    });

    it('unknown access key', async () => {
      const input = await createAsset();
      expectRefused({ ...input, lookupSecret: () => undefined }, 'unknown_access_key');
    });

    it('missing or malformed Authorization', async () => {
      const input = await createAsset();
      const original = auth(input);
      const sig = /Signature=([0-9a-f]{64})$/.exec(original)?.[1] ?? '';
      expectRefused(withHeaders(input, { authorization: undefined }), 'missing_authorization');
      for (const bad of [
        original.replace(sig, sig.toUpperCase()),
        original.slice(0, -1),
        `${original} `,
        `${original}, Extra=1`,
        `${original}0`,
        original.replace('SDK-HMAC-SHA256', 'SDK-HMAC-SHA1'),
        original.replace('SDK-HMAC-SHA256', 'AWS4-HMAC-SHA256'),
        original.replace(', SignedHeaders', ',SignedHeaders'),
        original.replace('content-type;host', 'host;content-type'),
        original.replace('content-type;host', 'content-type;host;host'),
        original.replace('content-type;host', 'Content-Type;host'),
        original.replace(';x-sdk-date', ''),
        original.replace('content-type;host;', 'content-type;'),
        [original, original] as unknown as string,
      ]) {
        expectRefused(withHeaders(input, { authorization: bad }), 'malformed_authorization');
      }
      expectRefused(withHeaders(input, { 'x-sdk-content-sha256': 'abc' }), 'malformed_authorization');
    });

    it('missing or malformed X-Sdk-Date', async () => {
      const input = await createAsset();
      expectRefused(withHeaders(input, { 'x-sdk-date': undefined }), 'missing_date');
      expectRefused(withHeaders(input, { 'x-sdk-date': '2024-01-02T03:04:05Z' }), 'malformed_date');
    });

    it('signed header missing from the request', async () => {
      const input = await createAsset();
      expectRefused(withHeaders(input, { 'x-project-id': undefined }), 'missing_signed_header');
    });

    it('declared body digest must match the body', () => {
      const input = vectorInput('A');
      expectRefused(withHeaders(input, { 'x-sdk-content-sha256': sha256('other') }), 'signature_mismatch');
    });
  });
});

describe('signSdkRequest (our CLI signer) matches the official signer', () => {
  it('reproduces vector A', () => {
    const headers = signSdkRequest({
      method: 'post',
      url: `https://${HOST}${vectors.A.rawUrl}`,
      headers: { 'Content-Type': 'application/json', 'X-Project-Id': PROJECT },
      body: vectors.A.body,
      accessKey: AK,
      secretKey: SK,
      date: DATE_VALUE,
    });
    expect(headers).toEqual({ 'X-Sdk-Date': DATE, Authorization: vectorHeaders(vectors.A.signature)['authorization'] });
  });
});
