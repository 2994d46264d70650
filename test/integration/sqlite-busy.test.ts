// SQLite under another connection's write lock: a request waits at most the serving busy
// timeout, then answers 503 MSS.00000503 with Retry-After; nothing is half-written.
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegion, type TestRegion } from '../helpers/test-region.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';

let t: TestRegion;
let file: string;

beforeAll(async () => {
  // A SQLite behaviour: this file runs on SQLite whatever the test backend.
  file = path.join(await mkdtemp(path.join(tmpdir(), 'assetbridge-busy-')), 'metadata.db');
  t = await startTestRegion({ env: { ASSETBRIDGE_DATABASE_URL: `sqlite:${file}` } });
});
afterAll(async () => {
  await t.close();
});

describe('a busy SQLite database', () => {
  it('answers 503 with Retry-After while another connection holds the write lock, and works again once it is released', async () => {
    const other = new SQLite(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const busy = await t.client.call('POST', '/digital-assets', { body: { asset_name: 'while-locked', asset_type: 'IMAGE' } });
      expect(busy.status).toBe(503);
      expect(busy.body.error_code).toBe('MSS.00000503');
      expect(busy.body.error_msg).toContain('busy');
      expect(busy.headers.get('retry-after')).toBe('1');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const listed = await t.client.call('GET', '/digital-assets', { query: { name: 'while-locked' } });
    expect(listed.body.count).toBe(0);
    const retried = await t.client.call('POST', '/digital-assets', { body: { asset_name: 'while-locked', asset_type: 'IMAGE' } });
    expect(retried.status).toBe(200);
  });
});
