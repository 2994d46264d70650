import path from 'node:path';
import type { SettingsReader } from './settings-reader.js';
import { databaseUrlPattern } from './values.js';

/** Blob store settings: local disk (default) or an S3-compatible service. */
export type BlobStoreConfig =
  | { readonly kind: 'disk'; readonly root: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly region: string;
      readonly endpoint?: string;
      readonly accessKeyId?: string;
      readonly secretAccessKey?: string;
      readonly forcePathStyle: boolean;
      readonly prefix?: string;
    };

/** The disk store's default folder inside a region's data folder. */
export const defaultBlobDir = (dataDir: string): string => path.join(dataDir, 'blobs');

/** The metadata database's default: an SQLite file inside a region's data folder. */
export const defaultDatabaseUrl = (dataDir: string): string => `sqlite:${path.join(dataDir, 'metadata.db')}`;

/** ASSETBRIDGE_BLOB_STORE and what the chosen store needs. */
export function parseBlobStoreConfig(r: SettingsReader, dataDir: string): BlobStoreConfig {
  const kind = r.oneOf('BLOB_STORE', ['disk', 's3'] as const, 'disk');
  if (kind === 'disk') return { kind, root: path.resolve(r.string('BLOB_DIR', defaultBlobDir(dataDir))) };
  return {
    kind,
    bucket: r.string('S3_BUCKET'),
    region: r.string('S3_REGION', 'us-east-1'),
    endpoint: r.optional('S3_ENDPOINT'),
    accessKeyId: r.optional('S3_ACCESS_KEY_ID'),
    secretAccessKey: r.optional('S3_SECRET_ACCESS_KEY'),
    forcePathStyle: r.bool('S3_FORCE_PATH_STYLE', true),
    prefix: r.optional('S3_PREFIX'),
  };
}

/** ASSETBRIDGE_DATABASE_URL: `sqlite:<file>` or `postgres://...`. */
export function parseDatabaseUrl(r: SettingsReader, dataDir: string): string {
  const url = r.string('DATABASE_URL', defaultDatabaseUrl(dataDir));
  r.check(databaseUrlPattern.test(url), 'ASSETBRIDGE_DATABASE_URL must start with sqlite: or postgres://');
  return url;
}
