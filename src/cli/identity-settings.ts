import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadSettings, parseIdentityConfig, SettingsReader, type IdentityConfig } from '../config/config.js';
import { localStateFile } from '../start/local-state.js';

/**
 * Identity settings for operator commands: ASSETBRIDGE_IDENTITY_DATABASE_URL and
 * ASSETBRIDGE_MASTER_KEY, else the local mode's store and master key in ASSETBRIDGE_DATA_DIR.
 */
export function identitySettings(env: NodeJS.ProcessEnv): IdentityConfig {
  const settings = loadSettings(env);
  const dataDir = path.resolve(settings.ASSETBRIDGE_DATA_DIR ?? './data');
  if (!settings.ASSETBRIDGE_MASTER_KEY) {
    const stateFile = localStateFile(dataDir);
    if (!existsSync(stateFile)) {
      throw new ConfigError([`ASSETBRIDGE_MASTER_KEY is required (or a local mode data folder: no ${stateFile})`]);
    }
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { masterKey?: string };
    settings.ASSETBRIDGE_MASTER_KEY = state.masterKey;
  }
  const reader = new SettingsReader(settings);
  const config = parseIdentityConfig(reader, dataDir);
  reader.done();
  return config;
}
