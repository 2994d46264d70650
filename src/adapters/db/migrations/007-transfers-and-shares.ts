import type { Kysely } from 'kysely';

/** Transfer jobs between projects of the region, and the index of who each asset is shared with. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('transfer_jobs')
    .addColumn('job_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('transfer_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('src_project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('dest_project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('back_of_job_id', 'varchar(32)')
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('memo', 'text')
    .addColumn('reason', 'text')
    .addColumn('start_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('finish_time', 'varchar(32)')
    .addColumn('expire_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('error_code', 'varchar(32)')
    .addColumn('error_msg', 'text')
    .addPrimaryKeyConstraint('transfer_jobs_pk', ['job_id'])
    .execute();
  await db.schema.createIndex('transfer_jobs_src_idx').on('transfer_jobs').columns(['src_project_id', 'start_time']).execute();
  await db.schema.createIndex('transfer_jobs_dest_idx').on('transfer_jobs').columns(['dest_project_id', 'start_time']).execute();
  await db.schema.createIndex('transfer_jobs_expiry_idx').on('transfer_jobs').columns(['state', 'expire_time']).execute();

  await db.schema
    .createTable('transfer_job_assets')
    .addColumn('job_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('asset_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('asset_type', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('transfer_job_assets_pk', ['job_id', 'asset_id'])
    .execute();
  await db.schema.createIndex('transfer_job_assets_asset_idx').on('transfer_job_assets').columns(['asset_id']).execute();

  await db.schema
    .createTable('asset_shares')
    .addColumn('owner_project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('sharee_project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('expire_time', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('asset_shares_pk', ['owner_project_id', 'asset_id', 'sharee_project_id'])
    .execute();
  await db.schema.createIndex('asset_shares_sharee_idx').on('asset_shares').columns(['sharee_project_id', 'asset_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('asset_shares').execute();
  await db.schema.dropTable('transfer_job_assets').execute();
  await db.schema.dropTable('transfer_jobs').execute();
}
