import { sql, type Kysely } from 'kysely';

/**
 * What quotas and the sweeper read: a project's number of assets, its files awaiting upload,
 * every file by its upload expiry. A file records why it failed; a copy task, when region B
 * removed the download capabilities from its stored manifest.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // How many assets each project holds (not deleted for good), kept with every change of that
  // number: a quota check reads one row instead of counting a project's assets.
  await db.schema
    .createTable('project_usage')
    .addColumn('project_id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('assets', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO project_usage (project_id, assets) SELECT project_id, COUNT(*) FROM assets WHERE asset_state <> 'DELETED' GROUP BY project_id`.execute(db);
  await db.schema.alterTable('files').addColumn('reason', 'text').execute();
  // When region B removed the download capabilities from a copy task's stored manifest.
  await db.schema.alterTable('copy_tasks').addColumn('caps_dropped_at', 'varchar(32)').execute();
  await db.schema.createIndex('files_upload_expiry_idx').on('files').columns(['upload_expires_at']).execute();
  // A project's files awaiting upload: the only ones with an upload expiry.
  await db.schema.createIndex('files_pending_idx').on('files').columns(['project_id', 'upload_expires_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('files_pending_idx').execute();
  await db.schema.dropIndex('files_upload_expiry_idx').execute();
  await db.schema.dropTable('project_usage').execute();
  await db.schema.alterTable('files').dropColumn('reason').execute();
  await db.schema.alterTable('copy_tasks').dropColumn('caps_dropped_at').execute();
}
