import { sql, type Kysely } from 'kysely';
import { engineOfDb } from '../engine.js';
import { createHash } from 'node:crypto';
import type { Database } from '../schema.js';

/**
 * ListAssets by tag or system property, and its count, from the term rows alone:
 * - each tag and property row holds its asset's state and creation time (kept by triggers on
 *   `assets`, in the transaction of the change), so a filter plus the list's states is one
 *   index range, read in `created_at` order, and its count reads index entries only (no join
 *   per match back to `assets`);
 * - `project_asset_counts` holds each project's number of assets per state (kept by triggers
 *   on every insert, delete, state change and move), so a list filtered by state alone counts
 *   without reading the assets;
 * - each asset row holds its set of tags as one text (`tag_set`: distinct, sorted, one per
 *   line) and its digest (`tag_set_key`), and `project_tag_set_counts` the number of assets of
 *   each project per tag set and state (kept by the same triggers): a tag substring counts by
 *   matching the project's few tag sets, not by removing duplicates among thousands of tag
 *   rows, and a page of a common substring walks the sort order checking the row's own tag set.
 * - `project_tag_counts` and `project_property_counts` hold the number of assets per project,
 *   exact tag (or property key and value) and state, kept by triggers on the term rows (which
 *   are written with the asset and follow its state): an exact tag or `KEY:VALUE` counts in
 *   constant time.
 * Existing rows are filled in here.
 */

/** The term tables, the counts kept of each, and the columns that name a term. */
const termCounts = [
  { table: 'asset_tags', counts: 'project_tag_counts', term: ['tag'] },
  { table: 'asset_properties', counts: 'project_property_counts', term: ['prop_key', 'prop_value'] },
] as const;

