import type { Kysely } from 'kysely';

/**
 * Chunk hashes kept with every file, and a copy's durable segments: the multipart upload (or
 * staging file) of each file and every segment stored, so any instance resumes the same upload.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('files').addColumn('chunk_sha256', 'text').execute();
  await db.schema.alterTable('copy_files').addColumn('upload_id', 'varchar(1024)').execute();
  await db.schema
    .createTable('copy_segments')
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('file_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('segment_index', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('etag', 'varchar(256)', (c) => c.notNull())
    .addPrimaryKeyConstraint('copy_segments_pk', ['project_id', 'asset_id', 'file_id', 'segment_index'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('copy_segments').execute();
  await db.schema.alterTable('copy_files').dropColumn('upload_id').execute();
  await db.schema.alterTable('files').dropColumn('chunk_sha256').execute();
}
