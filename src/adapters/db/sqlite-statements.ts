import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { AppError } from '../../domain/errors.js';

/**
 * The better-sqlite3 database as Kysely's SQLite dialect sees it, with two additions:
 *
 * - Statements are prepared once per SQL text and kept in a bounded least-recently-used
 *   cache (Kysely's dialect prepares every query anew, which costs as much as running it).
 *   A statement still being iterated is never handed out twice: a fresh one is prepared.
 * - A database another connection keeps locked past the busy timeout is `SQLITE_BUSY`; it is
 *   reported as 503 `MSS.00000503` (the error handler adds `Retry-After`), never as a 500.
 */
export function cachingDatabase(db: SQLite.Database, capacity = 500): SqliteDatabase {
  const cache = new Map<string, CachedStatement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        // Most recently used last: the oldest entry is the first one a full cache drops.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const made = new CachedStatement(db.prepare(sql));
      if (!hit) {
        cache.set(sql, made);
        if (cache.size > capacity) cache.delete(cache.keys().next().value as string);
      }
      return made;
    },
  };
}

class CachedStatement implements SqliteStatement {
  constructor(private readonly statement: SQLite.Statement) {}

  get reader(): boolean {
    return this.statement.reader;
  }

  get busy(): boolean {
    return this.statement.busy;
  }

  all(parameters: readonly unknown[]): unknown[] {
    return busyAsUnavailable(() => this.statement.all(parameters as unknown[]));
  }

  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return busyAsUnavailable(() => this.statement.run(parameters as unknown[]));
  }

  iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    return busyAsUnavailable(() => this.statement.iterate(parameters as unknown[]));
  }
}

/** Runs a statement; `SQLITE_BUSY` past the busy timeout becomes 503 `MSS.00000503`. */
export function busyAsUnavailable<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT') {
      throw new AppError('unavailable', 'the database is busy; retry shortly', { cause: err });
    }
    throw err;
  }
}
