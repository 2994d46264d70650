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
        return Promise.resolve(busyAsUnavailable(() => run.all(parameters)));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
  };
}

/** What `postgresDirectReads` needs of a `pg.Pool`. */
export type DirectPool = Pick<pg.Pool, 'connect'>;

/**
 * PostgreSQL: a named prepared statement on a pooled connection. Reads of the same statement
 * and parameters that are waiting for a connection are made once for all of them: a read
 * joins another only until that one has its connection, so the query runs after every request
 * it answers arrived, and sees every change committed before any of them (a change in any
 * process of the region is seen by the next request, as with a read of its own). Each request
 * still counts its read as a query.
 */
export function postgresDirectReads(pool: DirectPool, onQuery?: () => void): DirectReads {
  /** Reads waiting for a connection, by statement and parameters. */
  const waiting = new Map<string, { read?: Promise<unknown[]> }>();
  return {
    rows(name, sql, parameters) {
      onQuery?.();
      const key = `${name}\u0000${parameters.join('\u0000')}`;
      const joined = waiting.get(key)?.read;
      if (joined) return joined;
      const entry: { read?: Promise<unknown[]> } = {};
      waiting.set(key, entry);
      entry.read = (async () => {
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } finally {
          // From here on the read is under way: a request arriving now needs one of its own.
          if (waiting.get(key) === entry) waiting.delete(key);
        }
        try {
          const result = await client.query({ name, text: sql, values: parameters as unknown[] });
          client.release();
          return result.rows as unknown[];
        } catch (err) {
          // A connection that failed a query is not reused (as `pool.query` does).
          client.release(err as Error);
          throw err;
        }
      })();
      return entry.read;
    },
  };
}
