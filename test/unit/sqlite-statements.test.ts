import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/domain/errors.js';
import { cachingDatabase } from '../../src/adapters/db/sqlite-statements.js';

/** An in-memory database that counts how often SQL is compiled. */
function counted() {
  const db = new SQLite(':memory:');
  db.exec('CREATE TABLE t (n INTEGER)');
  let prepared = 0;
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    prepared += 1;
    return prepare(sql);
  });
  return { db, prepared: () => prepared };
}

describe('SQLite statement cache', () => {
  it('compiles each SQL text once and reuses it with new parameters', () => {
    const { db, prepared } = counted();
    const cached = cachingDatabase(db);
    for (let n = 0; n < 5; n += 1) cached.prepare('INSERT INTO t (n) VALUES (?)').run([n]);
    expect(cached.prepare('SELECT sum(n) AS s FROM t WHERE n >= ?').all([3])).toEqual([{ s: 7 }]);
    expect(cached.prepare('SELECT sum(n) AS s FROM t WHERE n >= ?').all([0])).toEqual([{ s: 10 }]);
    expect(prepared()).toBe(2);
  });

  it('never hands out a statement that is still being iterated', () => {
    const { db } = counted();
    const cached = cachingDatabase(db);
    cached.prepare('INSERT INTO t (n) VALUES (?)').run([1]);
    cached.prepare('INSERT INTO t (n) VALUES (?)').run([2]);
    const outer = cached.prepare('SELECT n FROM t ORDER BY n').iterate([]);
    const first = outer.next();
    // The same SQL while the first iteration is open: a second statement, both usable.
    expect(cached.prepare('SELECT n FROM t ORDER BY n').all([])).toEqual([{ n: 1 }, { n: 2 }]);
    expect(first.value).toEqual({ n: 1 });
    expect(outer.next().value).toEqual({ n: 2 });
  });

  it('keeps at most its capacity, dropping the least recently used', () => {
    const { db, prepared } = counted();
    const cached = cachingDatabase(db, 2);
    cached.prepare('SELECT 1').all([]);
    cached.prepare('SELECT 2').all([]);
    cached.prepare('SELECT 1').all([]); // 1 is now the most recent
    cached.prepare('SELECT 3').all([]); // drops 2
    expect(prepared()).toBe(3);
    cached.prepare('SELECT 1').all([]);
    expect(prepared()).toBe(3);
    cached.prepare('SELECT 2').all([]);
    expect(prepared()).toBe(4);
  });

  it('reports SQLITE_BUSY as the catalogue\'s 503, other errors unchanged', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const db = { prepare: () => ({ reader: false, busy: false, run: () => { throw busy; } }), close: () => undefined } as unknown as SQLite.Database;
    const err = (() => { try { cachingDatabase(db).prepare('UPDATE t SET n = 1').run([]); } catch (e) { return e; } })();
    expect(isAppError(err) && err.kind).toBe('unavailable');
    const { db: real } = counted();
    expect(() => cachingDatabase(real).prepare('INSERT INTO missing VALUES (1)')).toThrow(/no such table/);
  });
});
