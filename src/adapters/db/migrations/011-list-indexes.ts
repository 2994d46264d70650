import { sql, type Kysely } from 'kysely';
import { engineOfDb } from '../engine.js';
import type { Database } from '../schema.js';

/**
 * Every ListAssets filter and sort served by an index:
 * - tags and system properties as rows (`asset_tags`, `asset_properties`), with each project's
 *   tag vocabulary (`project_tags`) for substring matches;
 * - names by trigram: SQLite FTS5 (`assets_name_fts`, kept by triggers), PostgreSQL `pg_trgm`;
 * - one index per sort key and per equality filter, each led by the project.
 * Existing assets are indexed here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('asset_tags')
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('tag', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('asset_tags_pk', ['project_id', 'asset_id', 'tag'])
    .execute();
  await db.schema.createIndex('asset_tags_tag_idx').on('asset_tags').columns(['project_id', 'tag', 'asset_id']).execute();
  await db.schema
    .createTable('project_tags')
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('tag', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_tags_pk', ['project_id', 'tag'])
    .execute();
  await db.schema
    .createTable('asset_properties')
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('prop_key', 'varchar(64)', (c) => c.notNull())
    .addColumn('prop_value', 'varchar(256)', (c) => c.notNull())
    .addPrimaryKeyConstraint('asset_properties_pk', ['project_id', 'asset_id', 'prop_key', 'prop_value'])
    .execute();
  await db.schema.createIndex('asset_properties_idx').on('asset_properties').columns(['project_id', 'prop_key', 'prop_value', 'asset_id']).execute();

  for (const [name, columns] of [
    ['assets_updated_idx', ['project_id', 'updated_at']],
    ['assets_name_idx', ['project_id', 'asset_name']],
    ['assets_type_idx', ['project_id', 'asset_type', 'created_at']],
    ['assets_state_idx', ['project_id', 'asset_state', 'created_at']],
    ['assets_app_user_idx', ['project_id', 'app_user_id', 'created_at']],
  ] as const) {
    await db.schema.createIndex(name).on('assets').columns([...columns]).execute();
  }

  // asset_order sorts with NULLs last on both engines: the index holds the same expression.
  await sql`CREATE INDEX assets_order_idx ON assets (project_id, (asset_order IS NULL), asset_order)`.execute(db);

  if (engineOfDb(db) === 'postgres') {
    await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
    await sql`CREATE INDEX assets_name_trgm_idx ON assets USING gin (asset_name gin_trgm_ops)`.execute(db);
  } else {
    await sql`CREATE VIRTUAL TABLE assets_name_fts USING fts5(asset_name, content='assets', content_rowid='rowid', tokenize='trigram')`.execute(db);
    await sql`CREATE TRIGGER assets_name_fts_ai AFTER INSERT ON assets BEGIN
      INSERT INTO assets_name_fts (rowid, asset_name) VALUES (new.rowid, new.asset_name); END`.execute(db);
    await sql`CREATE TRIGGER assets_name_fts_ad AFTER DELETE ON assets BEGIN
      INSERT INTO assets_name_fts (assets_name_fts, rowid, asset_name) VALUES ('delete', old.rowid, old.asset_name); END`.execute(db);
    await sql`CREATE TRIGGER assets_name_fts_au AFTER UPDATE OF asset_name ON assets BEGIN
      INSERT INTO assets_name_fts (assets_name_fts, rowid, asset_name) VALUES ('delete', old.rowid, old.asset_name);
      INSERT INTO assets_name_fts (rowid, asset_name) VALUES (new.rowid, new.asset_name); END`.execute(db);
    await sql`INSERT INTO assets_name_fts (assets_name_fts) VALUES ('rebuild')`.execute(db);
  }

  // Index the tags and system properties of the assets already stored.
  const rows = db as unknown as Kysely<Database>;
  let after = { project_id: '', asset_id: '' };
  for (;;) {
    const page = await rows
      .selectFrom('assets')
      .select(['project_id', 'asset_id', 'tags', 'system_properties'])
      .where((eb) => eb.or([eb('project_id', '>', after.project_id), eb.and([eb('project_id', '=', after.project_id), eb('asset_id', '>', after.asset_id)])]))
      .orderBy('project_id')
      .orderBy('asset_id')
      .limit(1000)
      .execute();
    if (page.length === 0) break;
    // The rows as this migration defines them (later migrations add columns and fill them).
    const raw = db as unknown as Kysely<Record<string, Record<string, string>>>;
    for (const r of page) {
      const tags = [...new Set(JSON.parse(r.tags) as string[])];
      const properties = [
        ...new Map(
          (JSON.parse(r.system_properties) as { key: string; value?: string | null }[]).map((p) => [`${p.key}\u0000${p.value ?? ''}`, { key: p.key, value: p.value ?? '' }]),
        ).values(),
      ];
      if (tags.length) {
        await raw.insertInto('asset_tags').values(tags.map((tag) => ({ project_id: r.project_id, asset_id: r.asset_id, tag }))).execute();
        await raw.insertInto('project_tags').values(tags.map((tag) => ({ project_id: r.project_id, tag }))).onConflict((oc) => oc.doNothing()).execute();
      }
      if (properties.length) {
        await raw
          .insertInto('asset_properties')
          .values(properties.map((p) => ({ project_id: r.project_id, asset_id: r.asset_id, prop_key: p.key, prop_value: p.value })))
          .execute();
      }
    }
    after = page[page.length - 1] as typeof after;
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (engineOfDb(db) === 'postgres') await sql`DROP INDEX assets_name_trgm_idx`.execute(db);
  else {
    for (const t of ['assets_name_fts_ai', 'assets_name_fts_ad', 'assets_name_fts_au']) await sql.raw(`DROP TRIGGER ${t}`).execute(db);
    await sql`DROP TABLE assets_name_fts`.execute(db);
  }
  for (const name of ['assets_updated_idx', 'assets_name_idx', 'assets_order_idx', 'assets_type_idx', 'assets_state_idx', 'assets_app_user_idx']) {
    await db.schema.dropIndex(name).execute();
  }
  for (const t of ['asset_properties', 'project_tags', 'asset_tags']) await db.schema.dropTable(t).execute();
}
