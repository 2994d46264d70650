import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { parseRegionSettings } from '../../src/config/index.js';
import { startRegion } from '../../src/start/region.js';
import { ApiClient } from '../helpers/api-client.js';

describe('access log', () => {
  it('writes one line per request with the operation name and request id, and never the secrets', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    });
    const dataDir = await mkdtemp(path.join(tmpdir(), 'assetbridge-log-'));
    const settings = parseRegionSettings({
      ASSETBRIDGE_PORT: '0',
      ASSETBRIDGE_DATA_DIR: dataDir,
      ASSETBRIDGE_URL_SECRET: randomBytes(32).toString('hex'),
      ASSETBRIDGE_MASTER_KEY: randomBytes(32).toString('hex'),
    });
    const region = await startRegion(settings, pino({ level: 'info' }, sink));
    try {
      await region.identity.createAccount('logs');
      const { accessKey, secretKey } = await region.identity.createCredential('logs');
      const projectId = (await region.identity.projects('logs'))[0]?.id ?? '';
      const client = new ApiClient({ endpoint: region.config.publicEndpoint, projectId, accessKey, secretKey });
      const created = await client.call('POST', '/digital-assets', { body: { asset_name: 'logged', asset_type: 'IMAGE' }, headers: { 'x-request-id': 'trace-log-0001' } });
      expect(created.status).toBe(200);
      const file = await client.createFile(created.body.asset_id as string, 'a.png', Buffer.from('png'));
      await fetch(file.uploadUrl, { method: 'PUT', body: 'png' });
      // The line is written once the server has finished the response, which may come after the client has it.
      await vi.waitFor(() => expect(lines.some((l) => l.msg === 'request' && l.op === 'file.upload')).toBe(true), { timeout: 10_000 });
      const requests = lines.filter((l) => l.msg === 'request');
      const create = requests.filter((l) => l.reqId === 'trace-log-0001');
      expect(create).toHaveLength(1);
      expect(create[0]).toMatchObject({ op: 'asset.create', method: 'POST', status: 200, project: projectId });
      expect(requests.map((l) => l.op)).toEqual(['asset.create', 'file.create', 'file.upload']);
      const text = JSON.stringify(lines);
      expect(text).not.toContain(secretKey);
      expect(text).not.toContain(new URL(file.uploadUrl).searchParams.get('signature'));
    } finally {
      await region.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
