import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assetbridge } from '../helpers/cli.js';
import { startTestRegion, TestClock, type TestRegion } from '../helpers/test-region.js';

let t: TestRegion;
const clock = new TestClock();
beforeAll(async () => {
  t = await startTestRegion({ clock, env: { ASSETBRIDGE_SCHEDULE_INTERVAL: '1' } });
});
afterAll(async () => {
  await t.close();
});

describe('assetbridge assets unblock (operator)', () => {
  it('lifts a scheduled BLOCK on the region\'s database, and names what is wrong otherwise', async () => {
    const at = new Date(clock.now().getTime() + 30_000).toISOString();
    const id = await t.client.createAsset({ auto_operation_config: [{ operation: 'BLOCK', operation_time: at }] });
    clock.offsetMs += 31_000;
    await vi.waitFor(async () => expect((await t.client.call('GET', `/digital-assets/${id}`)).body.asset_state).toBe('BLOCK'), { timeout: 10_000 });

    const env = { ASSETBRIDGE_DATABASE_URL: t.region.config.databaseUrl };
    const ok = await assetbridge(['assets', 'unblock', id, '--json'], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ asset_id: id, project_id: t.projectId, asset_state: 'CREATING' });
    expect((await t.client.call('GET', `/digital-assets/${id}`)).body.asset_state).toBe('CREATING');

    const again = await assetbridge(['assets', 'unblock', id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not BLOCK');
    const unknown = await assetbridge(['assets', 'unblock', '0'.repeat(32)], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Asset not found');
    const noDb = await assetbridge(['assets', 'unblock', id], { ASSETBRIDGE_DATABASE_URL: '', ASSETBRIDGE_DATA_DIR: path.join(t.dataDir, 'nowhere') });
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toContain('no metadata database');
  });
});
