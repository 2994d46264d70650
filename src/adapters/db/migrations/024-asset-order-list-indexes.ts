import { sql, type Kysely } from 'kysely';

/**
 * ListAssets sorted by `asset_order` from an index that holds the whole sort order. The index of
 * migration 011 held `(asset_order IS NULL), asset_order` only: the ties (`created_at DESC,
 * asset_id DESC`) were sorted per `asset_order` value after reading each row, so a page at
 * offset 1,000 read and sorted every row before it (rows of one `asset_order` lie all over the
 * table), and `sort_dir=desc` sorted every visible asset of the project. One index per
 * direction (an index is read in one direction, and the ties are newest first either way),
 * each ending with `asset_state`: the list's state filter is checked on the index entry, and a
 * skipped row is never read (SQLite; PostgreSQL reads it but sorts nothing). NULLs last on both
 * engines, as `inListOrder` sorts them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX assets_order_asc_list_idx ON assets (project_id, (asset_order IS NULL), asset_order, created_at DESC, asset_id DESC, asset_state)`.execute(db);
  await sql`CREATE INDEX assets_order_desc_list_idx ON assets (project_id, (asset_order IS NULL), asset_order DESC, created_at DESC, asset_id DESC, asset_state)`.execute(db);
  await sql`DROP INDEX assets_order_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX assets_order_idx ON assets (project_id, (asset_order IS NULL), asset_order)`.execute(db);
  await sql`DROP INDEX assets_order_desc_list_idx`.execute(db);
  await sql`DROP INDEX assets_order_asc_list_idx`.execute(db);
}
