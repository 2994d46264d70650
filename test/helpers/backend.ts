import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate, openDatabase, type DatabaseOptions, type OpenDatabase } from '../../src/adapters/db/database.js';
import { startS3Server } from './s3-server.js';

/** Which storage the integration suite runs on: `sqlite` (+ disk, default) or `postgres` (+ S3). */
export const testBackend = (): 'sqlite' | 'postgres' =>
  process.env.ASSETBRIDGE_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

const adminUrl = process.env.ASSETBRIDGE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh PostgreSQL database; dropped by the returned function. */
export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `assetbridge_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A region's settings for a PostgreSQL database and an s3rver bucket. */
export const postgresAndS3Env = (databaseUrl: string, s3: { endpoint: string; bucket: string }): Record<string, string> => ({
  ASSETBRIDGE_DATABASE_URL: databaseUrl,
  ASSETBRIDGE_BLOB_STORE: 's3',
  ASSETBRIDGE_S3_ENDPOINT: s3.endpoint,
  ASSETBRIDGE_S3_BUCKET: s3.bucket,
  ASSETBRIDGE_S3_ACCESS_KEY_ID: 'S3RVER',
  ASSETBRIDGE_S3_SECRET_ACCESS_KEY: 'S3RVER',
  ASSETBRIDGE_S3_FORCE_PATH_STYLE: 'true',
});

/** Env settings for the storage of one test region, and how to tear it down. */
export async function backendSettings(): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  if (testBackend() === 'sqlite') return { env: {}, close: async () => {} };
  const db = await createPgDatabase();
  const s3 = await startS3Server();
  return {
    env: postgresAndS3Env(db.url, s3),
    close: async () => {
      await s3.close();
      await db.drop();
    },
  };
}

/** A fresh, migrated metadata database of the chosen backend (an SQLite file, or a PostgreSQL database), and its removal. */
export async function openTestDatabase(options: DatabaseOptions = {}): Promise<{ database: OpenDatabase; remove: () => Promise<void> }> {
  let database: OpenDatabase;
  let drop: () => Promise<void>;
  if (testBackend() === 'postgres') {
    const pgDb = await createPgDatabase();
    database = openDatabase(pgDb.url, options);
    drop = () => pgDb.drop();
  } else {
    const dir = await mkdtemp(path.join(tmpdir(), 'assetbridge-db-'));
    database = openDatabase(`sqlite:${path.join(dir, 'metadata.db')}`, options);
    drop = () => rm(dir, { recursive: true, force: true });
  }
  await migrate(database);
  return {
    database,
    remove: async () => {
      await database.close();
      await drop();
    },
  };
}
