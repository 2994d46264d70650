import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, localRegionConfigs, parseLocalSettings, parseRegionSettings, regionConfig, type Env } from '../../src/config/index.js';

const base = {
  ASSETBRIDGE_URL_SECRET: 'x'.repeat(32),
  ASSETBRIDGE_MASTER_KEY: 'ab'.repeat(32),
};

/** A region mode configuration, bound to the port it asks for. */
const parseRegionConfig = (env: Env) => {
  const settings = parseRegionSettings(env);
  return regionConfig(settings, settings.port);
};

/** The problems of a ConfigError, one per line. */
function problemsOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('no ConfigError');
}

describe('region config', () => {
  it('has working defaults', () => {
    const c = parseRegionConfig(base);
    expect(c).toMatchObject({ region: 'cn-north-4', host: '127.0.0.1', port: 8080, publicEndpoint: 'http://127.0.0.1:8080', recycleRetentionSeconds: 604_800, transferTtlSeconds: 604_800, maxFileSizeBytes: 5_368_709_120 });
    expect(c).toMatchObject({ role: 'all', replication: { maxClaims: 5, ruleDeliveryConcurrency: 8, ruleDeliveryBatch: 50, ruleRetryMaxSeconds: 30 } });
    expect(c.databaseUrl).toBe(`sqlite:${path.resolve('data', 'metadata.db')}`);
    expect(c.blobStore).toEqual({ kind: 'disk', root: path.resolve('data', 'blobs') });
  });

  it('has documented edge limits, and reads the trusted proxies', () => {
    expect(parseRegionConfig(base).edge).toEqual({
      trustProxy: [],
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 30_000,
      transferIdleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 72_000,
      maxUnverifiedBodies: 4,
      loginsPerUserAddress: 10,
      loginsPerAddress: 60,
      passwordHashConcurrency: 2,
      passwordHashQueue: 32,
    });
    expect(parseRegionConfig({ ...base, ASSETBRIDGE_TRUST_PROXY: '10.0.0.0/8, loopback,::1' }).edge.trustProxy).toEqual(['10.0.0.0/8', 'loopback', '::1']);
    expect(() => parseRegionSettings({ ...base, ASSETBRIDGE_TRUST_PROXY: '10.0.0.0/40' })).toThrow(/ASSETBRIDGE_TRUST_PROXY/);
    expect(() => parseRegionSettings({ ...base, ASSETBRIDGE_TRUST_PROXY: 'proxy.example' })).toThrow(/ASSETBRIDGE_TRUST_PROXY/);
  });

  it('names every bad value in one error', () => {
    const problems = problemsOf(() =>
      parseRegionSettings({
        ...base, ASSETBRIDGE_PORT: '70000', ASSETBRIDGE_REGION: 'Mars', ASSETBRIDGE_BLOB_STORE: 'ftp', ASSETBRIDGE_URL_SECRET: 'short', ASSETBRIDGE_DATABASE_URL: 'mysql://x', ASSETBRIDGE_TRANSFER_TTL: '10',
        ASSETBRIDGE_ROLE: 'both', ASSETBRIDGE_COPY_MAX_CLAIMS: '0', ASSETBRIDGE_RULE_DELIVERY_CONCURRENCY: '0', ASSETBRIDGE_RULE_DELIVERY_BATCH: '101',
      }),
    );
    for (const name of ['ASSETBRIDGE_PORT', 'ASSETBRIDGE_REGION', 'ASSETBRIDGE_BLOB_STORE', 'ASSETBRIDGE_URL_SECRET', 'ASSETBRIDGE_DATABASE_URL', 'ASSETBRIDGE_TRANSFER_TTL', 'ASSETBRIDGE_ROLE must be one of api, worker, all', 'ASSETBRIDGE_COPY_MAX_CLAIMS', 'ASSETBRIDGE_RULE_DELIVERY_CONCURRENCY', 'ASSETBRIDGE_RULE_DELIVERY_BATCH']) {
      expect(problems).toContain(name);
    }
  });

  it('requires the master key and checks peers', () => {
    expect(() => parseRegionSettings({ ASSETBRIDGE_URL_SECRET: 'x'.repeat(32) })).toThrow(/ASSETBRIDGE_MASTER_KEY is required/);
    const c = parseRegionSettings({ ...base, ASSETBRIDGE_PEERS: 'ap-southeast-3=http://127.0.0.1:8081' });
    expect(c.replication.peers).toEqual({ 'ap-southeast-3': 'http://127.0.0.1:8081' });
    expect(() => parseRegionSettings({ ...base, ASSETBRIDGE_PEERS: 'cn-north-4=http://127.0.0.1:1' })).toThrow(/ASSETBRIDGE_PEERS/);
    expect(() => parseRegionSettings({ ...base, ASSETBRIDGE_PEERS: 'ap-southeast-3=ftp://x' })).toThrow(/ASSETBRIDGE_PEERS/);
  });

  it('requires the S3 bucket for the S3 store and reads the JSON config file under env', () => {
    expect(() => parseRegionSettings({ ...base, ASSETBRIDGE_BLOB_STORE: 's3' })).toThrow(/ASSETBRIDGE_S3_BUCKET is required/);
    const dir = mkdtempSync(path.join(tmpdir(), 'assetbridge-config-'));
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ region: 'ap-southeast-3', port: 9000, ASSETBRIDGE_HOST: '0.0.0.0' }));
    const c = parseRegionSettings({ ...base, ASSETBRIDGE_CONFIG_FILE: file, ASSETBRIDGE_PORT: '9001' });
    expect(c).toMatchObject({ region: 'ap-southeast-3', port: 9001, host: '0.0.0.0' });
  });

  it('takes the bound port of port 0 into the endpoint, and keeps an endpoint that was set', () => {
    const settings = parseRegionSettings({ ...base, ASSETBRIDGE_PORT: '0' });
    expect(settings.publicEndpoint).toBeUndefined();
    expect(regionConfig(settings, 41234)).toMatchObject({ port: 41234, publicEndpoint: 'http://127.0.0.1:41234' });
    const behindProxy = parseRegionSettings({ ...base, ASSETBRIDGE_PORT: '0', ASSETBRIDGE_PUBLIC_ENDPOINT: 'https://assets.example.com/' });
    expect(regionConfig(behindProxy, 41234)).toMatchObject({ port: 41234, publicEndpoint: 'https://assets.example.com' });
    expect(regionConfig(parseRegionSettings({ ...base, ASSETBRIDGE_HOST: '::1' }), 8080).publicEndpoint).toBe('http://[::1]:8080');
  });

  it('cannot be changed once parsed, not even deep inside', () => {
    const c = parseRegionConfig({ ...base, ASSETBRIDGE_PEERS: 'ap-southeast-3=http://127.0.0.1:8081' });
    expect(() => Object.assign(c, { port: 1 })).toThrow(TypeError);
    expect(() => Object.assign(c.replication.peers, { 'eu-west-101': 'http://127.0.0.1:2' })).toThrow(TypeError);
    expect(() => Object.assign(c.identity, { tokenTtlSeconds: 1 })).toThrow(TypeError);
    expect(c.replication.peers).toEqual({ 'ap-southeast-3': 'http://127.0.0.1:8081' });
  });
});

