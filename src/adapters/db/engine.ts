import path from 'node:path';
import SQLite from 'better-sqlite3';
import { PostgresAdapter, PostgresDialect, sql, SqliteDialect, type Dialect, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { makePrivateDatabaseFile, privateDirMode } from '../private-files.js';
import { primaryKeyNames } from './schema.js';
import { cachingDatabase } from './sqlite-statements.js';
import { postgresDirectReads, sqliteDirectReads, type DirectReads } from './direct-reads.js';

/**
 * Every difference between the two engines the stores run on, in one place: how to connect,
 * how each reports a unique or primary-key violation, and how a worker claims rows. The rest
 * of the SQL is written once for both (text times and JSON, `ON CONFLICT ... DO UPDATE`
 * upserts, partial unique indexes and `LIKE ... ESCAPE` mean the same on each).
 */
export type Engine = 'sqlite' | 'postgres';

/** The engine behind an open Kysely instance (migrations are given only the instance). */
export const engineOfDb = (db: Kysely<unknown>): Engine => (db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite');

export const engineOf = (url: string): Engine => (url.startsWith('postgres://') || url.startsWith('postgresql://') ? 'postgres' : 'sqlite');

/**
 * int8 (bigint) columns hold file sizes up to 5 GiB: safe as JS numbers. pg hands them out as
 * text by default; this parser is given to each pool, never set on the library globally.
 */
const int8Oid: number = pg.types.builtins.INT8;
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) =>
    oid === int8Oid ? Number : (pg.types.getTypeParser(oid, format) as (value: string) => unknown),
};

/**
 * How long a SQLite writer waits for another connection's lock. While migrating, a second
 * process starting at the same moment waits for the first; while serving, a request waits at
 * most `servingBusyTimeoutMs` and then answers 503 with `Retry-After` (never an event loop frozen
 * for seconds: better-sqlite3 waits synchronously).
 */
const migratingBusyTimeoutMs = 10_000;
export const servingBusyTimeoutMs = 100;

/** An engine's connection: its Kysely dialect, and what changes once migrations are done. */
export interface EngineConnection {
  engine: Engine;
  dialect: Dialect;
  /** Switches the connection from its migrating to its serving settings. */
  serving: () => void;
  /** The hot path's direct reads on this connection (`onQuery` counts each). */
  directReads: (onQuery?: () => void) => DirectReads;
}

/** The Kysely dialect of a `sqlite:<file>` or `postgres://` URL, with each engine's connection settings. */
export function dialectFor(url: string): EngineConnection {
  if (engineOf(url) === 'postgres') {
    const pool = new pg.Pool({ connectionString: url, max: 10, types: pgTypes });
    // An idle connection the server ends (a restart, a terminated backend) is dropped by the
    // pool and replaced on the next query; without a listener its error would end the process.
    pool.on('error', () => undefined);
    const dialect = new PostgresDialect({ pool });
    return { engine: 'postgres', dialect, serving: () => undefined, directReads: (onQuery) => postgresDirectReads(pool, onQuery) };
  }
  const file = url.replace(/^sqlite:/, '');
  if (file !== ':memory:') {
    // Only created folders get the private mode: the database may live in a folder of the operator's.
    mkdirSync(path.dirname(file), { recursive: true, mode: privateDirMode });
    makePrivateDatabaseFile(file);
  }
  // One connection per database file per process: Kysely's SQLite driver serialises on it.
  const sqlite = new SQLite(file);
  // Readers do not block the writer.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${migratingBusyTimeoutMs}`);
  sqlite.pragma('synchronous = NORMAL');
  const dialect = new SqliteDialect({ database: cachingDatabase(sqlite) });
  return { engine: 'sqlite', dialect, directReads: (onQuery) => sqliteDirectReads(sqlite, onQuery), serving: () => {
      // Statistics for the query planner (which index serves a filter), bounded in cost.
      sqlite.pragma('analysis_limit = 1000');
      sqlite.pragma('optimize = 0x10002');
      sqlite.pragma(`busy_timeout = ${servingBusyTimeoutMs}`);
    },
  };
}

/**
 * The subquery picking the rows a claiming `UPDATE ... WHERE (key) IN (subquery) RETURNING *`
 * takes. PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent workers claim different rows
 * without waiting on each other. SQLite has one writer at a time: the statement alone keeps
 * claims apart, and it has no lock clause.
 */
export function lockForClaim<DB, TB extends keyof DB, O>(engine: Engine, query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
  return engine === 'postgres' ? query.forUpdate().skipLocked() : query;
}

/**
 * Assets whose name contains `needle`, served by each engine's trigram index: PostgreSQL's
 * `pg_trgm` GIN index serves `LIKE` itself; SQLite's FTS5 trigram table is asked first (for a
 * needle of 3 characters or more without LIKE wildcards), then `LIKE` re-checks its answer.
 * SQLite's LIKE ignores ASCII case; PostgreSQL's does not (docs/api-behaviour.md).
 */
export function nameContains(engine: Engine, needle: string): RawBuilder<boolean> {
  const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const like = sql<boolean>`assets.asset_name LIKE ${pattern} ESCAPE '\\'`;
  if (engine === 'postgres' || needle.length < 3 || /[%_\\]/.test(needle)) return like;
  return sql<boolean>`assets.rowid IN (SELECT rowid FROM assets_name_fts WHERE assets_name_fts.asset_name LIKE ${`%${needle}%`}) AND ${like}`;
}

/**
 * Holds a named lock until the current transaction ends: concurrent transactions taking the same
 * name run one after the other from here. PostgreSQL: a transaction-scoped advisory lock. SQLite
 * runs one transaction at a time on the store's connection, so nothing more is needed.
 */
export async function lockUntilCommit<DB>(engine: Engine, db: Kysely<DB>, name: string): Promise<void> {
  if (!db.isTransaction) throw new Error('lockUntilCommit outside a transaction');
  if (engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtextextended(${name}, 0))`.execute(db);
}

interface DriverError {
  code?: string;
  /** PostgreSQL: the violated constraint and its table. */
  constraint?: string;
  table?: string;
  message?: string;
}

const pgUniqueViolation = '23505';

/** Any unique violation: a primary key or another unique index or constraint. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as DriverError | undefined;
  return e?.code === pgUniqueViolation || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * A violation of `table`'s primary key (as opposed to another unique index). SQLite says so
 * in its error code and names the table in its message; PostgreSQL names the constraint,
 * compared here with the table's primary key as the migrations name it.
 */
export function isPrimaryKeyViolation(err: unknown, table: keyof typeof primaryKeyNames): boolean {
  const e = err as DriverError | undefined;
  if (e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return (e.message ?? '').includes(`: ${table}.`);
  return e?.code === pgUniqueViolation && e.table === table && e.constraint === primaryKeyNames[table];
}
