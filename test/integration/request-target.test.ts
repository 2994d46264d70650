import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { canonicalRequest, signSdkRequest } from '../../src/auth/sdk-signature.js';
import { routerOptions } from '../../src/http/app.js';
import { registerErrorHandler } from '../../src/http/plugins/error-handler.js';
import { registerRequestTarget } from '../../src/http/plugins/request-target.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

/**
 * A request target the router would read differently from the AK/SK canonical request is
 * refused before authentication: a signed request replayed with `#...` appended must not
 * reach the handler with another query.
 */

let t: TestRegion;
beforeAll(async () => {
  t = await startTestRegion();
});
afterAll(async () => {
  await t?.close();
});

/** Headers of a request signed for `target` (path and query), as the official client would send them. */
function signedHeaders(method: string, target: string): Record<string, string> {
  const headers = { 'content-type': 'application/json' };
  return { ...headers, ...signSdkRequest({ method, url: `${t.endpoint}${target}`, headers, body: '', accessKey: t.accessKey, secretKey: t.secretKey }) };
}

describe('a "#" in the request target', () => {
  it('a captured DELETE replayed with "#&mode=force" is refused 400 and the asset stays', async () => {
    const assetId = await t.client.createAsset({ asset_name: 'kept' });
    const path = `/v1/${t.projectId}/digital-assets/${assetId}`;
    const headers = signedHeaders('DELETE', path);
    const replay = await rawRequest(t.endpoint, { method: 'DELETE', target: `${path}#&mode=force`, headers });
    expect(replay.status).toBe(400);
    expect(replay.body.error_code).toBe('MSS.00010013');
    expect(replay.body.error_msg).toMatch(/#/);
    const show = await t.client.call('GET', `/digital-assets/${assetId}`);
    expect(show.status).toBe(200);
    expect(show.body.asset_state).not.toBe('DELETED');
  });

  it('a list signed without a query, sent with "#?name=zzz", is refused before authentication', async () => {
    const path = `/v1/${t.projectId}/digital-assets`;
    const replay = await rawRequest(t.endpoint, { method: 'GET', target: `${path}#?asset_name=zzz`, headers: signedHeaders('GET', path) });
    expect(replay.status).toBe(400);
    expect(replay.body.error_code).toBe('MSS.00010013');
    // Before authentication: no credentials at all get the same answer.
    const anonymous = await rawRequest(t.endpoint, { method: 'GET', target: `${path}#x` });
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.error_code).toBe('MSS.00010013');
  });

  it('the same request without "#" is accepted (the signature is good)', async () => {
    const path = `/v1/${t.projectId}/digital-assets`;
    const ok = await rawRequest(t.endpoint, { method: 'GET', target: path, headers: signedHeaders('GET', path) });
    expect(ok.status).toBe(200);
  });
});

// --- property: what the router reads is what the canonical request covers

/** A router like the region's (same options, same guard) whose one route echoes what it parsed. */
async function echoServer(): Promise<{ app: FastifyInstance; endpoint: string }> {
  const app = Fastify({ routerOptions });
  registerErrorHandler(app);
  registerRequestTarget(app);
  app.get('/v1/:project_id/digital-assets/:asset_id', async (request) => ({ params: request.params, query: request.query }));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, endpoint: address };
}

type MultiMap = [string, string[]][];
const sorted = (m: Map<string, string[]>): MultiMap => [...m.entries()].map(([k, v]): [string, string[]] => [k, [...v].sort()]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The query the canonical request covers, decoded. */
function coveredQuery(canonicalQuery: string): MultiMap {
  const m = new Map<string, string[]>();
  for (const pair of canonicalQuery === '' ? [] : canonicalQuery.split('&')) {
    const [k = '', v = ''] = pair.split('=').map(decodeURIComponent);
    m.set(k, [...(m.get(k) ?? []), v]);
  }
  return sorted(m);
}

/** The query the router parsed. */
function parsedQuery(query: Record<string, string | string[]>): MultiMap {
  return sorted(new Map(Object.entries(query).map(([k, v]) => [k, [v].flat()])));
}

/** A canonical path segment decoded back: the SDK encodes the text it sends once more. */
const coveredSegment = (segment: string): string => decodeURIComponent(decodeURIComponent(segment));

// Pieces that URLs are made of, the dangerous ones over-represented.
const piece = fc.constantFrom('a', 'Z', '0', '-', '.', '_', '~', '%', '%25', '%41', '%2F', '%3F', '%23', '%26', '%3D', '%2B', '%20', '%C3%A9', '%E4%B8%AD', '%zz', '%E9', '+', '&', '=', '?', '#', ';', '/', "'", '!', '*', '(', ')', ',', ':', '@', '$');
const text = fc.array(piece, { minLength: 0, maxLength: 8 }).map((parts) => parts.join(''));

describe('router versus canonical request (property)', () => {
  let echo: { app: FastifyInstance; endpoint: string };
  beforeAll(async () => {
    echo = await echoServer();
  });
  afterAll(async () => {
    await echo?.app.close();
  });

  it('for any target: refused 400, or the router read exactly the path and query the signature covers', async () => {
    await fc.assert(
      fc.asyncProperty(text, text, fc.option(text, { nil: undefined }), async (project, asset, query) => {
        const target = `/v1/${project}/digital-assets/${asset}${query === undefined ? '' : `?${query}`}`;
        const answer = await rawRequest(echo.endpoint, { method: 'GET', target, headers: { host: 'h' } });
        if (answer.status === 400 || answer.status === 404) return; // refused, or not this route
        expect(answer.status).toBe(200);
        let canonical: string;
        try {
          canonical = canonicalRequest({ method: 'GET', rawUrl: target, headers: { host: 'h' }, signedHeaders: ['host'], payloadHash: '' });
        } catch {
          throw new Error(`accepted a target whose canonical request does not build: ${target}`);
        }
        const [, uri = '', covered = ''] = canonical.split('\n');
        const [, , p = '', , a = ''] = uri.split('/');
        expect({ project: coveredSegment(p), asset: coveredSegment(a) }).toEqual({ project: answer.body.params.project_id, asset: answer.body.params.asset_id });
        expect(parsedQuery(answer.body.query)).toEqual(coveredQuery(covered));
      }),
      { numRuns: 300 },
    );
  });
});
