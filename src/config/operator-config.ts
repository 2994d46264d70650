import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { deepFreeze } from './freeze.js';
import { masterKeyFrom, parseIdentityStoreConfig, type IdentityConfig } from './identity-config.js';
import { localStateFile } from './local-config.js';
import { ConfigError, loadSettings, SettingsReader, type Env } from './settings-reader.js';
import { parseDatabaseUrl } from './storage-config.js';
import { regionNamePattern } from './values.js';

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

/**
 * The metadata database the operator's asset commands (`assetbridge assets unblock`) work on:
 * ASSETBRIDGE_DATABASE_URL, else the SQLite file in ASSETBRIDGE_DATA_DIR, or in its `<region>`
 * folder for a region of the local mode.
 */
export function operatorDatabaseUrl(env: Env, localRegion?: string): string {
  const r = new SettingsReader(loadSettings(env));
  const dataDir = path.resolve(r.string('DATA_DIR', './data'));
  r.check(localRegion === undefined || regionNamePattern.test(localRegion), `--local-region must look like cn-north-4 (got "${localRegion}")`);
  const url = parseDatabaseUrl(r, localRegion === undefined ? dataDir : path.join(dataDir, localRegion));
  r.done();
  return url;
}

/** The key-ring file the operator commands (`assetbridge keys`) edit: ASSETBRIDGE_KEYRING_FILE, else the local mode's. */
export function operatorKeyRingFile(env: Env): string {
  const r = new SettingsReader(loadSettings(env));
  return path.resolve(r.string('KEYRING_FILE', path.join(r.string('DATA_DIR', './data'), 'keyring.json')));
}
