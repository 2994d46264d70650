import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BasicCredentials, Region } from '@huaweicloud/huaweicloud-sdk-core';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient, HttpRequestOptions } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { formatSdkDate } from '../../src/auth/sdk-signature.js';
import { startTestRegion, TestClock, type TestAccount, type TestRegion } from '../helpers/test-region.js';

/**
 * Authentication and project authorization of a region, driven with the official SDK signer:
 * AK/SK acceptance and every refusal, the AK lock, IAM tokens, and project discovery.
 */

// --- fixtures: cn-north-4 (t, on a movable clock) and ap-southeast-3 (b) sharing one identity store

const clock = new TestClock();
let t: TestRegion;
let b: TestRegion;
/** The main account's project in ap-southeast-3. */
let projectB = '';
/** Another account of the deployment. */
let other: TestAccount;

beforeAll(async () => {
  t = await startTestRegion({ clock });
  b = await startTestRegion({ identity: t.identity, env: { ASSETBRIDGE_REGION: 'ap-southeast-3' } });
  projectB = (await t.identity.projects(t.name)).find((p) => p.region === 'ap-southeast-3')?.id ?? '';
  other = await t.addAccount();
});
afterAll(async () => {
  await b?.close();
  await t?.close();
});

// --- helpers

type Keys = { accessKey: string; secretKey: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field
type Answer = { status: number; headers: Headers; body: any };

interface SignInput {
  method: string;
  /** Absolute path, e.g. `/v1/{project}/digital-assets`. */
  path: string;
  query?: Record<string, string | string[]>;
  body?: unknown;
  headers?: Record<string, string>;
  /** X-Sdk-Date to sign with; default the region's clock. */
  date?: Date;
  endpoint?: string;
}

/** A request signed by the SDK's AKSKSigner, ready to send (and to tamper with first). */
interface Signed {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  signature: string;
}

/** Signs exactly as HcClient would (AKSKSigner over endpoint+path, query params, JSON data). */
function sdkSign(keys: Keys, input: SignInput): Signed {
  const endpoint = input.endpoint ?? t.endpoint;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...input.headers, 'X-Sdk-Date': formatSdkDate(input.date ?? clock.now()) };
  const credential = new BasicCredentials().withAk(keys.accessKey).withSk(keys.secretKey);
  // The signer sorts query arrays in place: give it a copy.
  const request = { endpoint: `${endpoint}${input.path}`, method: input.method, headers, queryParams: structuredClone(input.query ?? {}), data: input.body };
  const { host: _host, ...sent } = AKSKSigner.sign(request, credential) as Record<string, string>;
  const url = new URL(input.path, endpoint);
  for (const [key, value] of Object.entries(input.query ?? {})) for (const v of [value].flat()) url.searchParams.append(key, v);
  const signature = /Signature=([0-9a-f]{64})$/.exec(sent.Authorization ?? '')?.[1] ?? '';
  return { method: input.method, url, headers: sent, body: input.body === undefined ? undefined : JSON.stringify(input.body), signature };
}

async function send(req: { method: string; url: URL | string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}

const v1 = (project: string, rest = '/digital-assets') => `/v1/${project}${rest}`;

/** An error answer: status, code, a message naming the problem, and no signature anywhere in it. */
function expectRefused(res: Answer, status: number, code: string, message: RegExp | string, correctSignature?: string): void {
  expect({ status: res.status, code: res.body?.error_code }).toEqual({ status, code });
  expect(res.body.error_msg).toMatch(message);
  const text = JSON.stringify(res.body);
  expect(text).not.toMatch(/[0-9a-f]{64}/i);
  if (correctSignature) expect(text).not.toContain(correctSignature);
}

/** The official SDK core client of an account (project id given, or resolved from a region). */
function sdkClient(keys: Keys, options: { projectId?: string; endpoint?: string; region?: Region } = {}): HcClient {
  const credential = new BasicCredentials().withAk(keys.accessKey).withSk(keys.secretKey);
  if (options.projectId) credential.withProjectId(options.projectId);
  const builder = new ClientBuilder<HcClient>((c) => c).withCredential(credential);
  if (options.region) {
    credential.withIamEndpoint(options.region.endpoints[0] ?? '');
    builder.withRegion(options.region);
  } else {
    builder.withEndpoint(options.endpoint ?? t.endpoint);
  }
  return builder.build();
}

type Sent = Partial<HttpRequestOptions> & { method: string; url: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's result is untyped JSON
function sdkCall(client: HcClient, options: Sent): Promise<any> {
  return client.sendRequest({ contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {}, ...options });
}

/** Keystone password authentication, scoped by project id or name. */
function passwordAuth(account: TestAccount, scope: { id: string } | { name: string }, password = account.password, domain = account.name) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: account.userName, password, domain: { name: domain } } } },
      scope: { project: scope },
    },
  };
}

