// Hot lookups compiled once: every run binds its own arguments (never the first run's), on
// the database or inside a transaction, on the backend under test.
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRow, preparedQuery } from '../../src/adapters/db/prepared-query.js';
import type { Database } from '../../src/adapters/db/schema.js';
import type { OpenDatabase } from '../../src/adapters/db/database.js';
import { openTestDatabase } from '../helpers/backend.js';

let database: OpenDatabase;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ database, remove } = await openTestDatabase());
  const at = '2026-12-06T00:00:00Z';
  for (const [project, task, state] of [['p1', 'a1', 'CREATING'], ['p1', 'a2', 'FAILED'], ['p2', 'a1', 'ACTIVED']]) {
    await database.db.insertInto('copy_tasks').values({
      project_id: (project as string).padEnd(32, '0'), asset_id: (task as string).padEnd(32, '0'), state: state as string,
      source_region: 'cn-north-4', source_project_id: 'f'.repeat(32), source_asset_id: 'e'.repeat(32),
      token_id: 't', manifest: '{}', epoch: 0, next_run_at: at, attempts: 0, files_done: 0, bytes_done: 0, bytes_total: 0,
      deadline: at, started_at: at,
    }).execute();
  }
});
afterAll(async () => {
  await remove();
});

const taskState = preparedQuery((db: Kysely<Database>, projectId: string, assetId: string) =>
  db.selectFrom('copy_tasks').select(['project_id', 'asset_id', 'state']).where('project_id', '=', projectId).where('asset_id', '=', assetId),
);
const id = (s: string) => s.padEnd(32, '0');

describe('a query compiled once', () => {
  it('binds each run its own arguments, in the positions they were given', async () => {
    const db = database.db;
    const engine = database.engine;
    expect((await taskState(db, engine, id('p1'), id('a1'))).map((r) => r.state)).toEqual(['CREATING']);
    expect((await taskState(db, engine, id('p1'), id('a2'))).map((r) => r.state)).toEqual(['FAILED']);
    expect((await taskState(db, engine, id('p2'), id('a1'))).map((r) => r.state)).toEqual(['ACTIVED']);
    expect(await taskState(db, engine, id('p2'), id('a2'))).toEqual([]);
  });

  it('runs inside a transaction and sees its uncommitted writes', async () => {
    const db = database.db;
    const engine = database.engine;
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('copy_tasks').set({ state: 'CANCELLED' }).where('project_id', '=', id('p2')).execute();
      expect((await taskState(trx, engine, id('p2'), id('a1'))).map((r) => r.state)).toEqual(['CANCELLED']);
    });
  });

  it('refuses a query that does not use every argument', async () => {
    const unused = preparedQuery((db: Kysely<Database>, projectId: string, _assetId: string) =>
      db.selectFrom('copy_tasks').select('state').where('project_id', '=', projectId),
    );
    await expect(unused(database.db, database.engine, id('p1'), id('a1'))).rejects.toThrow(/does not use all its arguments/);
  });

  it('inserts rows with one statement per set of columns, each row with its own values, undefined columns left out', async () => {
    const db = database.db;
    const engine = database.engine;
    const row = (asset: string, state: string, lastError?: string | null) => ({
      project_id: id('p3'), asset_id: id(asset), state, source_region: 'cn-north-4', source_project_id: 'f'.repeat(32),
      source_asset_id: 'e'.repeat(32), token_id: 't', manifest: '{}', epoch: 0, next_run_at: 'n', attempts: 0, files_done: 0,
      bytes_done: 0, bytes_total: 7, deadline: 'd', started_at: 's', last_error: lastError,
    });
    await insertRow(db, engine, 'copy_tasks', row('b1', 'CREATING', 'first'));
    await insertRow(db, engine, 'copy_tasks', row('b2', 'FAILED', null));
    await insertRow(db, engine, 'copy_tasks', row('b3', 'ACTIVED'));
    await db.transaction().execute((trx) => insertRow<Database, 'copy_tasks'>(trx, engine, 'copy_tasks', row('b4', 'CANCELLED', 'fourth')));
    const rows = await db.selectFrom('copy_tasks').select(['asset_id', 'state', 'last_error']).where('project_id', '=', id('p3')).orderBy('asset_id').execute();
    expect(rows).toEqual([
      { asset_id: id('b1'), state: 'CREATING', last_error: 'first' },
      { asset_id: id('b2'), state: 'FAILED', last_error: null },
      { asset_id: id('b3'), state: 'ACTIVED', last_error: null },
      { asset_id: id('b4'), state: 'CANCELLED', last_error: 'fourth' },
    ]);
    await expect(insertRow(db, engine, 'copy_tasks', row('b1', 'CREATING'))).rejects.toThrow();
  });
});
