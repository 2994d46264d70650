import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../src/domain/errors.js';
import type { CallOptions } from '../helpers/api-client.js';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';

let t: TestRegion;
let assetId = '';
let fileId = '';
const png = Buffer.from('89504e470d0a1a0a', 'hex');
const unknownId = 'abcdef0123456789abcdef0123456789';

beforeAll(async () => {
  t = await startTestRegion({ env: { ASSETBRIDGE_BODY_LIMIT: '4096', ASSETBRIDGE_MAX_FILE_SIZE: '1000000' } });
  assetId = await t.client.createAsset({ asset_name: 'fixture', tags: ['keep'] });
  fileId = (await t.client.createFile(assetId, 'pending.png', png, 'COVER')).fileId;
  await t.client.addFile(assetId, 'main.png', png);
  await t.region.media.idle(); // the image's metadata is filled before any snapshot
});
afterAll(async () => {
  await t.close();
});

/** Everything a client can see of the project: every asset in every state, with files. */
async function snapshot(): Promise<unknown> {
  const states = 'CREATING,FAILED,UNACTIVED,ACTIVED,DELETING,DELETED,BLOCK,WAITING_DELETE';
  const res = await t.client.call('GET', '/digital-assets', { query: { limit: '100', asset_state: states } });
  const assets = res.body.assets as { files: { download_url?: string }[] }[];
  // Download URLs carry a fresh expiry on every read: compare without them.
  return assets.map((a) => ({ ...a, files: a.files.map((f) => ({ ...f, download_url: Boolean(f.download_url) })) }));
}

type Case = [name: string, method: string, path: string, options: CallOptions, status: number, code: string];

const asset = () => `/digital-assets/${assetId}`;
const create = (body: Record<string, unknown>): CallOptions => ({ body: { asset_name: 'n', asset_type: 'IMAGE', ...body } });
const file = (body: Record<string, unknown>): CallOptions => ({
  body: { asset_id: '{asset}', file_name: 'a.png', file_md5: 'AAAAAAAAAAAAAAAAAAAAAA==', file_size: 10, asset_file_category: 'OTHER', ...body },
});

