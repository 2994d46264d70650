import type SQLite from 'better-sqlite3';
import type pg from 'pg';
import { busyAsUnavailable } from './sqlite-statements.js';

/**
 * Fixed reads of the hot path run on the engine's own driver, past Kysely's executor (whose
 * connection queue and promise chain cost more than the primary-key lookup itself). Each read
 * counts as a query like any other (`onQuery`, the per-request count of the access log).
 */
export interface DirectReads {
  /**
   * The rows of `sql` (the engine's placeholders, as Kysely compiled it), or `undefined` when
   * the read cannot be made directly now; `name` identifies the statement (one text per name).
   * SQLite: synchronous, on the process's one connection, and only while that connection is
   * in no transaction (a transaction's uncommitted writes must not be read: the caller goes
   * through Kysely then, which waits for the transaction to end). PostgreSQL: a named prepared
   * statement on the pool (parsed and planned once per connection).
   */
  rows(name: string, sql: string, parameters: readonly unknown[]): Promise<unknown[]> | undefined;
}

export function sqliteDirectReads(db: SQLite.Database, onQuery?: () => void): DirectReads {
  const statements = new Map<string, SQLite.Statement>();
  return {
    rows(name, sql, parameters) {
      if (db.inTransaction) return undefined;
      let statement = statements.get(name);
      if (!statement) {
        statement = db.prepare(sql);
        statements.set(name, statement);
      }
      // A statement still being iterated cannot run again (none of these is ever iterated).
      if (statement.busy) return undefined;
      onQuery?.();
      const run = statement;
      try {
        return Promise.resolve(busyAsUnavailable(() => run.all(parameters as unknown[])));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    },
  };
}

export function postgresDirectReads(pool: pg.Pool, onQuery?: () => void): DirectReads {
  return {
    rows(name, sql, parameters) {
      onQuery?.();
      return pool.query({ name, text: sql, values: parameters as unknown[] }).then((result) => result.rows as unknown[]);
    },
  };
}
