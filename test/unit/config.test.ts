import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseRegionConfig } from '../../src/config/config.js';

const base = {
  ASSETBRIDGE_URL_SECRET: 'x'.repeat(32),
  ASSETBRIDGE_MASTER_KEY: 'ab'.repeat(32),
};

describe('region config', () => {
  it('has working defaults', () => {
    const c = parseRegionConfig(base);
    expect(c).toMatchObject({ region: 'cn-north-4', host: '127.0.0.1', port: 8080, publicEndpoint: 'http://127.0.0.1:8080', recycleRetentionSeconds: 604_800, maxFileSizeBytes: 5_368_709_120 });
    expect(c.databaseUrl).toBe(`sqlite:${path.resolve('data', 'metadata.db')}`);
    expect(c.blobStore).toEqual({ kind: 'disk', root: path.resolve('data', 'blobs') });
  });

  it('names every bad value in one error', () => {
    let error: unknown;
    try {
      parseRegionConfig({ ...base, ASSETBRIDGE_PORT: '70000', ASSETBRIDGE_REGION: 'Mars', ASSETBRIDGE_BLOB_STORE: 'ftp', ASSETBRIDGE_URL_SECRET: 'short', ASSETBRIDGE_DATABASE_URL: 'mysql://x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['ASSETBRIDGE_PORT', 'ASSETBRIDGE_REGION', 'ASSETBRIDGE_BLOB_STORE', 'ASSETBRIDGE_URL_SECRET', 'ASSETBRIDGE_DATABASE_URL']) {
      expect(problems).toContain(name);
    }
  });

  it('requires the master key and checks peers', () => {
    expect(() => parseRegionConfig({ ASSETBRIDGE_URL_SECRET: 'x'.repeat(32) })).toThrow(/ASSETBRIDGE_MASTER_KEY is required/);
    const c = parseRegionConfig({ ...base, ASSETBRIDGE_PEERS: 'ap-southeast-3=http://127.0.0.1:8081' });
    expect(c.replication.peers).toEqual({ 'ap-southeast-3': 'http://127.0.0.1:8081' });
    expect(() => parseRegionConfig({ ...base, ASSETBRIDGE_PEERS: 'cn-north-4=http://127.0.0.1:1' })).toThrow(/ASSETBRIDGE_PEERS/);
    expect(() => parseRegionConfig({ ...base, ASSETBRIDGE_PEERS: 'ap-southeast-3=ftp://x' })).toThrow(/ASSETBRIDGE_PEERS/);
  });

  it('requires the S3 bucket for the S3 store and reads the JSON config file under env', () => {
    expect(() => parseRegionConfig({ ...base, ASSETBRIDGE_BLOB_STORE: 's3' })).toThrow(/ASSETBRIDGE_S3_BUCKET is required/);
    const dir = mkdtempSync(path.join(tmpdir(), 'assetbridge-config-'));
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ region: 'ap-southeast-3', port: 9000, ASSETBRIDGE_HOST: '0.0.0.0' }));
    const c = parseRegionConfig({ ...base, ASSETBRIDGE_CONFIG_FILE: file, ASSETBRIDGE_PORT: '9001' });
    expect(c).toMatchObject({ region: 'ap-southeast-3', port: 9001, host: '0.0.0.0' });
  });
});
