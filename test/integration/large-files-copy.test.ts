import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwoRegions, waitForCopy, type TwoRegions } from '../helpers/two-regions.js';

/** Both regions take files of at most 1 MiB through CreateFile; a large file is bigger, and copies all the same. */
let r: TwoRegions;
const smallLimit = { ASSETBRIDGE_MAX_FILE_SIZE: String(1024 * 1024) };
beforeAll(async () => {
  r = await startTwoRegions({ env: { a: smallLimit, b: smallLimit } });
});
afterAll(async () => {
  await r.close();
});

describe('a large file', () => {
  it('copies to another region like any other file, up to that region\'s large-file limit', async () => {
    const bytes = randomBytes(2 * 5 * 1024 * 1024 + 31);
    const assetId = await r.a.client.createAsset({ asset_type: 'VIDEO' });
    const refused = await r.a.client.call('POST', '/files', {
      body: { asset_id: assetId, file_name: 'film.mp4', file_md5: createHash('md5').update(bytes).digest('base64'), file_size: bytes.length },
    });
    expect(refused.body.error_code).toBe('MSS.10002003');
    await r.a.client.addLargeFile(assetId, 'film.mp4', bytes, 2);
    await expect
      .poll(async () => ((await r.a.client.ok('GET', `/digital-assets/${assetId}`)) as { asset_state: string }).asset_state, { timeout: 30_000 })
      .toBe('ACTIVED');

    const info = (await r.a.client.ok('GET', `/digital-assets/${assetId}/replication-info`)) as Record<string, unknown>;
    expect((await r.clientB.call('POST', '/digital-assets-by-replication-info', { body: info })).status).toBe(200);
    const copied = await waitForCopy(r.clientB, assetId);
    expect(copied.asset_state).toBe('ACTIVED');
    const file = (copied.files as { file_size: number; file_sha256: string; download_url: string }[])[0];
    expect(file).toMatchObject({ file_size: bytes.length, file_sha256: createHash('sha256').update(bytes).digest('hex') });
    const download = await fetch(file?.download_url ?? '');
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });
});
