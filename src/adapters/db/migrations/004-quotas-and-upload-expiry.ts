import type { Kysely } from 'kysely';

/**
 * Quota counts and the purge of expired uploads read these: a project's assets by state, its
 * files awaiting upload, and every file by its upload expiry. A file records why it failed; a
 * copy task, when its capabilities were removed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('files').addColumn('reason', 'text').execute();
  // When region B removed the download capabilities from a copy task's stored manifest.
  await db.schema.alterTable('copy_tasks').addColumn('caps_dropped_at', 'varchar(32)').execute();
  await db.schema.createIndex('assets_quota_idx').on('assets').columns(['project_id', 'asset_state']).execute();
  await db.schema.createIndex('files_upload_expiry_idx').on('files').columns(['upload_expires_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('files_upload_expiry_idx').execute();
  await db.schema.dropIndex('assets_quota_idx').execute();
  await db.schema.alterTable('files').dropColumn('reason').execute();
  await db.schema.alterTable('copy_tasks').dropColumn('caps_dropped_at').execute();
}
