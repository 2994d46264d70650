import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Blob store settings: local disk (default) or an S3-compatible service. */
export type BlobStoreConfig =
  | { kind: 'disk'; root: string }
  | {
      kind: 's3';
      bucket: string;
      region: string;
      endpoint?: string;
      accessKeyId?: string;
      secretAccessKey?: string;
      forcePathStyle: boolean;
      prefix?: string;
    };

/** One region's service configuration, parsed once at start. */
export interface RegionConfig {
  region: string;
  host: string;
  port: number;
  /** Public base URL of this region, scheme included, no trailing slash. */
  publicEndpoint: string;
  dataDir: string;
  /** `sqlite:<file>` or `postgres://...`. */
  databaseUrl: string;
  blobStore: BlobStoreConfig;
  /** Lifetime of upload URLs, seconds (default 86400). */
  uploadUrlTtlSeconds: number;
  /** Lifetime of download URLs, seconds (default 3600). */
  downloadUrlTtlSeconds: number;
  /** Largest accepted file, bytes (default 5 GiB). */
  maxFileSizeBytes: number;
  /** Largest accepted JSON body, bytes (default 1 MiB). */
  bodyLimitBytes: number;
  /** How long a deleted asset stays in the recycle bin, seconds (default 7 days). */
  recycleRetentionSeconds: number;
  /** Secret that signs this region's upload and download URLs (at least 32 characters). */
  urlSecret: string;
  /** The global identity store shared by every region of the deployment. */
  identity: IdentityConfig;
  logLevel: string;
  replication: ReplicationConfig;
  /** `/metrics`: on the API port (default), on its own port, or off. */
  metrics: { mode: 'api' | 'off' } | { mode: 'port'; port: number };
}

/** Cross-region copy settings. */
export interface ReplicationConfig {
  /** Key-ring file shared by every region (absent: this region neither seals nor opens). */
  keyRingFile: string;
  /** Peer regions: name -> public endpoint (scheme, host, port; no trailing slash). */
  peers: Record<string, string>;
  /** Lifetime of replication info, seconds (default 3600). */
  tokenTtlSeconds: number;
  /** How much longer download capabilities live, for long copies, seconds (default 86400). */
  copyWindowSeconds: number;
  /** Files of one copy downloaded at once (default 2). */
  parallelFiles: number;
  /** Copies run at once by one instance (default 2). */
  parallelTasks: number;
  /** Download limit per peer, bytes per second (0: none). */
  peerBandwidthBytesPerSecond: number;
  /** Copy-task lease, seconds (default 30): how soon a crashed worker's task is taken over. */
  leaseSeconds: number;
}

