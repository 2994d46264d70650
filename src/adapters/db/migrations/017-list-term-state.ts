import { sql, type Kysely } from 'kysely';
import { engineOfDb } from '../engine.js';

/**
 * ListAssets by tag or system property, and its count, from the term rows alone:
 * - each tag and property row holds its asset's state and creation time (kept by triggers on
 *   `assets`, in the transaction of the change), so a filter plus the list's states is one
 *   index range, read in `created_at` order, and its count reads index entries only (no join
 *   per match back to `assets`);
 * - `project_asset_counts` holds each project's number of assets per state (kept by triggers
 *   on every insert, delete, state change and move), so a list filtered by state alone counts
 *   without reading the assets.
 * Existing rows are filled in here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = engineOfDb(db) === 'postgres';
  for (const table of ['asset_tags', 'asset_properties']) {
    await db.schema.alterTable(table).addColumn('asset_state', 'varchar(16)', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable(table).addColumn('created_at', 'varchar(32)', (c) => c.notNull().defaultTo('')).execute();
    await sql`UPDATE ${sql.table(table)} SET
      asset_state = (SELECT a.asset_state FROM assets a WHERE a.project_id = ${sql.table(table)}.project_id AND a.asset_id = ${sql.table(table)}.asset_id),
      created_at = (SELECT a.created_at FROM assets a WHERE a.project_id = ${sql.table(table)}.project_id AND a.asset_id = ${sql.table(table)}.asset_id)`.execute(db);
  }
  // Led by the term, then the list's default order; the state and the id make it covering.
  await db.schema.createIndex('asset_tags_list_idx').on('asset_tags').columns(['project_id', 'tag', 'created_at', 'asset_id', 'asset_state']).execute();
  await db.schema.dropIndex('asset_tags_tag_idx').execute();
  await db.schema
    .createIndex('asset_properties_list_idx')
    .on('asset_properties')
    .columns(['project_id', 'prop_key', 'prop_value', 'created_at', 'asset_id', 'asset_state'])
    .execute();
  await db.schema.dropIndex('asset_properties_idx').execute();

  await db.schema
    .createTable('project_asset_counts')
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_state', 'varchar(16)', (c) => c.notNull())
    .addColumn('assets', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_asset_counts_pk', ['project_id', 'asset_state'])
    .execute();
  await sql`INSERT INTO project_asset_counts (project_id, asset_state, assets)
    SELECT project_id, asset_state, count(*) FROM assets GROUP BY project_id, asset_state`.execute(db);

  if (postgres) {
    await sql`CREATE FUNCTION assets_list_terms() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          UPDATE project_asset_counts SET assets = assets - 1 WHERE project_id = OLD.project_id AND asset_state = OLD.asset_state;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
          INSERT INTO project_asset_counts (project_id, asset_state, assets) VALUES (NEW.project_id, NEW.asset_state, 1)
            ON CONFLICT (project_id, asset_state) DO UPDATE SET assets = project_asset_counts.assets + 1;
        END IF;
        IF TG_OP = 'UPDATE' AND (NEW.asset_state <> OLD.asset_state OR NEW.created_at <> OLD.created_at) THEN
          UPDATE asset_tags SET asset_state = NEW.asset_state, created_at = NEW.created_at WHERE project_id = NEW.project_id AND asset_id = NEW.asset_id;
          UPDATE asset_properties SET asset_state = NEW.asset_state, created_at = NEW.created_at WHERE project_id = NEW.project_id AND asset_id = NEW.asset_id;
        END IF;
        RETURN NULL;
      END $$`.execute(db);
    await sql`CREATE TRIGGER assets_list_terms_ins AFTER INSERT OR DELETE ON assets FOR EACH ROW EXECUTE FUNCTION assets_list_terms()`.execute(db);
    await sql`CREATE TRIGGER assets_list_terms_upd AFTER UPDATE OF project_id, asset_state, created_at ON assets FOR EACH ROW
      WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id OR OLD.asset_state IS DISTINCT FROM NEW.asset_state OR OLD.created_at IS DISTINCT FROM NEW.created_at)
      EXECUTE FUNCTION assets_list_terms()`.execute(db);
  } else {
    const add = (row: 'new' | 'old', delta: number) =>
      `INSERT INTO project_asset_counts (project_id, asset_state, assets) VALUES (${row}.project_id, ${row}.asset_state, ${delta})
         ON CONFLICT (project_id, asset_state) DO UPDATE SET assets = assets + ${delta};`;
    await sql.raw(`CREATE TRIGGER assets_list_counts_ai AFTER INSERT ON assets BEGIN ${add('new', 1)} END`).execute(db);
    await sql.raw(`CREATE TRIGGER assets_list_counts_ad AFTER DELETE ON assets BEGIN ${add('old', -1)} END`).execute(db);
    await sql
      .raw(
        `CREATE TRIGGER assets_list_counts_au AFTER UPDATE OF project_id, asset_state ON assets
         WHEN old.project_id IS NOT new.project_id OR old.asset_state IS NOT new.asset_state
         BEGIN ${add('old', -1)} ${add('new', 1)} END`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER assets_list_terms_au AFTER UPDATE OF asset_state, created_at ON assets
         WHEN old.asset_state IS NOT new.asset_state OR old.created_at IS NOT new.created_at
         BEGIN
           UPDATE asset_tags SET asset_state = new.asset_state, created_at = new.created_at WHERE project_id = new.project_id AND asset_id = new.asset_id;
           UPDATE asset_properties SET asset_state = new.asset_state, created_at = new.created_at WHERE project_id = new.project_id AND asset_id = new.asset_id;
         END`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (engineOfDb(db) === 'postgres') {
    await sql`DROP TRIGGER assets_list_terms_upd ON assets`.execute(db);
    await sql`DROP TRIGGER assets_list_terms_ins ON assets`.execute(db);
    await sql`DROP FUNCTION assets_list_terms()`.execute(db);
  } else {
    for (const t of ['assets_list_counts_ai', 'assets_list_counts_ad', 'assets_list_counts_au', 'assets_list_terms_au']) await sql.raw(`DROP TRIGGER ${t}`).execute(db);
  }
  await db.schema.dropTable('project_asset_counts').execute();
  await db.schema.createIndex('asset_tags_tag_idx').on('asset_tags').columns(['project_id', 'tag', 'asset_id']).execute();
  await db.schema.dropIndex('asset_tags_list_idx').execute();
  await db.schema.createIndex('asset_properties_idx').on('asset_properties').columns(['project_id', 'prop_key', 'prop_value', 'asset_id']).execute();
  await db.schema.dropIndex('asset_properties_list_idx').execute();
  for (const table of ['asset_tags', 'asset_properties']) {
    await db.schema.alterTable(table).dropColumn('created_at').execute();
    await db.schema.alterTable(table).dropColumn('asset_state').execute();
  }
}