function createToken(body: unknown, endpoint = t.endpoint): Promise<Answer> {
  return send({ method: 'POST', url: `${endpoint}/v3/auth/tokens`, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function tokenFor(account: TestAccount, scope: { id: string } | { name: string }): Promise<string> {
  const res = await createToken(passwordAuth(account, scope));
  expect(res.status).toBe(201);
  return res.headers.get('x-subject-token') ?? '';
}

/** A request with a token instead of a signature. */
function withToken(token: string, method: string, path: string, body?: unknown, endpoint = t.endpoint): Promise<Answer> {
  return send({
    method,
    url: `${endpoint}${path}`,
    headers: { 'content-type': 'application/json', 'X-Auth-Token': token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

type Account = TestAccount & { projectB: string };

/** A new account, with its projects in both regions. */
async function freshAccount(): Promise<Account> {
  const a = await t.addAccount();
  return { ...a, projectB: (await t.identity.projects(a.name)).find((p) => p.region === 'ap-southeast-3')?.id ?? '' };
}

/** Runs `fn` with the region's clock moved forward, then puts it back. */
async function later<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  clock.offsetMs = ms;
  try {
    return await fn();
  } finally {
    clock.offsetMs = 0;
  }
}

const minutes = (n: number) => n * 60_000;

// --- tests

describe('AK/SK signed by the official SDK', () => {
  it('accepts the SDK client: GET with spaces, unicode and repeated query keys, POST JSON, PUT, DELETE with an empty body', async () => {
    const client = sdkClient(t, { projectId: t.projectId });
    const tag = `q tag 标签 ${Date.now()}`;
    const ids: string[] = [];
    for (const name of ['sdk 名字 one', 'sdk 名字 two', 'sdk 名字 three']) {
      const created = await sdkCall(client, { method: 'POST', url: '/v1/{project_id}/digital-assets', data: { asset_name: `${name} ${Date.now()}`, asset_type: 'IMAGE', tags: [tag] } });
      expect(created.httpStatusCode).toBe(200);
      ids.push(created.asset_id as string);
    }
    const [a = '', c = '', d = ''] = ids;
    const listed = await sdkCall(client, { method: 'GET', url: '/v1/{project_id}/digital-assets', queryParams: { name: 'sdk 名字', tag, asset_id: [c, a], limit: 10 } });
    expect(listed.httpStatusCode).toBe(200);
    expect(listed.assets.map((x: { asset_id: string }) => x.asset_id).sort()).toEqual([a, c].sort());

    const updated = await sdkCall(client, { method: 'PUT', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: a }, data: { asset_description: 'ü & = + ?' } });
    expect(updated.httpStatusCode).toBe(200);
    expect(updated.asset_description).toBe('ü & = + ?');
    const deleted = await sdkCall(client, { method: 'DELETE', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: d }, data: {} });
    expect(deleted.httpStatusCode).toBe(200);
  });

  const accepted: [name: string, input: () => SignInput, status: number][] = [
    ['GET with spaces, unicode and repeated keys', () => ({ method: 'GET', path: v1(t.projectId), query: { name: 'a b 名字', asset_id: ['f'.repeat(32), 'e'.repeat(32)], limit: '5' } }), 200],
    ['POST JSON', () => ({ method: 'POST', path: v1(t.projectId), body: { asset_name: `signed ${Math.random()} 名字`, asset_type: 'IMAGE' } }), 200],
    ['POST with signed X-Project-Id and X-App-UserId', () => ({ method: 'POST', path: v1(t.projectId, '/digital-assets/summarys'), headers: { 'X-Project-Id': t.projectId, 'X-App-UserId': 'user-1' }, body: { asset_ids: ['f'.repeat(32)] } }), 200],
    ['GET /v3/projects', () => ({ method: 'GET', path: '/v3/projects', query: { name: 'cn-north-4' } }), 200],
  ];
  it.each(accepted)('AKSKSigner + fetch: %s', async (_name, input, status) => {
    expect((await send(sdkSign(t, input()))).status).toBe(status);
  });

  it('accepts PUT and DELETE (empty body) signed by AKSKSigner', async () => {
    const id = await t.client.createAsset();
    const put = await send(sdkSign(t, { method: 'PUT', path: v1(t.projectId, `/digital-assets/${id}`), body: { tags: ['x y', '标签'] } }));
    expect(put.status).toBe(200);
    expect(put.body.tags).toEqual(['x y', '标签']);
    const del = await send(sdkSign(t, { method: 'DELETE', path: v1(t.projectId, `/digital-assets/${id}`) }));
    expect(del.status).toBe(200);
  });
});

describe('AK/SK refusals', () => {
  // Each case signs as a new account: bad signatures count towards the AK lock.
  let a: Account;
  let disabled: TestAccount;
  let deleted: TestAccount;
  beforeAll(async () => {
    disabled = await t.addAccount();
    await t.identity.setCredentialEnabled(disabled.accessKey, false);
    deleted = await t.addAccount();
    await t.identity.deleteCredential(deleted.accessKey);
  });
  beforeEach(async () => {
    a = await freshAccount();
  });

  const list = (): SignInput => ({ method: 'GET', path: v1(a.projectId), query: { limit: '10' } });
  const post = (body: unknown): SignInput => ({ method: 'POST', path: v1(a.projectId), body });
  const mismatch = /signature does not match the request/;
  const stale = /X-Sdk-Date is more than 900 s away from server time/;
  const malformed = /Signature=<64 lowercase hex>/;
  const now = () => clock.now();
  const withHeaders = (s: Signed, headers: Record<string, string>): Signed => ({ ...s, headers: { ...s.headers, ...headers } });

  /** Each case: the request as sent, and the signature a correct client would have sent. */
  type Case = [name: string, build: () => { sent: Signed; correct?: string }, status: number, code: string, message: RegExp];
  const cases: Case[] = [
    ['wrong SK', () => {
      const date = now();
      return { sent: sdkSign({ ...a, secretKey: 'x'.repeat(40) }, { ...list(), date }), correct: sdkSign(a, { ...list(), date }).signature };
    }, 401, 'MSS.00010010', mismatch],
    ['body changed after signing', () => {
      const date = now();
      const changed = { asset_name: 'changed', asset_type: 'IMAGE' };
      const sent = sdkSign(a, { ...post({ asset_name: 'signed', asset_type: 'IMAGE' }), date });
      return { sent: { ...sent, body: JSON.stringify(changed) }, correct: sdkSign(a, { ...post(changed), date }).signature };
    }, 401, 'MSS.00010010', mismatch],
    ['query changed after signing', () => {
      const date = now();
      const sent = sdkSign(a, { ...list(), date });
      const url = new URL(sent.url);
      url.searchParams.set('limit', '11');
      return { sent: { ...sent, url }, correct: sdkSign(a, { ...list(), query: { limit: '11' }, date }).signature };
    }, 401, 'MSS.00010010', mismatch],
    ['query key added after signing', () => {
      const sent = sdkSign(a, list());
      const url = new URL(sent.url);
      url.searchParams.append('name', 'extra');
      return { sent: { ...sent, url } };
    }, 401, 'MSS.00010010', mismatch],
    ['signed X-App-UserId changed after signing', () => {
      const date = now();
      const sent = sdkSign(a, { ...list(), headers: { 'X-App-UserId': 'alice' }, date });
      return { sent: withHeaders(sent, { 'X-App-UserId': 'mallory' }), correct: sdkSign(a, { ...list(), headers: { 'X-App-UserId': 'mallory' }, date }).signature };
    }, 401, 'MSS.00010010', mismatch],
    ['signed X-Project-Id changed after signing', () => {
      const date = now();
      const sent = sdkSign(a, { ...list(), headers: { 'X-Project-Id': a.projectId }, date });
      return { sent: withHeaders(sent, { 'X-Project-Id': other.projectId }), correct: sdkSign(a, { ...list(), headers: { 'X-Project-Id': other.projectId }, date }).signature };
    }, 401, 'MSS.00010010', mismatch],
    ['signed header removed after signing', () => {
      const sent = sdkSign(a, { ...list(), headers: { 'X-App-UserId': 'alice' } });
      const { 'X-App-UserId': _gone, ...headers } = sent.headers;
      return { sent: { ...sent, headers } };
    }, 401, 'MSS.00010010', /signed header x-app-userid is missing/],
    ['X-Sdk-Date changed after signing', () => {
      const sent = sdkSign(a, list());
      return { sent: withHeaders(sent, { 'X-Sdk-Date': formatSdkDate(new Date(now().getTime() - 60_000)) }) };
    }, 401, 'MSS.00010010', mismatch],
    ['X-Sdk-Date 16 minutes stale', () => ({ sent: sdkSign(a, { ...list(), date: new Date(now().getTime() - minutes(16)) }) }), 401, 'MSS.00010010', stale],
    ['X-Sdk-Date 16 minutes in the future', () => ({ sent: sdkSign(a, { ...list(), date: new Date(now().getTime() + minutes(16)) }) }), 401, 'MSS.00010010', stale],
    ['unknown AK', () => ({ sent: sdkSign({ accessKey: 'NOSUCHACCESSKEY00000', secretKey: a.secretKey }, list()) }), 401, 'MSS.00010010', /unknown access key/],
    ['disabled AK', () => ({ sent: sdkSign(disabled, { ...list(), path: v1(disabled.projectId) }) }), 401, 'MSS.00010010', /the access key is disabled/],
    ['deleted AK', () => ({ sent: sdkSign(deleted, { ...list(), path: v1(deleted.projectId) }) }), 401, 'MSS.00010010', /unknown access key/],
    ['missing Authorization', () => {
      const sent = sdkSign(a, list());
      const { Authorization: _gone, ...headers } = sent.headers;
      return { sent: { ...sent, headers }, correct: sent.signature };
    }, 401, 'MSS.00010010', /send an Authorization header/],
    ['uppercase signature hex', () => {
      const sent = sdkSign(a, list());
      return { sent: withHeaders(sent, { Authorization: (sent.headers.Authorization ?? '').replace(sent.signature, sent.signature.toUpperCase()) }), correct: sent.signature };
    }, 401, 'MSS.00010010', malformed],
    ['trailing junk after the signature', () => {
      const sent = sdkSign(a, list());
      return { sent: withHeaders(sent, { Authorization: `${sent.headers.Authorization}, Extra=1` }), correct: sent.signature };
    }, 401, 'MSS.00010010', malformed],
    ['a truncated signature', () => {
      const sent = sdkSign(a, list());
      return { sent: withHeaders(sent, { Authorization: (sent.headers.Authorization ?? '').slice(0, -1) }), correct: sent.signature };
    }, 401, 'MSS.00010010', malformed],
    ['another algorithm', () => {
      const sent = sdkSign(a, list());
      return { sent: withHeaders(sent, { Authorization: (sent.headers.Authorization ?? '').replace('SDK-HMAC-SHA256', 'AWS4-HMAC-SHA256') }), correct: sent.signature };
    }, 401, 'MSS.00010010', /unsupported algorithm, expected SDK-HMAC-SHA256/],
  ];
  it.each(cases)('%s', async (_name, build, status, code, message) => {
    const { sent, correct } = build();
    expectRefused(await send(sent), status, code, message, correct);
  });

  // Correctly signed, but not for this project, or with a bad header.
  type ProjectCase = [name: string, build: () => Signed, status: number, code: string, message: RegExp];
  const get = (path: string, headers?: Record<string, string>, endpoint?: string) => sdkSign(a, { method: 'GET', path, headers, endpoint });
  const projectCases: ProjectCase[] = [
    ["another account's project in the path", () => get(v1(other.projectId)), 403, 'MSS.00010009', /is not the caller's/],
    ["another account's project in the path and X-Project-Id", () => get(v1(other.projectId), { 'X-Project-Id': other.projectId }), 403, 'MSS.00010009', /is not the caller's/],
    ["the account's ap-southeast-3 project on cn-north-4", () => get(v1(a.projectB)), 403, 'MSS.00010009', /served by region ap-southeast-3, not cn-north-4/],
    ["the account's cn-north-4 project on ap-southeast-3", () => get(v1(a.projectId), undefined, b.endpoint), 403, 'MSS.00010009', /served by region cn-north-4, not ap-southeast-3/],
    ['X-Project-Id differing from the path', () => get(v1(a.projectId), { 'X-Project-Id': a.projectB }), 403, 'MSS.00010009', /X-Project-Id differs from the project in the path/],
    ['non-ASCII X-App-UserId (é)', () => get(v1(a.projectId), { 'X-App-UserId': 'josé' }), 400, 'MSS.00000003', /X-App-UserId must be 1 to 64 printable ASCII/],
    ['non-ASCII X-App-UserId (UTF-8 bytes)', () => get(v1(a.projectId), { 'X-App-UserId': Buffer.from('用户', 'utf8').toString('latin1') }), 400, 'MSS.00000003', /X-App-UserId must be 1 to 64 printable ASCII/],
    ['X-App-UserId with a space', () => get(v1(a.projectId), { 'X-App-UserId': 'a b' }), 400, 'MSS.00000003', /X-App-UserId must be 1 to 64 printable ASCII/],
  ];
  it.each(projectCases)('%s', async (_name, build, status, code, message) => {
    expectRefused(await send(build()), status, code, message);
  });

  it('the same account signs fine on its ap-southeast-3 project in ap-southeast-3', async () => {
    expect((await send(sdkSign(a, { method: 'GET', path: v1(a.projectB), endpoint: b.endpoint }))).status).toBe(200);
  });
});

describe('AK lock after consecutive bad signatures', () => {
  it('locks an AK after more than 5 bad signatures, even for a correct one, and unlocks after 5 minutes', async () => {
    const a = await t.addAccount();
    const good = () => sdkSign(a, { method: 'GET', path: v1(a.projectId) });
    const bad = () => sdkSign({ ...a, secretKey: 'y'.repeat(40) }, { method: 'GET', path: v1(a.projectId) });

    // 5 failures do not lock, and a success resets the count.
    for (let i = 0; i < 5; i++) expectRefused(await send(bad()), 401, 'MSS.00010010', /signature does not match/);
    expect((await send(good())).status).toBe(200);

    for (let i = 0; i < 6; i++) expectRefused(await send(bad()), 401, 'MSS.00010010', /signature does not match/);
    const locked = good();
    expectRefused(await send(locked), 401, 'MSS.00010011', /too many consecutive bad signatures/, locked.signature);
    expectRefused(await send(bad()), 401, 'MSS.00010011', /too many consecutive bad signatures/);
    // Other AKs are not affected; a token of the same account is not an AK.
    expect((await send(sdkSign(t, { method: 'GET', path: v1(t.projectId) }))).status).toBe(200);
    expect((await withToken(await tokenFor(a, { id: a.projectId }), 'GET', v1(a.projectId))).status).toBe(200);

    const stillLocked = await later(minutes(4), () => send(good()));
    expect(stillLocked.body.error_code).toBe('MSS.00010011');
    const unlocked = await later(minutes(5) + 1_000, () => send(good()));
    expect(unlocked.status).toBe(200);
  });
});

describe('IAM tokens', () => {
  it('issues a project-scoped token: 201, X-Subject-Token, Keystone body with both regions in the catalog', async () => {
    const res = await createToken(passwordAuth(t, { id: t.projectId }));
    expect(res.status).toBe(201);
    expect(res.headers.get('x-subject-token')).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const token = res.body.token;
    expect(token).toMatchObject({
      methods: ['password'],
      user: { name: t.userName, domain: { id: t.accountId, name: t.name } },
      project: { id: t.projectId, name: 'cn-north-4', domain: { id: t.accountId, name: t.name } },
    });
    const issued = Date.parse(token.issued_at);
    expect(Math.abs(issued - clock.now().getTime())).toBeLessThan(10_000);
    expect(Date.parse(token.expires_at) - issued).toBe(86_400_000);
    const endpoints = token.catalog.flatMap((s: { endpoints: { region: string; url: string }[] }) => s.endpoints.map((e) => ({ region: e.region, url: e.url })));
    expect(endpoints).toEqual(expect.arrayContaining([{ region: 'cn-north-4', url: t.endpoint }, { region: 'ap-southeast-3', url: b.endpoint }]));
  });

  it.each([
    ['cn-north-4', () => t.projectId],
    ['ap-southeast-3', () => projectB],
  ])('scopes by project name %s (the region name)', async (name, project) => {
    const res = await createToken(passwordAuth(t, { name }));
    expect(res.status).toBe(201);
    expect(res.body.token.project).toMatchObject({ id: project(), name });
  });

  type Refusal = [name: string, body: () => unknown, status: number, code: string];
  const refusals: Refusal[] = [
    ['wrong password', () => passwordAuth(t, { id: t.projectId }, 'not-the-password'), 401, 'MSS.00010010'],
    ['unknown domain', () => passwordAuth(t, { id: t.projectId }, t.password, 'no-such-domain'), 401, 'MSS.00010010'],
    ['unknown user', () => passwordAuth({ ...t, userName: 'nobody' }, { id: t.projectId }), 401, 'MSS.00010010'],
    ['invalid JSON', () => '{"auth": {', 400, 'MSS.10000002'],
    ['empty object', () => ({}), 400, 'MSS.00000003'],
    ['no scope', () => ({ auth: { identity: passwordAuth(t, { id: t.projectId }).auth.identity } }), 400, 'MSS.00000003'],
    ['token method', () => ({ auth: { ...passwordAuth(t, { id: t.projectId }).auth, identity: { methods: ['token'], token: { id: 'x' } } } }), 400, 'MSS.00000003'],
    ['project id not 32 hex', () => passwordAuth(t, { id: 'project-1' }), 400, 'MSS.00000003'],
  ];
  it.each(refusals)('refuses %s', async (_name, body, status, code) => {
    const res = await createToken(body());
    expect({ status: res.status, code: res.body?.error_code }).toEqual({ status, code });
    expect(res.headers.get('x-subject-token')).toBeNull();
  });

  it("refuses a scope on another account's project", async () => {
    const res = await createToken(passwordAuth(t, { id: other.projectId }));
    expect({ status: res.status, code: res.body.error_code }).toEqual({ status: 403, code: 'MSS.00010012' });
    expect(res.headers.get('x-subject-token')).toBeNull();
  });

  it('authenticates ListAssets and CreateDigitalAsset with X-Auth-Token alone', async () => {
    const token = await tokenFor(t, { id: t.projectId });
    const created = await withToken(token, 'POST', v1(t.projectId), { asset_name: `by token ${Date.now()}`, asset_type: 'IMAGE' });
    expect(created.status).toBe(200);
    const listed = await withToken(token, 'GET', `${v1(t.projectId)}?asset_id=${created.body.asset_id as string}`);
    expect(listed.status).toBe(200);
    expect(listed.body.assets.map((a: { asset_id: string }) => a.asset_id)).toEqual([created.body.asset_id]);
    // The same token works in the other region only on its own project.
    expect((await withToken(token, 'GET', v1(t.projectId), undefined, b.endpoint)).status).toBe(403);
  });

  it('a token of the ap-southeast-3 project works there, and not on cn-north-4', async () => {
    const token = await tokenFor(t, { id: projectB });
    expect((await withToken(token, 'GET', v1(projectB), undefined, b.endpoint)).status).toBe(200);
    expectRefused(await withToken(token, 'GET', v1(t.projectId)), 403, 'MSS.00010009', /the token is scoped to project/);
    expectRefused(await withToken(token, 'GET', v1(projectB)), 403, 'MSS.00010009', /served by region ap-southeast-3/);
  });

  it("refuses another account's token on this account's project", async () => {
    const token = await tokenFor(other, { id: other.projectId });
    expectRefused(await withToken(token, 'GET', v1(t.projectId)), 403, 'MSS.00010009', /is not the caller's/);
    expectRefused(await withToken(token, 'POST', v1(t.projectId), { asset_name: 'intruder', asset_type: 'IMAGE' }), 403, 'MSS.00010009', /is not the caller's/);
  });

  const flip = (s: string, i: number) => `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
  const tampered: [string, (token: string) => string, RegExp][] = [
    ['a flipped character in the payload', (tk) => flip(tk, 10), /token signature is invalid/],
    ['a flipped character in the signature', (tk) => flip(tk, tk.indexOf('.') + 5), /token signature is invalid|token is malformed/],
    ['junk appended', (tk) => `${tk}junk`, /token is malformed/],
    ['padding appended', (tk) => `${tk}==`, /token is malformed/],
    ['padding on the payload part', (tk) => tk.replace('.', '=.'), /token is malformed/],
    ['a third part', (tk) => `${tk}.e30`, /token is malformed/],
    ['not a token', () => 'hello', /token is malformed/],
  ];
  it.each(tampered)('refuses a token with %s → 401 MSS.00010008', async (_name, tamper, message) => {
    const token = await tokenFor(t, { id: t.projectId });
    expectRefused(await withToken(tamper(token), 'GET', v1(t.projectId)), 401, 'MSS.00010008', message);
  });

  it('refuses an expired token (clock past the 86400 s TTL)', async () => {
    const token = await tokenFor(t, { id: t.projectId });
    const almost = await later(86_399_000, () => withToken(token, 'GET', v1(t.projectId)));
    expect(almost.status).toBe(200);
    const expired = await later(86_401_000, () => withToken(token, 'GET', v1(t.projectId)));
    expectRefused(expired, 401, 'MSS.00010008', /token has expired/);
  });
});

describe('project discovery', () => {
  const projects = (res: Answer) => (res.body.projects as { id: string; name: string }[]).map((p) => ({ id: p.id, name: p.name }));

  it('GET /v3/projects?name=<region> with AK/SK lists exactly the account\'s project of that region', async () => {
    const north = await t.client.call('GET', '/v3/projects', { absolutePath: true, query: { name: 'cn-north-4' } });
    expect(north.status).toBe(200);
    expect(projects(north)).toEqual([{ id: t.projectId, name: 'cn-north-4' }]);
    expect(north.body.projects[0]).toMatchObject({ domain_id: t.accountId, enabled: true, is_domain: false });
    const south = await t.client.call('GET', '/v3/projects', { absolutePath: true, query: { name: 'ap-southeast-3' } });
    expect(projects(south)).toEqual([{ id: projectB, name: 'ap-southeast-3' }]);
    const all = await t.client.call('GET', '/v3/projects', { absolutePath: true });
    expect(projects(all).sort((x, y) => x.name.localeCompare(y.name))).toEqual([{ id: projectB, name: 'ap-southeast-3' }, { id: t.projectId, name: 'cn-north-4' }]);
    const none = await t.client.call('GET', '/v3/projects', { absolutePath: true, query: { name: 'eu-west-101' } });
    expect(projects(none)).toEqual([]);
  });

  it('a token lists only its own project; an unsigned request is refused', async () => {
    const token = await tokenFor(t, { id: projectB });
    const res = await withToken(token, 'GET', '/v3/projects');
    expect(projects(res)).toEqual([{ id: projectB, name: 'ap-southeast-3' }]);
    expectRefused(await send({ method: 'GET', url: `${t.endpoint}/v3/projects` }), 401, 'MSS.00010010', /send an Authorization header/);
  });

  // BasicCredentials.processAuthParams: with a region and no project id, the SDK asks
  // GET {iamEndpoint}/v3/projects?name=<region> (signed, with a `{}` body) and uses the one
  // project. The IAM endpoint comes from withIamEndpoint (HUAWEICLOUD_SDK_IAM_ENDPOINT is only
  // read when the builder takes its credentials from the environment).
  it.each([
    ['cn-north-4', () => t, (a: Account) => a.projectId],
    ['ap-southeast-3', () => b, (a: Account) => a.projectB],
  ])('an SDK client given region %s and no project id resolves the project and lists assets', async (name, region, project) => {
    const a = await freshAccount();
    const client = sdkClient(a, { region: new Region(name, region().endpoint) });
    const listed = await sdkCall(client, { method: 'GET', url: '/v1/{project_id}/digital-assets', queryParams: { limit: 1 } });
    expect(listed).toMatchObject({ httpStatusCode: 200, count: 0 });
    const created = await sdkCall(client, { method: 'POST', url: '/v1/{project_id}/digital-assets', data: { asset_name: `resolved ${name}`, asset_type: 'IMAGE' } });
    const shown = await sdkCall(client, { method: 'GET', url: '/v1/{project_id}/digital-assets/{asset_id}', pathParams: { asset_id: created.asset_id } });
    expect(shown.project_id).toBe(project(a));
  });
});
