// Hot lookups compiled once: every run binds its own arguments (never the first run's), on
// the database or inside a transaction, on the backend under test.
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedQuery } from '../../src/adapters/db/prepared-query.js';
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
});
