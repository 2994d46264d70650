import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../helpers/api-client.js';
import { startLocalProcess, stopProcess } from '../helpers/processes.js';

let dataDir = '';
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('npm start: the local mode', () => {
  it('runs two regions in one process, writes local.json (0600), and keeps its credentials across restarts', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-local-'));
    const first = await startLocalProcess(dataDir);
    try {
      const { local } = first;
      expect(statSync(path.join(dataDir, 'local.json')).mode & 0o777).toBe(0o600);
      expect(local.access_key).toMatch(/^[A-Z0-9]{20}$/);
      expect(local.secret_key).toHaveLength(40);
      expect(local.account).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'demo' });
      expect(local.user.name).toBe('demo');
      expect(local.user.password.length).toBeGreaterThanOrEqual(8);
      expect(local.regions.map((r) => r.name)).toEqual(['cn-north-4', 'ap-southeast-3']);
      for (const region of local.regions) {
        expect(region.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(region.project_id).toMatch(/^[0-9a-f]{32}$/);
        expect(first.output()).toContain(`region ${region.name} listening on ${region.endpoint}`);
      }
      // Each region has its own data: an asset made in one is not in the other.
      const [a, b] = local.regions.map((r) => new ApiClient({ endpoint: r.endpoint, projectId: r.project_id, accessKey: local.access_key, secretKey: local.secret_key }));
      const id = await a!.createAsset({ asset_name: 'only-in-a' });
      expect((await a!.call('GET', `/digital-assets/${id}`)).status).toBe(200);
      expect((await b!.call('GET', `/digital-assets/${id}`)).status).toBe(404);
      expect(statSync(path.join(dataDir, 'cn-north-4', 'metadata.db')).isFile()).toBe(true);
      expect(statSync(path.join(dataDir, 'ap-southeast-3', 'metadata.db')).isFile()).toBe(true);
    } finally {
      expect(await stopProcess(first.child)).toBe(0);
    }

    const second = await startLocalProcess(dataDir);
    try {
      expect(second.local.access_key).toBe(first.local.access_key);
      expect(second.local.user).toEqual(first.local.user);
      expect(second.local.regions.map((r) => r.project_id)).toEqual(first.local.regions.map((r) => r.project_id));
      const r0 = second.local.regions[0]!;
      const client = new ApiClient({ endpoint: r0.endpoint, projectId: r0.project_id, accessKey: second.local.access_key, secretKey: second.local.secret_key });
      const list = await client.call('GET', '/digital-assets', { query: { name: 'only-in-a' } });
      expect(list.body.count).toBe(1);
    } finally {
      await stopProcess(second.child);
    }
  });
});
