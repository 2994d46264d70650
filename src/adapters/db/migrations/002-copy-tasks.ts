import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('copy_tasks')
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('source_region', 'varchar(64)', (c) => c.notNull())
    .addColumn('source_project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('source_asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('token_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('manifest', 'text', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_expires_at', 'varchar(32)')
    .addColumn('next_run_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('failure_code', 'varchar(32)')
    .addColumn('files_done', 'integer', (c) => c.notNull())
    .addColumn('bytes_done', 'bigint', (c) => c.notNull())
    .addColumn('bytes_total', 'bigint', (c) => c.notNull())
    .addColumn('deadline', 'varchar(32)', (c) => c.notNull())
    .addColumn('request_id', 'varchar(128)')
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(32)')
    .addPrimaryKeyConstraint('copy_tasks_pk', ['project_id', 'asset_id'])
    .execute();
  await db.schema.createIndex('copy_tasks_due_idx').on('copy_tasks').columns(['state', 'next_run_at']).execute();
  await db.schema
    .createTable('copy_files')
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('file_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('offset_bytes', 'bigint', (c) => c.notNull())
    .addColumn('done', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('copy_files_pk', ['project_id', 'asset_id', 'file_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('copy_files').execute();
  await db.schema.dropTable('copy_tasks').execute();
}
