// The count of a ListAssets filtered by asset_type or app_user_id is answered by that filter's
// index (migration 016): the index holds the state every list filters by, so no row is read to
// check it (SQLite: a covering index; PostgreSQL: that index, never a sequential scan).
// A page sorted by asset_order, either direction, comes in the order of one index (migration
// 024): no sort step, however many assets share an asset_order.
import { CompiledQuery, sql, type Kysely, type KyselyPlugin, type QueryId, type RootOperationNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../src/adapters/db/database.js';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import type { Database } from '../../src/adapters/db/schema.js';
import { assetTypes } from '../../src/domain/asset.js';
import { newAsset } from '../../src/domain/asset-fields.js';
import { newId } from '../../src/domain/ids.js';
import type { AssetQuery } from '../../src/ports/metadata-store.js';
import { openTestDatabase } from '../helpers/backend.js';

let database: OpenDatabase;
let remove: () => Promise<void>;
const projectId = newId();

/** Records the operation tree of every query a store runs (to compile and explain them here). */
class Recorder implements KyselyPlugin {
  readonly queries: { node: RootOperationNode; queryId: QueryId }[] = [];
  transformQuery(args: { node: RootOperationNode; queryId: QueryId }): RootOperationNode {
    this.queries.push(args);
    return args.node;
  }
  async transformResult<R>(args: { result: R }): Promise<R> {
    return args.result;
  }
}

beforeAll(async () => {
  ({ database, remove } = await openTestDatabase());
  const store = new KyselyMetadataStore(database.db, database.engine);
  await store.transaction(async (tx) => {
    for (let i = 0; i < 700; i++) {
      const asset = newAsset(
        { projectId, appUserId: `user-${i % 20}`, at: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 1000).toISOString() },
        { assetName: `counted-${i}`, assetType: assetTypes[i % assetTypes.length] ?? 'IMAGE', ...(i % 10 === 0 ? {} : { assetOrder: i % 7 }) },
      );
      asset.assetState = i % 20 === 0 ? 'DELETING' : 'ACTIVED';
      await tx.insertAsset(asset);
    }
  });
  // The statistics a served database has (SQLite's `PRAGMA optimize` at start, PostgreSQL's autovacuum).
  await sql`ANALYZE`.execute(database.db);
});
afterAll(async () => {
  await remove();
});

/**
 * The plan of the count (or page) statement ListAssets runs for `filter`, one line per step. A
 * prepared statement (the unfiltered page) is recorded as compiled the first time, with a marker
 * in place of each argument: the markers are replaced by the list's project, limit and offset.
 */
async function countPlan(filter: Partial<AssetQuery>, statement: 'count' | 'page' = 'count'): Promise<string> {
  const recorder = new Recorder();
  const db = database.db.withPlugin(recorder);
  const store = new KyselyMetadataStore(db, database.engine);
  const query = { projectId, sortKey: 'create_time', sortDir: 'asc', offset: 0, limit: 10, ...filter } as const;
  const { count } = await store.listAssets(query);
  expect(count).toBeGreaterThan(0);
  const argumentsOfPage = [query.projectId, query.limit, query.offset];
  const bound = (p: unknown) => {
    const marker = typeof p === 'string' && p.startsWith('\u0000assetbridge-argument-') ? Number.parseInt(p.slice('\u0000assetbridge-argument-'.length), 10) : -1;
    return marker >= 0 ? argumentsOfPage[marker] : p;
  };
  const counting = recorder.queries
    .map((q) => database.db.getExecutor().compileQuery(q.node, q.queryId))
    .find((q) => (statement === 'count' ? /count\(\*\)/.test(q.sql) : /order by/i.test(q.sql) && /from "assets"/.test(q.sql)));
  if (!counting) throw new Error(`no ${statement} statement`);
  const explain = async (runner: Kysely<Database>) => {
    const prefix = database.engine === 'postgres' ? 'EXPLAIN ' : 'EXPLAIN QUERY PLAN ';
    const { rows } = await runner.executeQuery<Record<string, unknown>>(CompiledQuery.raw(prefix + counting.sql, counting.parameters.map(bound)));
    return rows.map((r) => String(r['QUERY PLAN'] ?? r.detail)).join('\n');
  };
  if (database.engine === 'sqlite') return explain(database.db);
  // With sequential scans priced out, the plan shows the index PostgreSQL has for it (700 rows are read whole otherwise).
  return database.db.transaction().execute(async (trx) => {
    await sql`SET LOCAL enable_seqscan = off`.execute(trx);
    return explain(trx);
  });
}

describe('ListAssets counts from the filter index', () => {
  for (const [filter, index] of [
    [{ assetTypes: ['VIDEO'] }, 'assets_type_state_idx'],
    [{ appUserId: 'user-7' }, 'assets_app_user_state_idx'],
  ] as const) {
    it(`counts ${JSON.stringify(filter)} through ${index} alone`, async () => {
      const plan = await countPlan(filter as Partial<AssetQuery>);
      if (database.engine === 'sqlite') expect(plan).toContain(`USING COVERING INDEX ${index}`);
      else {
        expect(plan).toContain(index);
        expect(plan).not.toMatch(/Seq Scan/);
      }
    });
  }
});

describe('ListAssets sorted by asset_order', () => {
  for (const [sortDir, index] of [
    ['asc', 'assets_order_asc_list_idx'],
    ['desc', 'assets_order_desc_list_idx'],
  ] as const) {
    it(`pages ${sortDir} in the order of ${index}, without a sort step`, async () => {
      const plan = await countPlan({ sortKey: 'asset_order', sortDir, offset: 100 }, 'page');
      expect(plan).toContain(index);
      if (database.engine === 'sqlite') expect(plan).not.toMatch(/TEMP B-TREE/);
      else expect(plan).not.toMatch(/Sort|Seq Scan/);
    });
  }

  it('lists NULLs last and ties newest first in both directions', async () => {
    const store = new KyselyMetadataStore(database.db, database.engine);
    for (const sortDir of ['asc', 'desc'] as const) {
      const { assets } = await store.listAssets({ projectId, sortKey: 'asset_order', sortDir, offset: 0, limit: 1000 });
      const keys = assets.map((a) => [a.assetOrder ?? null, a.createdAt] as const);
      const expected = [...keys].sort(([ao, at], [bo, bt]) =>
        ao === bo ? (at < bt ? 1 : at > bt ? -1 : 0) : ao === null ? 1 : bo === null ? -1 : sortDir === 'asc' ? ao - bo : bo - ao,
      );
      expect(keys).toEqual(expected);
      expect(keys.at(-1)?.[0]).toBeNull();
    }
  });
});