describe('local mode config', () => {
  const masterKey = Buffer.alloc(32, 7);
  const urlSecrets = { 'cn-north-4': 'a'.repeat(64), 'ap-southeast-3': 'b'.repeat(64) };

  it('gives each local region its own data folder and port, and makes every other local region its peer', () => {
    const local = parseLocalSettings({ ASSETBRIDGE_DATA_DIR: '/srv/ab', ASSETBRIDGE_PORT: '0', ASSETBRIDGE_MAX_FILE_SIZE: '1000', ASSETBRIDGE_PEERS: 'eu-west-101=http://x:1' });
    expect(local).toMatchObject({ regions: ['cn-north-4', 'ap-southeast-3'], basePort: 0, keyRingFile: '/srv/ab/keyring.json', localJsonFile: '/srv/ab/local.json' });
    const [a, b] = localRegionConfigs(local, { ports: [4001, 4002], masterKey, urlSecrets });
    expect(a).toMatchObject({
      region: 'cn-north-4', port: 4001, publicEndpoint: 'http://127.0.0.1:4001', dataDir: '/srv/ab/cn-north-4',
      databaseUrl: 'sqlite:/srv/ab/cn-north-4/metadata.db', blobStore: { kind: 'disk', root: '/srv/ab/cn-north-4/blobs' },
      urlSecret: urlSecrets['cn-north-4'], maxFileSizeBytes: 1000,
      identity: { databaseUrl: 'sqlite:/srv/ab/identity.db', masterKey },
      replication: { keyRingFile: '/srv/ab/keyring.json', peers: { 'ap-southeast-3': 'http://127.0.0.1:4002' } },
    });
    expect(b).toMatchObject({ region: 'ap-southeast-3', port: 4002, dataDir: '/srv/ab/ap-southeast-3', replication: { peers: { 'cn-north-4': 'http://127.0.0.1:4001' } } });
    expect(Object.isFrozen(a?.replication.peers)).toBe(true);
  });

  it('names bad local settings, and needs no master key of its own', () => {
    const problems = problemsOf(() =>
      parseLocalSettings({ ASSETBRIDGE_LOCAL_REGIONS: 'cn-north-4,cn-north-4,Mars', ASSETBRIDGE_PORT: '65535', ASSETBRIDGE_LOG_LEVEL: 'loud', ASSETBRIDGE_ROLE: 'worker' }),
    );
    for (const text of ['distinct', 'ASSETBRIDGE_LOCAL_REGIONS must look like cn-north-4 (got "Mars")', 'ASSETBRIDGE_PORT', 'ASSETBRIDGE_LOG_LEVEL', 'ASSETBRIDGE_ROLE: the local mode runs every role']) {
      expect(problems).toContain(text);
    }
    expect(problems).not.toContain('MASTER_KEY');
  });
});
