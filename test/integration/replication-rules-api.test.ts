import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../helpers/api-client.js';
import type { TestAccount } from '../helpers/test-region.js';
import { startTwoRegions, type TwoRegions } from '../helpers/two-regions.js';

/**
 * The rules API of region A (cn-north-4, peer ap-southeast-3): every refusal with its code,
 * and what a rule answers (counts, lag, backfill). Deliveries are in replication-rules.test.ts.
 */

let r: TwoRegions;
let other: TestAccount;
let otherProjectB = '';

const base = '/replication-rules';
const expectError = (res: ApiResponse, status: number, code: string) => {
  expect({ status: res.status, code: res.body?.error_code }).toEqual({ status, code });
};
const create = (body: Record<string, unknown>, client = r.a.client) => client.call('POST', base, { body: { rule_name: `r-${Math.random().toString(16).slice(2)}`, target_region: 'ap-southeast-3', ...body } });

beforeAll(async () => {
  r = await startTwoRegions();
  other = await r.a.addAccount();
  otherProjectB = (await r.a.identity.projects(other.name)).find((p) => p.region === 'ap-southeast-3')?.id ?? '';
  // A region of the deployment that region A has no channel to.
  await r.a.identity.registerRegion('eu-west-101', 'http://127.0.0.1:9');
}, 60_000);
afterAll(async () => {
  await r?.close();
});

describe('creating a rule', () => {
  it('answers its id, and the rule shows its target, filter, options, counts and lag', async () => {
    const res = await create({ rule_name: 'videos', filter: { asset_types: ['VIDEO'], tags: ['eu', 'asia'], name_prefix: 'clip-' } });
    expect(res.status).toBe(200);
    const shown = await r.a.client.call('GET', `${base}/${res.body.rule_id}`);
    expect(shown.body).toMatchObject({
      rule_id: res.body.rule_id,
      rule_name: 'videos',
      target_region: 'ap-southeast-3',
      target_project_id: r.projectB,
      filter: { asset_types: ['VIDEO'], tags: ['eu', 'asia'], name_prefix: 'clip-' },
      replicate_updates: true,
      replicate_deletes: false,
      enabled: true,
      counts: { pending: 0, copying: 0, completed: 0, failed: 0 },
      lag_seconds: 0,
      backfill: { state: 'NONE', queued: 0 },
    });
    const list = await r.a.client.call('GET', base);
    expect(list.body.rules.map((x: { rule_id: string }) => x.rule_id)).toContain(res.body.rule_id);
  });

  it('takes the account own project in the target region when named', async () => {
    const res = await create({ target_project_id: r.projectB, replicate_deletes: true, enabled: false });
    expect(res.status).toBe(200);
    expect((await r.a.client.call('GET', `${base}/${res.body.rule_id}`)).body).toMatchObject({ target_project_id: r.projectB, replicate_deletes: true, enabled: false });
  });

  it('refuses a target that is this region, no region of the deployment, or no peer (400)', async () => {
    expectError(await create({ target_region: 'cn-north-4' }), 400, 'MSS.10008002');
    expectError(await create({ target_region: 'xx-nowhere-1' }), 400, 'MSS.10008002');
    const notPeer = await create({ target_region: 'eu-west-101' });
    expectError(notPeer, 400, 'MSS.10008002');
    expect(notPeer.body.error_msg).toContain('not a peer');
  });

  it("refuses another account's project (403), and a project that is not in the target region or does not exist (400)", async () => {
    expectError(await create({ target_project_id: otherProjectB }), 403, 'MSS.10008003');
    expectError(await create({ target_project_id: r.a.projectId }), 400, 'MSS.10008004');
    expectError(await create({ target_project_id: 'f'.repeat(32) }), 400, 'MSS.10008004');
  });

  it('refuses a bad filter with its own code, and a bad body as any bad body', async () => {
    expectError(await create({ filter: { asset_types: ['SPACESHIP'] } }), 400, 'MSS.10008006');
    expectError(await create({ filter: { tags: ['a', 'a'] } }), 400, 'MSS.10008006');
    expectError(await create({ filter: { tags: [' '] } }), 400, 'MSS.10008006');
    expectError(await create({ filter: { name_prefix: '' } }), 400, 'MSS.10008006');
    expectError(await create({ filter: { colour: 'red' } }), 400, 'MSS.00000003');
    expectError(await create({ surprise: true }), 400, 'MSS.00000003');
    expectError(await create({ rule_name: '' }), 400, 'MSS.00000003');
  });

  it('refuses a name the project already uses (409), and creates nothing on any refusal', async () => {
    const before = (await r.a.client.call('GET', base)).body.count;
    expect((await create({ rule_name: 'twice' })).status).toBe(200);
    expectError(await create({ rule_name: 'twice' }), 409, 'MSS.10008005');
    expectError(await create({ rule_name: 'nope', target_region: 'cn-north-4' }), 400, 'MSS.10008002');
    expect((await r.a.client.call('GET', base)).body.count).toBe(before + 1);
  });
});

describe('a rule', () => {
  it('changes with PUT, keeps its target, and goes with DELETE', async () => {
    const { rule_id: id } = (await create({ rule_name: 'to-change' })).body;
    const put = await r.a.client.call('PUT', `${base}/${id}`, { body: { rule_name: 'changed', replicate_deletes: true, filter: { tags: ['x'] } } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ rule_name: 'changed', replicate_deletes: true, replicate_updates: true, filter: { tags: ['x'], asset_types: [] } });
    expectError(await r.a.client.call('PUT', `${base}/${id}`, { body: { target_region: 'cn-north-4' } }), 400, 'MSS.00000003');
    expectError(await r.a.client.call('PUT', `${base}/${id}`, { body: { filter: { asset_types: ['NOPE'] } } }), 400, 'MSS.10008006');
    expect((await r.a.client.call('PUT', `${base}/${id}`, { body: { enabled: false } })).body.enabled).toBe(false);
    expect((await r.a.client.call('DELETE', `${base}/${id}`)).status).toBe(200);
    expectError(await r.a.client.call('GET', `${base}/${id}`), 404, 'MSS.10008001');
    expectError(await r.a.client.call('DELETE', `${base}/${id}`), 404, 'MSS.10008001');
  });

  it("is another account's business only: its rules answer 404 to this account, and are not listed", async () => {
    const { rule_id: id } = (await create({ rule_name: 'mine' })).body;
    expectError(await other.client.call('GET', `${base}/${id}`), 404, 'MSS.10008001');
    expectError(await other.client.call('PUT', `${base}/${id}`, { body: { enabled: false } }), 404, 'MSS.10008001');
    expectError(await other.client.call('DELETE', `${base}/${id}`), 404, 'MSS.10008001');
    expect((await other.client.call('GET', base)).body).toEqual({ count: 0, rules: [] });
    expect((await r.a.client.call('GET', `${base}/${id}`)).body.enabled).toBe(true);
  });

  it('answers 404 for an id that is no rule, 400 for one that is no id', async () => {
    expectError(await r.a.client.call('GET', `${base}/${'0'.repeat(32)}`), 404, 'MSS.10008001');
    expectError(await r.a.client.call('GET', `${base}/nope`), 400, 'MSS.10001002');
  });
});