/** Where identities live and how their secrets are protected. */
export interface IdentityConfig {
  /** `sqlite:<file>` (shared by the local regions) or `postgres://...`. */
  databaseUrl: string;
  /** 32-byte key (64 hex characters) that encrypts secret keys and token-signing keys at rest. */
  masterKey: Buffer;
  /** Lifetime of IAM tokens, seconds (default 86400). */
  tokenTtlSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** Env vars win over the optional JSON file named by ASSETBRIDGE_CONFIG_FILE (same keys). */
export function loadSettings(env: Env): Env {
  const file = env.ASSETBRIDGE_CONFIG_FILE;
  if (!file) return env;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`ASSETBRIDGE_CONFIG_FILE: cannot read ${file}: ${(err as Error).message}`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`ASSETBRIDGE_CONFIG_FILE: ${file} must hold a JSON object`]);
  }
  const fromFile: Env = {};
  for (const [key, value] of Object.entries(parsed)) {
    const name = key.startsWith('ASSETBRIDGE_') ? key : `ASSETBRIDGE_${key.toUpperCase()}`;
    fromFile[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return { ...fromFile, ...env };
}

/** Collects every problem instead of stopping at the first. */
export class SettingsReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback?: string): string {
    const value = this.env[`ASSETBRIDGE_${name}`];
    if (value !== undefined && value !== '') return value;
    if (fallback === undefined) this.problems.push(`ASSETBRIDGE_${name} is required`);
    return fallback ?? '';
  }

  optional(name: string): string | undefined {
    const value = this.env[`ASSETBRIDGE_${name}`];
    return value === undefined || value === '' ? undefined : value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`ASSETBRIDGE_${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.problems.push(`ASSETBRIDGE_${name} must be true or false (got "${raw}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`ASSETBRIDGE_${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  }

  check(ok: boolean, problem: string): void {
    if (!ok) this.problems.push(problem);
  }

  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

const regionPattern = /^[a-z]{2}-[a-z]+-\d+$/;

/** Identity settings, shared by the region server and the operator commands. */
export function parseIdentityConfig(r: SettingsReader, dataDir: string): IdentityConfig {
  const databaseUrl = r.string('IDENTITY_DATABASE_URL', `sqlite:${path.join(dataDir, 'identity.db')}`);
  r.check(/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl), 'ASSETBRIDGE_IDENTITY_DATABASE_URL must start with sqlite: or postgres://');
  const masterHex = r.string('MASTER_KEY');
  r.check(masterHex === '' || /^[0-9a-f]{64}$/.test(masterHex), 'ASSETBRIDGE_MASTER_KEY must be 64 lowercase hex characters (32 bytes)');
  return {
    databaseUrl,
    masterKey: Buffer.from(/^[0-9a-f]{64}$/.test(masterHex) ? masterHex : '', 'hex'),
    tokenTtlSeconds: r.int('TOKEN_TTL', 86_400, 60, 7 * 86_400),
  };
}

/** `name=url,name=url` or a JSON object. */
function parsePeers(r: SettingsReader, self: string): Record<string, string> {
  const raw = r.optional('PEERS');
  if (raw === undefined) return {};
  let entries: [string, unknown][];
  try {
    entries = raw.trim().startsWith('{')
      ? Object.entries(JSON.parse(raw) as Record<string, unknown>)
      : raw.split(',').map((item) => {
          const at = item.indexOf('=');
          return [item.slice(0, at).trim(), item.slice(at + 1).trim()];
        });
  } catch {
    r.check(false, 'ASSETBRIDGE_PEERS must be name=url,... or a JSON object');
    return {};
  }
  const peers: Record<string, string> = {};
  for (const [name, url] of entries) {
    const ok = regionPattern.test(name) && typeof url === 'string' && /^https?:\/\/[^/]+$/.test(url) && name !== self;
    r.check(ok, `ASSETBRIDGE_PEERS: "${name}" needs a region name other than this one and an http(s)://host:port endpoint`);
    if (ok) peers[name] = url;
  }
  return peers;
}

/** ASSETBRIDGE_METRICS: `on` (default, on the API port), `off`, or a port number of its own. */
function parseMetrics(r: SettingsReader): RegionConfig['metrics'] {
  const raw = r.optional('METRICS') ?? 'on';
  if (raw === 'on') return { mode: 'api' };
  if (raw === 'off') return { mode: 'off' };
  const port = /^\d+$/.test(raw) ? Number(raw) : -1;
  r.check(port >= 0 && port <= 65535, `ASSETBRIDGE_METRICS must be on, off or a port number (got "${raw}")`);
  return { mode: 'port', port };
}

function parseReplicationConfig(r: SettingsReader, dataDir: string, region: string): ReplicationConfig {
  return {
    keyRingFile: path.resolve(r.string('KEYRING_FILE', path.join(dataDir, 'keyring.json'))),
    peers: parsePeers(r, region),
    tokenTtlSeconds: r.int('REPLICATION_TTL', 3_600, 60, 7 * 86_400),
    copyWindowSeconds: r.int('COPY_WINDOW', 86_400, 60, 30 * 86_400),
    parallelFiles: r.int('COPY_PARALLEL_FILES', 2, 1, 16),
    parallelTasks: r.int('COPY_PARALLEL_TASKS', 2, 1, 64),
    peerBandwidthBytesPerSecond: r.int('PEER_BANDWIDTH_LIMIT', 0, 0, 100 * 1024 * 1024 * 1024),
    leaseSeconds: r.int('COPY_LEASE', 30, 2, 3_600),
  };
}

/** Parses one region's configuration; every bad value is named in one ConfigError. */
export function parseRegionConfig(env: Env): RegionConfig {
  const r = new SettingsReader(loadSettings(env));
  const region = r.string('REGION', 'cn-north-4');
  r.check(regionPattern.test(region), `ASSETBRIDGE_REGION must look like cn-north-4 (got "${region}")`);
  const host = r.string('HOST', '127.0.0.1');
  const port = r.int('PORT', 8080, 0, 65535);
  const dataDir = path.resolve(r.string('DATA_DIR', './data'));
  const publicEndpoint = r.string('PUBLIC_ENDPOINT', `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  r.check(/^https?:\/\/[^/]+$/.test(publicEndpoint), `ASSETBRIDGE_PUBLIC_ENDPOINT must be http(s)://host[:port] (got "${publicEndpoint}")`);
  const databaseUrl = r.string('DATABASE_URL', `sqlite:${path.join(dataDir, 'metadata.db')}`);
  r.check(/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl), 'ASSETBRIDGE_DATABASE_URL must start with sqlite: or postgres://');
  const blobKind = r.oneOf('BLOB_STORE', ['disk', 's3'] as const, 'disk');
  const blobStore: BlobStoreConfig =
    blobKind === 'disk'
      ? { kind: 'disk', root: path.resolve(r.string('BLOB_DIR', path.join(dataDir, 'blobs'))) }
      : {
          kind: 's3',
          bucket: r.string('S3_BUCKET'),
          region: r.string('S3_REGION', 'us-east-1'),
          endpoint: r.optional('S3_ENDPOINT'),
          accessKeyId: r.optional('S3_ACCESS_KEY_ID'),
          secretAccessKey: r.optional('S3_SECRET_ACCESS_KEY'),
          forcePathStyle: r.bool('S3_FORCE_PATH_STYLE', true),
          prefix: r.optional('S3_PREFIX'),
        };
  const urlSecret = r.string('URL_SECRET');
  r.check(urlSecret === '' || urlSecret.length >= 32, 'ASSETBRIDGE_URL_SECRET must be at least 32 characters');
  const identity = parseIdentityConfig(r, dataDir);
  const config: RegionConfig = {
    region,
    host,
    port,
    publicEndpoint,
    dataDir,
    databaseUrl,
    blobStore,
    uploadUrlTtlSeconds: r.int('UPLOAD_URL_TTL', 86_400, 60, 7 * 86_400),
    downloadUrlTtlSeconds: r.int('DOWNLOAD_URL_TTL', 3_600, 10, 7 * 86_400),
    maxFileSizeBytes: r.int('MAX_FILE_SIZE', 5_368_709_120, 1, 5_368_709_120),
    bodyLimitBytes: r.int('BODY_LIMIT', 1_048_576, 1_024, 64 * 1_048_576),
    recycleRetentionSeconds: r.int('RECYCLE_RETENTION', 7 * 86_400, 0, 3_650 * 86_400),
    urlSecret,
    identity,
    replication: parseReplicationConfig(r, dataDir, region),
    metrics: parseMetrics(r),
    logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  };
  r.done();
  return config;
}