/** Distinct tags, sorted, one per line, and the SHA-256 of that text. */
function tagSetOf(tags: readonly string[]): { tag_set: string; tag_set_key: string } {
  const text = [...new Set(tags)].sort().join('\n');
  return { tag_set: text, tag_set_key: createHash('sha256').update(text).digest('hex') };
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = engineOfDb(db) === 'postgres';
  for (const table of ['asset_tags', 'asset_properties']) {
    await db.schema.alterTable(table).addColumn('asset_state', 'varchar(16)', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable(table).addColumn('created_at', 'varchar(32)', (c) => c.notNull().defaultTo('')).execute();
    await sql`UPDATE ${sql.table(table)} SET
      asset_state = (SELECT a.asset_state FROM assets a WHERE a.project_id = ${sql.table(table)}.project_id AND a.asset_id = ${sql.table(table)}.asset_id),
      created_at = (SELECT a.created_at FROM assets a WHERE a.project_id = ${sql.table(table)}.project_id AND a.asset_id = ${sql.table(table)}.asset_id)`.execute(db);
  }
  // Each asset's tag set, computed as the store computed it when this migration was written
  // (`tagSetOf` in asset-terms.ts; kept here as it was, so a later change there cannot change
  // what this migration writes), page by page.
  await db.schema.alterTable('assets').addColumn('tag_set', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('assets').addColumn('tag_set_key', 'varchar(64)', (c) => c.notNull().defaultTo('')).execute();
  const rows = db as unknown as Kysely<Database>;
  let after = { project_id: '', asset_id: '' };
  for (;;) {
    const page = await rows
      .selectFrom('assets')
      .select(['project_id', 'asset_id', 'tags'])
      .where((eb) => eb.or([eb('project_id', '>', after.project_id), eb.and([eb('project_id', '=', after.project_id), eb('asset_id', '>', after.asset_id)])]))
      .orderBy('project_id')
      .orderBy('asset_id')
      .limit(1000)
      .execute();
    if (page.length === 0) break;
    for (const r of page) {
      await rows.updateTable('assets').set(tagSetOf(JSON.parse(r.tags) as string[])).where('project_id', '=', r.project_id).where('asset_id', '=', r.asset_id).execute();
    }
    after = page[page.length - 1] as typeof after;
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
  await db.schema
    .createTable('project_tag_set_counts')
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('tag_set_key', 'varchar(64)', (c) => c.notNull())
    .addColumn('asset_state', 'varchar(16)', (c) => c.notNull())
    .addColumn('tag_set', 'text', (c) => c.notNull())
    .addColumn('assets', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_tag_set_counts_pk', ['project_id', 'tag_set_key', 'asset_state'])
    .execute();
  await sql`INSERT INTO project_tag_set_counts (project_id, tag_set_key, asset_state, tag_set, assets)
    SELECT project_id, tag_set_key, asset_state, min(tag_set), count(*) FROM assets GROUP BY project_id, tag_set_key, asset_state`.execute(db);

  for (const { table, counts, term } of termCounts) {
    let create = db.schema.createTable(counts).addColumn('project_id', 'varchar(32)', (c) => c.notNull());
    for (const column of term) create = create.addColumn(column, column === 'prop_value' ? 'varchar(256)' : 'varchar(64)', (c) => c.notNull());
    await create
      .addColumn('asset_state', 'varchar(16)', (c) => c.notNull())
      .addColumn('assets', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${counts}_pk`, ['project_id', ...term, 'asset_state'] as never[])
      .execute();
    const columns = ['project_id', ...term, 'asset_state'].join(', ');
    await sql.raw(`INSERT INTO ${counts} (${columns}, assets) SELECT ${columns}, count(*) FROM ${table} GROUP BY ${columns}`).execute(db);
    const key = ['project_id', ...term, 'asset_state'];
    const upsert = (row: string, delta: string) =>
      `INSERT INTO ${counts} (${key.join(', ')}, assets) VALUES (${key.map((k) => `${row}.${k}`).join(', ')}, ${delta})
         ON CONFLICT (${key.join(', ')}) DO UPDATE SET assets = ${counts}.assets + ${delta};`;
    const dropEmpty = (row: string) => `DELETE FROM ${counts} WHERE ${key.map((k) => `${k} = ${row}.${k}`).join(' AND ')} AND assets = 0;`;
    if (postgres) {
      await sql
        .raw(
          `CREATE FUNCTION ${table}_counts() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF TG_OP IN ('UPDATE', 'DELETE') THEN ${upsert('OLD', '-1')} ${dropEmpty('OLD')} END IF;
             IF TG_OP IN ('UPDATE', 'INSERT') THEN ${upsert('NEW', '1')} END IF;
             RETURN NULL;
           END $$`,
        )
        .execute(db);
      await sql
        .raw(`CREATE TRIGGER ${table}_counts AFTER INSERT OR DELETE OR UPDATE OF ${key.join(', ')} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_counts()`)
        .execute(db);
    } else {
      await sql.raw(`CREATE TRIGGER ${table}_counts_ai AFTER INSERT ON ${table} BEGIN ${upsert('new', '1')} END`).execute(db);
      await sql.raw(`CREATE TRIGGER ${table}_counts_ad AFTER DELETE ON ${table} BEGIN ${upsert('old', '-1')} ${dropEmpty('old')} END`).execute(db);
      await sql
        .raw(
          `CREATE TRIGGER ${table}_counts_au AFTER UPDATE OF ${key.join(', ')} ON ${table}
           WHEN ${key.map((k) => `old.${k} IS NOT new.${k}`).join(' OR ')}
           BEGIN ${upsert('old', '-1')} ${dropEmpty('old')} ${upsert('new', '1')} END`,
        )
        .execute(db);
    }
  }

  if (postgres) {
    await sql`CREATE FUNCTION assets_list_terms() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          UPDATE project_asset_counts SET assets = assets - 1 WHERE project_id = OLD.project_id AND asset_state = OLD.asset_state;
          UPDATE project_tag_set_counts SET assets = assets - 1
            WHERE project_id = OLD.project_id AND tag_set_key = OLD.tag_set_key AND asset_state = OLD.asset_state;
          DELETE FROM project_tag_set_counts
            WHERE project_id = OLD.project_id AND tag_set_key = OLD.tag_set_key AND asset_state = OLD.asset_state AND assets = 0;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
          INSERT INTO project_asset_counts (project_id, asset_state, assets) VALUES (NEW.project_id, NEW.asset_state, 1)
            ON CONFLICT (project_id, asset_state) DO UPDATE SET assets = project_asset_counts.assets + 1;
          INSERT INTO project_tag_set_counts (project_id, tag_set_key, asset_state, tag_set, assets)
            VALUES (NEW.project_id, NEW.tag_set_key, NEW.asset_state, NEW.tag_set, 1)
            ON CONFLICT (project_id, tag_set_key, asset_state) DO UPDATE SET assets = project_tag_set_counts.assets + 1;
        END IF;
        IF TG_OP = 'UPDATE' AND (NEW.asset_state <> OLD.asset_state OR NEW.created_at <> OLD.created_at) THEN
          UPDATE asset_tags SET asset_state = NEW.asset_state, created_at = NEW.created_at WHERE project_id = NEW.project_id AND asset_id = NEW.asset_id;
          UPDATE asset_properties SET asset_state = NEW.asset_state, created_at = NEW.created_at WHERE project_id = NEW.project_id AND asset_id = NEW.asset_id;
        END IF;
        RETURN NULL;
      END $$`.execute(db);
    await sql`CREATE TRIGGER assets_list_terms_ins AFTER INSERT OR DELETE ON assets FOR EACH ROW EXECUTE FUNCTION assets_list_terms()`.execute(db);
    await sql`CREATE TRIGGER assets_list_terms_upd AFTER UPDATE OF project_id, asset_state, created_at, tag_set_key ON assets FOR EACH ROW
      WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id OR OLD.asset_state IS DISTINCT FROM NEW.asset_state
        OR OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.tag_set_key IS DISTINCT FROM NEW.tag_set_key)
      EXECUTE FUNCTION assets_list_terms()`.execute(db);
  } else {
    const add = (row: 'new' | 'old', delta: number) =>
      `INSERT INTO project_asset_counts (project_id, asset_state, assets) VALUES (${row}.project_id, ${row}.asset_state, ${delta})
         ON CONFLICT (project_id, asset_state) DO UPDATE SET assets = assets + ${delta};
       INSERT INTO project_tag_set_counts (project_id, tag_set_key, asset_state, tag_set, assets)
         VALUES (${row}.project_id, ${row}.tag_set_key, ${row}.asset_state, ${row}.tag_set, ${delta})
         ON CONFLICT (project_id, tag_set_key, asset_state) DO UPDATE SET assets = assets + ${delta};` +
      (delta < 0
        ? `DELETE FROM project_tag_set_counts
             WHERE project_id = old.project_id AND tag_set_key = old.tag_set_key AND asset_state = old.asset_state AND assets = 0;`
        : '');
    await sql.raw(`CREATE TRIGGER assets_list_counts_ai AFTER INSERT ON assets BEGIN ${add('new', 1)} END`).execute(db);
    await sql.raw(`CREATE TRIGGER assets_list_counts_ad AFTER DELETE ON assets BEGIN ${add('old', -1)} END`).execute(db);
    await sql
      .raw(
        `CREATE TRIGGER assets_list_counts_au AFTER UPDATE OF project_id, asset_state, tag_set_key ON assets
         WHEN old.project_id IS NOT new.project_id OR old.asset_state IS NOT new.asset_state OR old.tag_set_key IS NOT new.tag_set_key
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
  for (const { table, counts } of termCounts) {
    if (engineOfDb(db) === 'postgres') {
      await sql.raw(`DROP TRIGGER ${table}_counts ON ${table}`).execute(db);
      await sql.raw(`DROP FUNCTION ${table}_counts()`).execute(db);
    } else {
      for (const t of ['ai', 'ad', 'au']) await sql.raw(`DROP TRIGGER ${table}_counts_${t}`).execute(db);
    }
    await db.schema.dropTable(counts).execute();
  }
  if (engineOfDb(db) === 'postgres') {
    await sql`DROP TRIGGER assets_list_terms_upd ON assets`.execute(db);
    await sql`DROP TRIGGER assets_list_terms_ins ON assets`.execute(db);
    await sql`DROP FUNCTION assets_list_terms()`.execute(db);
  } else {
    for (const t of ['assets_list_counts_ai', 'assets_list_counts_ad', 'assets_list_counts_au', 'assets_list_terms_au']) await sql.raw(`DROP TRIGGER ${t}`).execute(db);
  }
  await db.schema.dropTable('project_asset_counts').execute();
  await db.schema.dropTable('project_tag_set_counts').execute();
  await db.schema.alterTable('assets').dropColumn('tag_set_key').execute();
  await db.schema.alterTable('assets').dropColumn('tag_set').execute();
  await db.schema.createIndex('asset_tags_tag_idx').on('asset_tags').columns(['project_id', 'tag', 'asset_id']).execute();
  await db.schema.dropIndex('asset_tags_list_idx').execute();
  await db.schema.createIndex('asset_properties_idx').on('asset_properties').columns(['project_id', 'prop_key', 'prop_value', 'asset_id']).execute();
  await db.schema.dropIndex('asset_properties_list_idx').execute();
  for (const table of ['asset_tags', 'asset_properties']) {
    await db.schema.alterTable(table).dropColumn('created_at').execute();
    await db.schema.alterTable(table).dropColumn('asset_state').execute();
  }
}
