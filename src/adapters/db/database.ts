import { Kysely, Migrator, type MigrationProvider } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';
import { dialectFor, type Engine } from './engine.js';
import type { DirectReads } from './direct-reads.js';

export interface OpenDatabase<T = Database> {
  db: Kysely<T>;
  engine: Engine;
  /** Switches the connection to its serving settings (called by `migrate` when done). */
  serving: () => void;
  /** The hot path's reads past Kysely's executor, counted by `onQuery` like Kysely's queries. */
  direct: DirectReads;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Called once per query executed (the per-request query count of the access log). */
  onQuery?: () => void;
}

/** Opens the metadata database named by a `sqlite:<file>` or `postgres://` URL. */
export function openDatabase<T = Database>(url: string, options: DatabaseOptions = {}): OpenDatabase<T> {
  const { engine, dialect, serving, directReads } = dialectFor(url);
  const onQuery = options.onQuery;
  const db = new Kysely<T>({ dialect, ...(onQuery ? { log: () => onQuery() } : {}) });
  return { db, engine, serving, direct: directReads(onQuery), close: () => db.destroy() };
}

/** Applies pending migrations (Kysely runs them inside a transaction), then serves. */
export async function migrate<T>(
  database: OpenDatabase<T>,
  set: { provider: MigrationProvider; tableName?: string; lockTableName?: string } = { provider: migrationProvider },
): Promise<void> {
  const migrator = new Migrator({
    db: database.db,
    provider: set.provider,
    migrationTableName: set.tableName,
    migrationLockTableName: set.lockTableName,
    // Numbers are reserved per change before it lands, so a database may hold a later number
    // than a migration that lands after it; pending ones still run in name order, each once.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration failed${failed ? ` at ${failed.migrationName}` : ''}`, { cause: error });
  }
  database.serving();
}
