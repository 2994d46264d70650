import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { deepFreeze } from './freeze.js';
import { masterKeyFrom, parseIdentityStoreConfig, type IdentityConfig } from './identity-config.js';
import { localStateFile } from './local-config.js';
import { checkRegionName } from './region-config.js';
import { ConfigError, loadSettings, SettingsReader, type Env } from './settings-reader.js';
import { defaultDatabaseUrl, parseDatabaseUrl } from './storage-config.js';

/** The local mode's master key, or a ConfigError naming what is wrong with its state file. */
function localMasterKey(dataDir: string): string {
  const file = localStateFile(dataDir);
  if (!existsSync(file)) throw new ConfigError([`ASSETBRIDGE_MASTER_KEY is required (or a local mode data folder: no ${file})`]);
  let state: unknown;
  try {
    state = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`ASSETBRIDGE_MASTER_KEY is not set and ${file} does not read as JSON: ${(err as Error).message}`]);
  }
  const key = (state as { masterKey?: unknown } | null)?.masterKey;
  if (typeof key !== 'string' || key === '') throw new ConfigError([`ASSETBRIDGE_MASTER_KEY is not set and ${file} has no masterKey`]);
  return key;
}

/**
 * Identity settings for the operator commands (`assetbridge iam`): ASSETBRIDGE_IDENTITY_DATABASE_URL
 * and ASSETBRIDGE_MASTER_KEY, else the local mode's store and master key in ASSETBRIDGE_DATA_DIR.
 */
export function operatorIdentityConfig(env: Env): IdentityConfig {
  const r = new SettingsReader(loadSettings(env));
  const dataDir = path.resolve(r.string('DATA_DIR', './data'));
  const store = parseIdentityStoreConfig(r, dataDir);
  const masterKey = masterKeyFrom(r, r.optional('MASTER_KEY') ?? localMasterKey(dataDir));
  r.done();
  return deepFreeze({ ...store, masterKey });
}

/** The key-ring file the operator commands (`assetbridge keys`) edit: ASSETBRIDGE_KEYRING_FILE, else the local mode's. */
export function operatorKeyRingFile(env: Env): string {
  const r = new SettingsReader(loadSettings(env));
  return path.resolve(r.string('KEYRING_FILE', path.join(r.string('DATA_DIR', './data'), 'keyring.json')));
}

/**
 * The metadata database of one region for the operator commands (`assetbridge copies`,
 * `assets unblock`):
 * ASSETBRIDGE_DATABASE_URL, else with `region` the local mode's `<DATA_DIR>/<region>/metadata.db`,
 * else a region's default `<DATA_DIR>/metadata.db`. An SQLite file must exist (nothing is created).
 */
export function operatorDatabaseUrl(env: Env, region?: string): string {
  const r = new SettingsReader(loadSettings(env));
  const dataDir = path.resolve(r.string('DATA_DIR', './data'));
  if (region !== undefined) checkRegionName(r, region, 'REGION (--region)');
  const url = region !== undefined && r.optional('DATABASE_URL') === undefined ? defaultDatabaseUrl(path.join(dataDir, region)) : parseDatabaseUrl(r, dataDir);
  r.done();
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (!existsSync(file)) {
      const hint = region === undefined ? ' (for the local mode, name a region: --region cn-north-4)' : '';
      throw new ConfigError([`no metadata database at ${file}: set ASSETBRIDGE_DATABASE_URL or ASSETBRIDGE_DATA_DIR${hint}`]);
    }
  }
  return url;
}
