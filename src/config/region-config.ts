import path from 'node:path';
import { parseEdgeConfig, type EdgeConfig } from './edge-config.js';
import { deepFreeze } from './freeze.js';
import { parseIdentityConfig, type IdentityConfig } from './identity-config.js';
import { parseReplicationConfig, type ReplicationConfig } from './replication-config.js';
import { loadSettings, SettingsReader, type Env } from './settings-reader.js';
import { parseBlobStoreConfig, parseDatabaseUrl, type BlobStoreConfig } from './storage-config.js';
import { endpointFor, endpointPattern, logLevels, regionNamePattern, roles, type LogLevel, type Role } from './values.js';

/** `/metrics`: on the API port (default), on its own port, or off. */
export type MetricsConfig = { readonly mode: 'api' | 'off' } | { readonly mode: 'port'; readonly port: number };

/** The settings every region of one process shares: limits, lifetimes, logs, metrics. */
export interface RegionTuning {
  /** Lifetime of upload URLs, seconds (default 86400). */
  readonly uploadUrlTtlSeconds: number;
  /** Lifetime of download URLs, seconds (default 3600). */
  readonly downloadUrlTtlSeconds: number;
  /** ShowAsset's cache of presented assets, MiB of answers kept (default 32; 0: off). */
  readonly showCacheMiB: number;
  /** Largest accepted file, bytes (default 5 GiB). */
  readonly maxFileSizeBytes: number;
  /** Largest file CreateLargeFile (and a copy from another region) accepts, bytes (default 536870912000). */
  readonly maxLargeFileSizeBytes: number;
  /** Largest accepted JSON body, bytes (default 1 MiB). */
  readonly bodyLimitBytes: number;
  /** How long a deleted asset stays in the recycle bin, seconds (default 7 days). */
  readonly recycleRetentionSeconds: number;
  /** How long a transfer job waits for the receiver's answer before it fails as expired, seconds (default 7 days). */
  readonly transferTtlSeconds: number;
  /** Per-project limits on what may be stored (docs/api-behaviour.md, "Quotas"). */
  readonly quotas: QuotaSettings;
  /** Largest MAIN image parsed for its metadata and thumbnail, bytes (default 256 MiB; it is read whole). */
  readonly maxImageParseBytes: number;
  /** How often due `auto_operation_config` operations are looked for, seconds (default 10). */
  readonly scheduleIntervalSeconds: number;
  /**
   * Age after which the disk store's scratch files that no recorded upload owns (left by a crash
   * or a cleanup that failed) are removed, seconds (default 86400).
   */
  readonly stagingMaxAgeSeconds: number;
  /** pino level (default info). */
  readonly logLevel: LogLevel;
  readonly metrics: MetricsConfig;
  /** Timeouts and limits of the HTTP edge. */
  readonly edge: EdgeConfig;
}

/** Quotas of every project of a region. */
export interface QuotaSettings {
  /** Assets a project holds, the recycle bin included (default 1,000,000). */
  readonly assetsPerProject: number;
  /** Files shown on one asset, failed ones included (default 1,000). */
  readonly filesPerAsset: number;
  /** Bytes declared by a project's uploads not confirmed yet (default 1 TiB). */
  readonly pendingUploadBytes: number;
}

/** One region's configuration: immutable, complete before anything of the region is built. */
export interface RegionConfig extends RegionTuning {
  readonly region: string;
  /** What this process of the region does (default `all`; local mode: `all`). */
  readonly role: Role;
  readonly host: string;
  /** The port the region listens on (the bound one, when the setting was 0). */
  readonly port: number;
  /** Public base URL of this region, scheme included, no trailing slash (default `http://HOST:PORT`). */
  readonly publicEndpoint: string;
  readonly dataDir: string;
  /** `sqlite:<file>` or `postgres://...`. */
  readonly databaseUrl: string;
  readonly blobStore: BlobStoreConfig;
  /** Secret that signs this region's upload and download URLs (at least 32 characters). */
  readonly urlSecret: string;
  /** The global identity store shared by every region of the deployment. */
  readonly identity: IdentityConfig;
  readonly replication: ReplicationConfig;
}

/**
 * A region's configuration as read, before its listening socket is bound: `port` may be 0
 * (any free port), and without ASSETBRIDGE_PUBLIC_ENDPOINT the endpoint follows the bound port.
 */
export interface RegionSettings extends Omit<RegionConfig, 'publicEndpoint'> {
  /** ASSETBRIDGE_PUBLIC_ENDPOINT when set. */
  readonly publicEndpoint: string | undefined;
}

