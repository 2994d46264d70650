import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../helpers/api-client.js';
import { pollUntil } from '../helpers/poll.js';
import { startTwoRegions, type TwoRegions } from '../helpers/two-regions.js';

/** A quota refusal in region B ends the replica FAILED with its reason, counted on the rule and in A's metrics. */

let r: TwoRegions;
const png = Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001', 'hex');

beforeAll(async () => {
  r = await startTwoRegions({ env: { b: { ASSETBRIDGE_QUOTA_ASSETS_PER_PROJECT: '2' } } });
}, 60_000);
afterAll(async () => {
  await r?.close();
});

async function activeAsset(client: ApiClient, name: string): Promise<string> {
  const id = await client.createAsset({ asset_name: name });
  await client.addFile(id, 'main.png', png);
  return id;
}

describe('a quota refusal in region B', () => {
  it('fails the replica with the quota code as its reason', async () => {
    const ruleId = (await r.a.client.call('POST', '/replication-rules', { body: { rule_name: 'full', target_region: 'ap-southeast-3' } })).body.rule_id as string;
    const ids: string[] = [];
    for (const name of ['q-1', 'q-2', 'q-3']) {
      ids.push(await activeAsset(r.a.client, name));
      // One at a time: which one B refuses is then known.
      await pollUntil(() => r.a.client.call('GET', `/digital-assets/${ids.at(-1)}`), (res) => ['COMPLETED', 'FAILED'].includes(res.body.replication_status?.[0]?.state as string));
    }
    const third = (await r.a.client.call('GET', `/digital-assets/${ids[2]}`)).body.replication_status[0];
    expect(third).toMatchObject({ state: 'FAILED', rule_id: ruleId });
    expect(third.last_error).toContain('MSS.10007001');
    expect((await r.clientB.call('GET', `/digital-assets/${ids[2]}`)).status).toBe(404);
    expect((await r.a.client.call('GET', `/replication-rules/${ruleId}`)).body.counts).toEqual({ pending: 0, copying: 0, completed: 2, failed: 1 });
    const listed = await r.a.client.call('GET', '/digital-assets', { query: { replication_state: 'FAILED' } });
    expect(listed.body.assets.map((a: { asset_id: string }) => a.asset_id)).toEqual([ids[2]]);
    // The counter moves just after the state is recorded (the state is what the polls above saw).
    const failures = async () => /assetbridge_rule_replication_failures_total\{reason="MSS\.10007001"[^}]*\} (\d+)\n/.exec(await (await fetch(`${r.a.endpoint}/metrics`)).text())?.[1];
    await expect.poll(failures, { timeout: 10_000 }).toBe('1');
    // A newer version refused the same way: the replica stays FAILED and is not counted again.
    expect((await r.a.client.call('PUT', `/digital-assets/${ids[2]}`, { body: { asset_description: 'changed after the refusal' } })).status).toBe(200);
    const pending = async () => /assetbridge_rule_deliveries_pending\{[^}]*\} (\d+)\n/.exec(await (await fetch(`${r.a.endpoint}/metrics`)).text())?.[1] ?? '0';
    await expect.poll(pending, { timeout: 10_000 }).toBe('0');
    expect((await r.a.client.call('GET', `/digital-assets/${ids[2]}`)).body.replication_status[0]).toMatchObject({ state: 'FAILED' });
    expect(await failures()).toBe('1');
    const metrics = await (await fetch(`${r.a.endpoint}/metrics`)).text();
    expect(metrics).toMatch(/assetbridge_rule_replication_lag_seconds_count\{[^}]*target_region="ap-southeast-3"[^}]*\} 2\n/);
    expect(metrics).toMatch(/assetbridge_rule_deliveries_pending/);
  });
});
