import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadSettings, parseIdentityConfig, SettingsReader, type Env, type IdentityConfig } from '../config/config.js';
import { IdentityError, type IdentityService } from '../services/identity/identity-service.js';
import { SealedSecretError } from '../services/identity/secret-box.js';
import { openIdentity } from '../start/identity.js';
import { localStateFile } from '../start/local-state.js';

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
 * Identity settings for operator commands: ASSETBRIDGE_IDENTITY_DATABASE_URL and
 * ASSETBRIDGE_MASTER_KEY, else the local mode's store and master key in ASSETBRIDGE_DATA_DIR.
 */
export function identitySettings(env: Env): IdentityConfig {
  // A copy: loadSettings may hand back process.env itself.
  const settings = { ...loadSettings(env) };
  const dataDir = path.resolve(settings.ASSETBRIDGE_DATA_DIR || './data');
  if (!settings.ASSETBRIDGE_MASTER_KEY) settings.ASSETBRIDGE_MASTER_KEY = localMasterKey(dataDir);
  const reader = new SettingsReader(settings);
  const config = parseIdentityConfig(reader, dataDir);
  reader.done();
  return config;
}

/** A database URL without its password, for messages. */
const redact = (url: string): string => url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');

/** Opens the identity store, turning the usual setup mistakes into one-line errors. */
export async function openOperatorIdentity(env: Env): Promise<IdentityService> {
  const config = identitySettings(env);
  try {
    return await openIdentity(config);
  } catch (err) {
    // The token-signing key is the first secret opened: a wrong key fails there.
    if (err instanceof SealedSecretError && err.reason === 'wrong_key') {
      throw new ConfigError([`ASSETBRIDGE_MASTER_KEY does not open the identity store at ${redact(config.databaseUrl)} (its secrets were sealed with another key)`]);
    }
    const message = err instanceof Error ? err.message : String(err);
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new IdentityError(`cannot open the identity store at ${redact(config.databaseUrl)}: ${message}${cause}`);
  }
}
