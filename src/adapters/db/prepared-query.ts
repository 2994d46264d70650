import type { Compilable, CompiledQuery, Insertable, Kysely } from 'kysely';
import type { DirectReads } from './direct-reads.js';
import type { Engine } from './engine.js';

/** A value no caller passes: it marks where argument `i` lands among the compiled parameters. */
const slot = (i: number): string => `\u0000assetbridge-argument-${i}\u0000`;

interface Compiled {
  query: CompiledQuery;
  /** For each compiled parameter: the index of the argument that fills it, or -1 for a constant. */
  argumentAt: number[];
}

/** A query compiled once: run through Kysely, or (`direct`) on the engine's driver. */
export interface PreparedQuery<DB, A extends unknown[], R> {
  (db: Kysely<DB>, engine: Engine, ...args: A): Promise<R[]>;
  /**
   * The same query run past Kysely's executor (`DirectReads`, counted like any query), or
   * through Kysely when the direct read cannot be made now. `db` must not be a transaction:
   * a direct read never joins one.
   */
  direct(reads: DirectReads, db: Kysely<DB>, engine: Engine, ...args: A): Promise<R[]>;
}

let named = 0;

/** The compiled statement's parameters with the arguments in their places. */
const bind = ({ query, argumentAt }: Compiled, args: readonly unknown[]): unknown[] =>
  query.parameters.map((p, i) => {
    const at = argumentAt[i] as number;
    return at < 0 ? p : args[at];
  });

/**
 * A query of fixed shape on the hot path, built and compiled once per engine: every run binds
 * its arguments at the positions the first compilation found them and executes the SQL text
 * as it is (Kysely otherwise rebuilds and recompiles its operation tree for every call, which
 * costs as much as running the cached statement). Only for queries whose SQL never depends
 * on the values: no `in` lists, no optional clauses. Runs on whatever database or transaction
 * it is given, and counts as a query like any other (same executor).
 */
export function preparedQuery<DB, A extends unknown[], R>(
  build: (db: Kysely<DB>, ...args: A) => Compilable<R>,
): PreparedQuery<DB, A, R> {
  const byEngine = new Map<Engine, Compiled>();
  const name = `assetbridge_prepared_${(named += 1)}`;
  const compiledFor = (db: Kysely<DB>, engine: Engine, args: A): Compiled => {
    let compiled = byEngine.get(engine);
    if (!compiled) {
      const slots = args.map((_, i) => slot(i)) as A;
      const query = build(db, ...slots).compile();
      const argumentAt = query.parameters.map((p) => slots.indexOf(p as string));
      if (slots.some((s) => !query.parameters.includes(s))) throw new Error(`prepared query does not use all its arguments: ${query.sql}`);
      compiled = { query, argumentAt };
      byEngine.set(engine, compiled);
    }
    return compiled;
  };
  const run = async (db: Kysely<DB>, engine: Engine, ...args: A): Promise<R[]> => {
    const compiled = compiledFor(db, engine, args);
    const result = await db.executeQuery<R>({ ...compiled.query, parameters: bind(compiled, args) });
    return result.rows;
  };
  const direct = (reads: DirectReads, db: Kysely<DB>, engine: Engine, ...args: A): Promise<R[]> => {
    const compiled = compiledFor(db, engine, args);
    return (reads.rows(name, compiled.query.sql, bind(compiled, args)) as Promise<R[]> | undefined) ?? run(db, engine, ...args);
  };
  return Object.assign(run, { direct });
}

/**
 * One prepared query per shape (a sort order, the length of an `in` list), made on first use.
 * Shapes must come from a small fixed set, never from free input: each is kept for good.
 */
export function perShape<K, Q>(make: (shape: K) => Q): (shape: K) => Q {
  const made = new Map<K, Q>();
  return (shape) => {
    let query = made.get(shape);
    if (query === undefined) made.set(shape, (query = make(shape)));
    return query;
  };
}

/** `in` lists up to this length are prepared per length (a page of ListAssets holds at most 100). */
export const preparedListLength = 100;

const inserts = new Map<string, Compiled>();

/**
 * Inserts one row, its statement compiled once per engine, table and set of columns (in their
 * order; columns whose value is `undefined` are left out, as Kysely leaves them out): a hot
 * path's insert of a row mapped from a domain value (always the same columns) is not built and
 * compiled by Kysely at every call. Every value is bound as it is (no SQL expressions).
 */
export async function insertRow<DB, T extends keyof DB & string>(db: Kysely<DB>, engine: Engine, table: T, row: Insertable<DB[T]>): Promise<void> {
  const entries: [string, unknown][] = Object.entries(row as object).filter(([, v]) => v !== undefined);
  const key = `${engine}\u0000${table}\u0000${entries.map(([c]) => c).join(',')}`;
  let compiled = inserts.get(key);
  if (!compiled) {
    const slots = entries.map((_, i) => slot(i));
    const values = Object.fromEntries(entries.map(([c], i) => [c, slots[i]]));
    const query = db.insertInto(table).values(values as never).compile();
    compiled = { query, argumentAt: query.parameters.map((p) => slots.indexOf(p as string)) };
    inserts.set(key, compiled);
  }
  await db.executeQuery({ ...compiled.query, parameters: bind(compiled, entries.map(([, v]) => v)) });
}
