import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { PostgresDialect, SqliteDialect, type Dialect, type SelectQueryBuilder } from 'kysely';
import pg from 'pg';
import { primaryKeyNames } from './schema.js';
import { cachingDatabase } from './sqlite-statements.js';

/**
 * Every difference between the two engines the stores run on, in one place: how to connect,
 * how each reports a unique or primary-key violation, and how a worker claims rows. The rest
 * of the SQL is written once for both (text times and JSON, `ON CONFLICT ... DO UPDATE`
 * upserts, partial unique indexes and `LIKE ... ESCAPE` mean the same on each).
 */
export type Engine = 'sqlite' | 'postgres';

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
}

/** The Kysely dialect of a `sqlite:<file>` or `postgres://` URL, with each engine's connection settings. */
export function dialectFor(url: string): EngineConnection {
  if (engineOf(url) === 'postgres') {
    const dialect = new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 10, types: pgTypes }) });
    return { engine: 'postgres', dialect, serving: () => undefined };
  }
  const file = url.replace(/^sqlite:/, '');
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  // One connection per database file per process: Kysely's SQLite driver serialises on it.
  const sqlite = new SQLite(file);
  // Readers do not block the writer.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${migratingBusyTimeoutMs}`);
  sqlite.pragma('synchronous = NORMAL');
  const dialect = new SqliteDialect({ database: cachingDatabase(sqlite) });
  return { engine: 'sqlite', dialect, serving: () => void sqlite.pragma(`busy_timeout = ${servingBusyTimeoutMs}`) };
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
