import type { Kysely } from 'kysely';

/** Large files sent in parts: the upload of each, the parts received, and a file's failure reason. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('large_uploads')
    .addColumn('file_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('part_count', 'integer', (c) => c.notNull())
    .addColumn('part_size', 'bigint', (c) => c.notNull())
    .addColumn('file_size', 'bigint')
    .addColumn('upload_id', 'text', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_expires_at', 'varchar(32)')
    .addColumn('next_run_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addPrimaryKeyConstraint('large_uploads_pk', ['file_id'])
    .execute();
  await db.schema.createIndex('large_uploads_due_idx').on('large_uploads').columns(['state', 'next_run_at']).execute();

  await db.schema
    .createTable('large_upload_parts')
    .addColumn('file_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('part_number', 'integer', (c) => c.notNull())
    .addColumn('attempt', 'varchar(32)', (c) => c.notNull())
    .addColumn('size', 'bigint')
    .addColumn('etag', 'text')
    .addPrimaryKeyConstraint('large_upload_parts_pk', ['file_id', 'part_number'])
    .execute();

}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('large_upload_parts').execute();
  await db.schema.dropTable('large_uploads').execute();
}
