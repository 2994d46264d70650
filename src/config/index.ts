/** Configuration: parsed once at start, immutable afterwards. Each area of settings has its own file. */
export { ConfigError, loadSettings, SettingsReader, type Env } from './settings-reader.js';
export { deepFreeze } from './freeze.js';
export { endpointFor, type LogLevel } from './values.js';
export { parseIdentityConfig, type IdentityConfig, type IdentityStoreConfig } from './identity-config.js';
export { type BlobStoreConfig } from './storage-config.js';
export { type Peers, type ReplicationConfig } from './replication-config.js';
export { parseRegionSettings, regionConfig, type MetricsConfig, type RegionConfig, type RegionSettings, type RegionTuning } from './region-config.js';
export { localRegionConfigs, localStateFile, parseLocalSettings, type LocalRegionsBound, type LocalSettings } from './local-config.js';
export { operatorDatabaseUrl, operatorIdentityConfig, operatorKeyRingFile } from './operator-config.js';