const cases: Case[] = [
  ['asset_name missing', 'POST', '/digital-assets', { body: { asset_type: 'IMAGE' } }, 400, 'MSS.00000003'],
  ['asset_type missing', 'POST', '/digital-assets', { body: { asset_name: 'x' } }, 400, 'MSS.00000003'],
  ['asset_type unknown', 'POST', '/digital-assets', create({ asset_type: 'PICTURE' }), 400, 'MSS.00000003'],
  ['asset_name a number', 'POST', '/digital-assets', create({ asset_name: 42 }), 400, 'MSS.00000003'],
  ['asset_name empty', 'POST', '/digital-assets', create({ asset_name: '' }), 400, 'MSS.00000003'],
  ['asset_name too long', 'POST', '/digital-assets', create({ asset_name: 'x'.repeat(257) }), 400, 'MSS.00000003'],
  ['tags not an array', 'POST', '/digital-assets', create({ tags: 'a' }), 400, 'MSS.00000003'],
  ['tag too long', 'POST', '/digital-assets', create({ tags: ['x'.repeat(65)] }), 400, 'MSS.00000003'],
  ['system property without key', 'POST', '/digital-assets', create({ system_properties: [{ value: 'v' }] }), 400, 'MSS.00000003'],
  ['asset_order negative', 'POST', '/digital-assets', create({ asset_order: -1 }), 400, 'MSS.00000003'],
  ['invalid JSON', 'POST', '/digital-assets', { rawBody: '{"asset_name": "x",' }, 400, 'MSS.10000002'],
  ['JSON array body', 'POST', '/digital-assets', { rawBody: '[1,2]' }, 400, 'MSS.00000003'],
  ['body over the limit', 'POST', '/digital-assets', create({ asset_description: 'x'.repeat(5000) }), 413, 'MSS.10002004'],
  ['unsupported content type', 'POST', '/digital-assets', { rawBody: 'asset_name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 400, 'MSS.00000002'],
  ['duplicate name', 'POST', '/digital-assets', create({ asset_name: 'fixture' }), 409, 'MSS.10001005'],
  ['limit 0', 'GET', '/digital-assets', { query: { limit: '0' } }, 400, 'MSS.00000003'],
  ['limit 101', 'GET', '/digital-assets', { query: { limit: '101' } }, 400, 'MSS.00000003'],
  ['negative offset', 'GET', '/digital-assets', { query: { offset: '-1' } }, 400, 'MSS.00000003'],
  ['huge offset', 'GET', '/digital-assets', { query: { offset: '99999999999999999999' } }, 400, 'MSS.00000003'],
  ['limit not a number', 'GET', '/digital-assets', { query: { limit: 'ten' } }, 400, 'MSS.00000003'],
  ['unknown asset_type filter', 'GET', '/digital-assets', { query: { asset_type: 'IMAGE,NOPE' } }, 400, 'MSS.00000003'],
  ['bad sort_dir', 'GET', '/digital-assets', { query: { sort_dir: 'up' } }, 400, 'MSS.00000003'],
  ['bad start_time', 'GET', '/digital-assets', { query: { start_time: 'yesterday' } }, 400, 'MSS.00000003'],
  ['malformed asset id', 'GET', '/digital-assets/XYZ', {}, 400, 'MSS.10001002'],
  ['uppercase asset id', 'GET', `/digital-assets/${unknownId.toUpperCase()}`, {}, 400, 'MSS.10001002'],
  ['asset id that does not decode', 'GET', '/digital-assets/%zz', {}, 400, 'MSS.10001002'],
  ['asset id over the length limit', 'GET', `/digital-assets/${'a'.repeat(300)}`, {}, 400, 'MSS.10001002'],
  ['unknown asset', 'GET', `/digital-assets/${unknownId}`, {}, 404, 'MSS.10001001'],
  ['update unknown asset', 'PUT', `/digital-assets/${unknownId}`, { body: { asset_name: 'z' } }, 404, 'MSS.10001001'],
  ['update to a forbidden state', 'PUT', '', { body: { asset_state: 'BLOCK' } }, 400, 'MSS.00000003'],
  ['update with bad property action', 'PUT', '', { body: { system_properties: [{ key: 'A', value: 'b', action: 'MOVE' }] } }, 400, 'MSS.00000003'],
  ['delete with bad mode', 'DELETE', '', { query: { mode: 'hard' } }, 400, 'MSS.00000003'],
  ['restore an asset not in the bin', 'POST', '/restore', {}, 409, 'MSS.10002001'],
  ['delete unknown asset', 'DELETE', `/digital-assets/${unknownId}`, {}, 404, 'MSS.10001001'],
  ['summary without ids', 'POST', '/digital-assets/summarys', { body: { asset_ids: [] } }, 400, 'MSS.00000003'],
  ['batch with unknown action', 'POST', '/digital-assets/batch-action', { body: { action: 'EXPLODE', asset_ids: [unknownId] } }, 400, 'MSS.00000003'],
  ['batch SHARE without params', 'POST', '/digital-assets/batch-action', { body: { action: 'SHARE', asset_ids: [unknownId] } }, 400, 'MSS.00000003'],
  ['batch params not text', 'POST', '/digital-assets/batch-action', { body: { action: 'SHARE', asset_ids: [unknownId], params: { shared_type: 'SHARED' } } }, 400, 'MSS.00000003'],
  ['transfer without destination', 'POST', '/digital-assets-action/transfers', { body: { asset_ids: [unknownId] } }, 400, 'MSS.00000003'],
  ['transfer of an unknown type', 'POST', '/digital-assets-action/transfers', { body: { transfer_type: 'GIFT', asset_ids: [unknownId], dest_project_id: unknownId } }, 400, 'MSS.00000003'],
  ['unknown transfer job', 'GET', `/digital-assets-action/transfers/${unknownId}`, {}, 404, 'MSS.10006002'],
  ['malformed transfer job id', 'GET', '/digital-assets-action/transfers/job-1', {}, 400, 'MSS.10001002'],
  ['unknown transfer action', 'POST', `/digital-assets-action/transfers/${unknownId}/approve`, {}, 400, 'MSS.10001002'],
  ['transfer reject with a reason that is no text', 'POST', `/digital-assets-action/transfers/${unknownId}/reject`, { body: { reason: 7 } }, 400, 'MSS.00000003'],
  ['transfer list with an unknown state', 'GET', '/digital-assets-action/transfers', { query: { state: 'DONE' } }, 400, 'MSS.00000003'],
  ['list with an unknown role', 'GET', '/digital-assets', { query: { role: 'OWNER' } }, 400, 'MSS.00000003'],
  ['file name with path traversal', 'POST', '/files', file({ file_name: '../../etc/passwd' }), 400, 'MSS.00000003'],
  ['file name with a backslash', 'POST', '/files', file({ file_name: '..\\x.png' }), 400, 'MSS.00000003'],
  ['file md5 not base64 of 16 bytes', 'POST', '/files', file({ file_md5: 'abc' }), 400, 'MSS.00000003'],
  ['file size zero', 'POST', '/files', file({ file_size: 0 }), 400, 'MSS.00000003'],
  ['file size over the region limit', 'POST', '/files', file({ file_size: 2_000_000 }), 413, 'MSS.10002003'],
  ['file size as a string', 'POST', '/files', file({ file_size: '10' }), 400, 'MSS.00000003'],
  ['file without type or suffix', 'POST', '/files', file({ file_name: 'README' }), 400, 'MSS.10001003'],
  ['file category unknown', 'POST', '/files', file({ asset_file_category: 'THUMB' }), 400, 'MSS.00000003'],
  ['file for an unknown asset', 'POST', '/files', file({ asset_id: unknownId }), 404, 'MSS.10001001'],
  ['second MAIN file', 'POST', '/files', file({ asset_file_category: 'MAIN' }), 409, 'MSS.10001008'],
  ['confirm before upload', 'POST', '/files/{file}/complete', { body: { state: 'CREATED' } }, 409, 'MSS.10002008'],
  ['confirm with a bad state', 'POST', '/files/{file}/complete', { body: { state: 'DONE' } }, 400, 'MSS.00000003'],
  ['confirm unknown file', 'POST', `/files/${unknownId}/complete`, { body: { state: 'CREATED' } }, 404, 'MSS.10001004'],
  ['delete unknown file', 'DELETE', `/files/${unknownId}`, {}, 404, 'MSS.10001004'],
  ['unknown API', 'GET', '/no-such-thing', {}, 404, 'MSS.00010003'],
  ['non-ASCII app user id', 'GET', '/digital-assets', { headers: { 'x-app-userid': 'user-\u00e9' } }, 400, 'MSS.00000003'],
  ['unsigned request', 'GET', '/digital-assets', { sign: false }, 401, 'MSS.00010010'],
];

describe('bad requests get a clear error and change nothing', () => {
  it.each(cases)('%s', async (_name, method, rawPath, options, status, code) => {
    const path = rawPath === '' || rawPath.startsWith('/restore') ? `${asset()}${rawPath}` : rawPath.replace('{file}', fileId);
    const before = await snapshot();
    // Fixtures name the fixture asset before it exists: fill it in now.
    const body = options.body === undefined ? undefined : JSON.parse(JSON.stringify(options.body).replace('{asset}', assetId)) as unknown;
    const res = await t.client.call(method, path, { ...options, body });
    expect({ status: res.status, code: res.body?.error_code }).toEqual({ status, code });
    // Code, status and message all come from the one catalogue entry.
    const entry = Object.values(errorCatalogue).find((e) => e.code === code);
    expect(entry?.status).toBe(status);
    const message = entry?.message ?? 'no catalogue entry';
    expect(String(res.body.error_msg).slice(0, message.length)).toBe(message);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await snapshot()).toEqual(before);
  });
});