/** ASSETBRIDGE_METRICS: `on` (default, on the API port), `off`, or a port number of its own. */
function parseMetrics(r: SettingsReader): MetricsConfig {
  const raw = r.optional('METRICS') ?? 'on';
  if (raw === 'on') return { mode: 'api' };
  if (raw === 'off') return { mode: 'off' };
  const port = /^\d+$/.test(raw) ? Number(raw) : -1;
  r.check(port >= 0 && port <= 65535, `ASSETBRIDGE_METRICS must be on, off or a port number (got "${raw}")`);
  return { mode: 'port', port };
}

export function parseRegionTuning(r: SettingsReader): RegionTuning {
  return {
    uploadUrlTtlSeconds: r.int('UPLOAD_URL_TTL', 86_400, 60, 7 * 86_400),
    downloadUrlTtlSeconds: r.int('DOWNLOAD_URL_TTL', 3_600, 10, 7 * 86_400),
    showCacheMiB: r.int('SHOW_CACHE_MIB', 32, 0, 4_096),
    maxFileSizeBytes: r.int('MAX_FILE_SIZE', 5_368_709_120, 1, 5_368_709_120),
    maxLargeFileSizeBytes: r.int('MAX_LARGE_FILE_SIZE', 536_870_912_000, 1, 536_870_912_000),
    bodyLimitBytes: r.int('BODY_LIMIT', 1_048_576, 1_024, 64 * 1_048_576),
    recycleRetentionSeconds: r.int('RECYCLE_RETENTION', 7 * 86_400, 0, 3_650 * 86_400),
    transferTtlSeconds: r.int('TRANSFER_TTL', 7 * 86_400, 60, 365 * 86_400),
    quotas: {
      assetsPerProject: r.int('QUOTA_ASSETS_PER_PROJECT', 1_000_000, 1, 1_000_000_000),
      filesPerAsset: r.int('QUOTA_FILES_PER_ASSET', 1_000, 1, 1_000_000),
      pendingUploadBytes: r.int('QUOTA_PENDING_UPLOAD_BYTES', 1_099_511_627_776, 0, Number.MAX_SAFE_INTEGER),
    },
    maxImageParseBytes: r.int('MAX_IMAGE_PARSE_SIZE', 268_435_456, 0, 4_294_967_296),
    scheduleIntervalSeconds: r.int('SCHEDULE_INTERVAL', 10, 1, 3_600),
    stagingMaxAgeSeconds: r.int('STAGING_MAX_AGE', 86_400, 600, 365 * 86_400),
    logLevel: r.oneOf('LOG_LEVEL', logLevels, 'info'),
    metrics: parseMetrics(r),
    edge: parseEdgeConfig(r),
  };
}

export function checkRegionName(r: SettingsReader, name: string, setting: string): void {
  r.check(regionNamePattern.test(name), `ASSETBRIDGE_${setting} must look like cn-north-4 (got "${name}")`);
}

/** Parses one region's settings (`region` mode); every bad value is named in one ConfigError. */
export function parseRegionSettings(env: Env): RegionSettings {
  const r = new SettingsReader(loadSettings(env));
  const region = r.string('REGION', 'cn-north-4');
  checkRegionName(r, region, 'REGION');
  const dataDir = path.resolve(r.string('DATA_DIR', './data'));
  const publicEndpoint = r.optional('PUBLIC_ENDPOINT')?.replace(/\/+$/, '');
  r.check(publicEndpoint === undefined || endpointPattern.test(publicEndpoint), `ASSETBRIDGE_PUBLIC_ENDPOINT must be http(s)://host[:port] (got "${publicEndpoint}")`);
  const urlSecret = r.string('URL_SECRET');
  r.check(urlSecret === '' || urlSecret.length >= 32, 'ASSETBRIDGE_URL_SECRET must be at least 32 characters');
  const settings: RegionSettings = {
    region,
    role: r.oneOf('ROLE', roles, 'all'),
    host: r.string('HOST', '127.0.0.1'),
    port: r.int('PORT', 8080, 0, 65535),
    publicEndpoint,
    dataDir,
    databaseUrl: parseDatabaseUrl(r, dataDir),
    blobStore: parseBlobStoreConfig(r, dataDir),
    urlSecret,
    identity: parseIdentityConfig(r, dataDir),
    replication: parseReplicationConfig(r, dataDir, region),
    ...parseRegionTuning(r),
  };
  r.done();
  return deepFreeze(settings);
}

/** The region's configuration once its socket is bound to `boundPort`. */
export function regionConfig(settings: RegionSettings, boundPort: number): RegionConfig {
  return deepFreeze({
    ...settings,
    port: boundPort,
    publicEndpoint: settings.publicEndpoint ?? endpointFor(settings.host, boundPort),
  });
}
