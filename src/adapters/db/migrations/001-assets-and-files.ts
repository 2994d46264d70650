import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('assets')
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('produce_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('asset_description', 'text')
    .addColumn('app_user_id', 'varchar(64)')
    .addColumn('asset_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_state', 'varchar(32)', (c) => c.notNull())
    .addColumn('state_before_delete', 'varchar(32)')
    .addColumn('fail_type', 'varchar(64)')
    .addColumn('block_reason_code', 'varchar(64)')
    .addColumn('reason', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('asset_extra_meta', 'text', (c) => c.notNull())
    .addColumn('system_properties', 'text', (c) => c.notNull())
    .addColumn('asset_order', 'integer')
    .addColumn('supported_service', 'text', (c) => c.notNull())
    .addColumn('auto_operation_config', 'text', (c) => c.notNull())
    .addColumn('review_config', 'text')
    .addColumn('shared_config', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('deleted_at', 'varchar(32)')
    .addPrimaryKeyConstraint('assets_pk', ['project_id', 'asset_id'])
    .execute();
  // A name is taken by every asset of the project that is not deleted for good.
  await sql`CREATE UNIQUE INDEX assets_name_uq ON assets (project_id, asset_name) WHERE asset_state <> 'DELETED'`.execute(db);
  await db.schema.createIndex('assets_list_idx').on('assets').columns(['project_id', 'created_at']).execute();
  await db.schema.createIndex('assets_purge_idx').on('assets').columns(['asset_state', 'deleted_at']).execute();

  await db.schema
    .createTable('files')
    .addColumn('file_id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('file_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('file_size', 'bigint', (c) => c.notNull())
    .addColumn('file_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('category', 'varchar(16)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('declared_md5', 'varchar(24)')
    .addColumn('md5_hex', 'varchar(32)')
    .addColumn('sha256_hex', 'varchar(64)')
    .addColumn('etag', 'varchar(128)')
    .addColumn('blob_key', 'varchar(512)', (c) => c.notNull())
    .addColumn('file_extra_meta', 'text', (c) => c.notNull())
    .addColumn('upload_expires_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('files_asset_idx').on('files').columns(['project_id', 'asset_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('files').execute();
  await db.schema.dropTable('assets').execute();
}
