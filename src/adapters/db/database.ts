import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';

export type Engine = 'sqlite' | 'postgres';

export interface OpenDatabase<T = Database> {
  db: Kysely<T>;
  engine: Engine;
  close(): Promise<void>;
}

// int8 (bigint) columns hold file sizes up to 5 GiB: safe as JS numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Opens the metadata database named by a `sqlite:<file>` or `postgres://` URL. */
export function openDatabase<T = Database>(url: string): OpenDatabase<T> {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    const db = new Kysely<T>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  const file = url.replace(/^sqlite:/, '');
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<T>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, engine: 'sqlite', close: () => db.destroy() };
}

/** Applies pending migrations (Kysely runs them inside a transaction). */
export async function migrate<T>(
  db: Kysely<T>,
  set: { provider: MigrationProvider; tableName?: string; lockTableName?: string } = { provider: migrationProvider },
): Promise<void> {
  const migrator = new Migrator({ db: db, provider: set.provider, migrationTableName: set.tableName, migrationLockTableName: set.lockTableName });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration failed${failed ? ` at ${failed.migrationName}` : ''}`, { cause: error });
  }
}
