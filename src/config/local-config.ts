import path from 'node:path';
import { deepFreeze } from './freeze.js';
import { parseIdentityStoreConfig, type IdentityStoreConfig } from './identity-config.js';
import { checkRegionName, parseRegionTuning, type RegionConfig, type RegionTuning } from './region-config.js';
import { parseReplicationTuning, type ReplicationTuning } from './replication-config.js';
import { ConfigError, loadSettings, SettingsReader, type Env } from './settings-reader.js';
import { endpointFor } from './values.js';
import { defaultBlobDir, defaultDatabaseUrl, parseBlobStoreConfig, type BlobStoreConfig } from './storage-config.js';

/** Where the local mode keeps what it generates on first start (mode 0600). */
export const localStateFile = (dataDir: string): string => path.join(dataDir, 'local-state.json');

/**
 * Local mode (`assetbridge start`): several regions in one process, parsed once. Each region
 * gets its own data folder `<dataDir>/<region>` (metadata database and disk blobs there);
 * the identity store and the key ring are shared.
 */
export interface LocalSettings {
  /** ASSETBRIDGE_LOCAL_REGIONS (default cn-north-4,ap-southeast-3). */
  readonly regions: readonly string[];
  readonly host: string;
  /** The first region's port; the others take the next ones (0: each a free port of its own). */
  readonly basePort: number;
  readonly dataDir: string;
  /** `<dataDir>/keyring.json`, generated on first start. */
  readonly keyRingFile: string;
  /** Where the demo account's credentials and the regions' endpoints are written. */
  readonly localJsonFile: string;
  /** The identity store's URL and token lifetime (the master key is the local mode's own). */
  readonly identity: IdentityStoreConfig;
  /** Disk (per region) or S3 (one bucket for all). */
  readonly blobStore: BlobStoreConfig;
  readonly tuning: RegionTuning;
  readonly replicationTuning: ReplicationTuning;
}

/** Parses the local mode's settings; every bad value is named in one ConfigError. */
export function parseLocalSettings(env: Env): LocalSettings {
  const r = new SettingsReader(loadSettings(env));
  const regions = r.string('LOCAL_REGIONS', 'cn-north-4,ap-southeast-3').split(',').map((s) => s.trim());
  r.check(new Set(regions).size === regions.length && regions.length > 0, 'ASSETBRIDGE_LOCAL_REGIONS must list distinct region names');
  for (const name of regions) checkRegionName(r, name, 'LOCAL_REGIONS');
  const basePort = r.int('PORT', 8080, 0, 65535);
  r.check(basePort === 0 || basePort + regions.length - 1 <= 65535, `ASSETBRIDGE_PORT leaves no room for ${regions.length} regions`);
  const dataDir = path.resolve(r.string('DATA_DIR', './data'));
  const role = r.optional('ROLE');
  r.check(role === undefined || role === 'all', `ASSETBRIDGE_ROLE: the local mode runs every role in one process (got "${role}"; use assetbridge serve --role for one role)`);
  const settings: LocalSettings = {
    regions,
    host: r.string('HOST', '127.0.0.1'),
    basePort,
    dataDir,
    keyRingFile: path.join(dataDir, 'keyring.json'),
    localJsonFile: path.join(dataDir, 'local.json'),
    // The master key is the local mode's own (local-state.json): none is asked for here.
    identity: parseIdentityStoreConfig(r, dataDir),
    blobStore: parseBlobStoreConfig(r, dataDir),
    tuning: parseRegionTuning(r),
    replicationTuning: parseReplicationTuning(r),
  };
  r.done();
  return deepFreeze(settings);
}

/** What the local mode knows once its sockets are bound: each region's port and secrets. */
export interface LocalRegionsBound {
  /** The bound port of each region, in the order of `LocalSettings.regions`. */
  readonly ports: readonly number[];
  /** From the local mode's state. */
  readonly masterKey: Buffer;
  /** Each region's URL-signing secret, from the local mode's state. */
  readonly urlSecrets: Readonly<Record<string, string>>;
}

/**
 * Every local region's configuration: the shared settings plus what is each region's own
 * (name, port, data folder, URL secret); every local region is a peer of every other.
 */
export function localRegionConfigs(local: LocalSettings, bound: LocalRegionsBound): RegionConfig[] {
  if (bound.ports.length !== local.regions.length) throw new ConfigError([`${bound.ports.length} ports bound for ${local.regions.length} local regions`]);
  const endpoints = local.regions.map((region, i) => [region, endpointFor(local.host, bound.ports[i] ?? 0)] as const);
  return endpoints.map(([region, publicEndpoint], i) => {
    const dataDir = path.join(local.dataDir, region);
    const config: RegionConfig = {
      ...local.tuning,
      region,
      // One process holds every local region: each serves its API and runs its loops.
      role: 'all',
      host: local.host,
      port: bound.ports[i] ?? 0,
      publicEndpoint,
      dataDir,
      databaseUrl: defaultDatabaseUrl(dataDir),
      blobStore: local.blobStore.kind === 'disk' ? { kind: 'disk', root: defaultBlobDir(dataDir) } : local.blobStore,
      urlSecret: bound.urlSecrets[region] ?? '',
      identity: { ...local.identity, masterKey: bound.masterKey },
      replication: { ...local.replicationTuning, keyRingFile: local.keyRingFile, peers: Object.fromEntries(endpoints.filter(([name]) => name !== region)) },
    };
    return deepFreeze(config);
  });
}
