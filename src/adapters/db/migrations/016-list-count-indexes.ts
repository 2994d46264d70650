import type { Kysely } from 'kysely';

/**
 * ListAssets counts answered from an index alone. Every list filters by state, and the
 * asset_type and app_user_id indexes of migration 011 did not hold it: counting one type read
 * each matching row (SQLite's planner even preferred the state index and read every visible
 * row to check its type). Their replacements end with `asset_state`: a count reads only the
 * matching index entries, and a page still comes in `created_at` order.
 */
const replaced = [
  { old: 'assets_type_idx', now: 'assets_type_state_idx', column: 'asset_type' },
  { old: 'assets_app_user_idx', now: 'assets_app_user_state_idx', column: 'app_user_id' },
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const { old, now, column } of replaced) {
    await db.schema.createIndex(now).on('assets').columns(['project_id', column, 'created_at', 'asset_state']).execute();
    await db.schema.dropIndex(old).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const { old, now, column } of replaced) {
    await db.schema.createIndex(old).on('assets').columns(['project_id', column, 'created_at']).execute();
    await db.schema.dropIndex(now).execute();
  }
}
