import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../src/adapters/db/database.js';
import { isPrimaryKeyViolation, isUniqueViolation, lockForClaim } from '../../src/adapters/db/engine.js';
import { primaryKeyNames, type AssetsTable } from '../../src/adapters/db/schema.js';
import { openTestDatabase, testBackend } from '../helpers/backend.js';

/** An asset row as stored (only what the constraints look at varies). */
const assetRow = (assetId: string, assetName: string): AssetsTable => ({
  project_id: 'p'.repeat(32), asset_id: assetId, produce_id: 'x', asset_name: assetName, asset_description: null, app_user_id: null,
  asset_type: 'IMAGE', asset_state: 'ACTIVED', state_before_delete: null, state_before_block: null, fail_type: null, block_reason_code: null, reason: null,
  tags: '[]', tag_set: '', tag_set_key: '', asset_extra_meta: '{}', system_properties: '[]', asset_order: null, supported_service: '[]', auto_operation_config: '[]',
  review_config: null, shared_config: null, created_at: '2024-01-01T00:00:00.000Z', updated_at: '2024-01-01T00:00:00.000Z', deleted_at: null,
});

/** The error a statement fails with. */
async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('the statement succeeded');
}

describe(`database engine differences (${testBackend()})`, () => {
  let database: OpenDatabase;
  let remove: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ database, remove } = await openTestDatabase());
    await database.db.insertInto('assets').values(assetRow('a'.repeat(32), 'first')).execute();
  });
  afterAll(async () => {
    await remove?.();
  });

  it('tells a primary-key violation of a table from another unique violation', async () => {
    const sameId = await failure(() => database.db.insertInto('assets').values(assetRow('a'.repeat(32), 'other name')).execute());
    expect(isUniqueViolation(sameId)).toBe(true);
    expect(isPrimaryKeyViolation(sameId, 'assets')).toBe(true);
    expect(isPrimaryKeyViolation(sameId, 'files')).toBe(false);

    const sameName = await failure(() => database.db.insertInto('assets').values(assetRow('b'.repeat(32), 'first')).execute());
    expect(isUniqueViolation(sameName)).toBe(true);
    expect(isPrimaryKeyViolation(sameName, 'assets')).toBe(false);

    const notUnique = await failure(() => database.db.insertInto('assets').values({ ...assetRow('c'.repeat(32), 'c'), asset_name: null as unknown as string }).execute());
    expect(isUniqueViolation(notUnique)).toBe(false);
    expect(isPrimaryKeyViolation(notUnique, 'assets')).toBe(false);
  });

  it('reads int8 columns as numbers without changing the pg library for everyone', async () => {
    const row = await sql<{ n: number }>`select cast(5368709120 as bigint) as n`.execute(database.db);
    expect(row.rows[0]?.n).toBe(5_368_709_120);
    expect(pg.types.getTypeParser(pg.types.builtins.INT8)('12')).toBe('12');
  });

  it('claims rows with SKIP LOCKED on PostgreSQL only', () => {
    const claim = lockForClaim(database.engine, database.db.selectFrom('copy_tasks').select('asset_id')).compile().sql.toLowerCase();
    if (database.engine === 'postgres') expect(claim).toContain('for update skip locked');
    else expect(claim).not.toContain('for update');
  });

  it.runIf(testBackend() === 'postgres')('names each primary key as the database catalogue does', async () => {
    const rows = await sql<{ table_name: string; conname: string }>`
      select conrelid::regclass::text as table_name, conname from pg_constraint
      where contype = 'p' and conrelid::regclass::text in (${sql.join(Object.keys(primaryKeyNames))})`.execute(database.db);
    expect(Object.fromEntries(rows.rows.map((r) => [r.table_name, r.conname]))).toEqual(primaryKeyNames);
  });
});
