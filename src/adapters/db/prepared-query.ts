import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Engine } from './engine.js';

/** A value no caller passes: it marks where argument `i` lands among the compiled parameters. */
const slot = (i: number): string => `\u0000assetbridge-argument-${i}\u0000`;

interface Compiled {
  query: CompiledQuery;
  /** For each compiled parameter: the index of the argument that fills it, or -1 for a constant. */
  argumentAt: number[];
}

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
): (db: Kysely<DB>, engine: Engine, ...args: A) => Promise<R[]> {
  const byEngine = new Map<Engine, Compiled>();
  return async (db, engine, ...args) => {
    let compiled = byEngine.get(engine);
    if (!compiled) {
      const slots = args.map((_, i) => slot(i)) as A;
      const query = build(db, ...slots).compile();
      const argumentAt = query.parameters.map((p) => slots.indexOf(p as string));
      if (slots.some((s) => !query.parameters.includes(s))) throw new Error(`prepared query does not use all its arguments: ${query.sql}`);
      compiled = { query, argumentAt };
      byEngine.set(engine, compiled);
    }
    const { query, argumentAt } = compiled;
    const parameters = query.parameters.map((p, i) => {
      const at = argumentAt[i] as number;
      return at < 0 ? p : args[at];
    });
    const result = await db.executeQuery<R>({ ...query, parameters });
    return result.rows;
  };
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
