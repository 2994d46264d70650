import type { Kysely } from 'kysely';

/** The schedule of each asset's `auto_operation_config`, and the state a BLOCK returns to when lifted. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('assets').addColumn('state_before_block', 'varchar(32)').execute();
  await db.schema
    .createTable('scheduled_operations')
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('operation', 'varchar(16)', (c) => c.notNull())
    .addColumn('run_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(32)')
    .addColumn('reason', 'text')
    .addPrimaryKeyConstraint('scheduled_operations_pk', ['project_id', 'asset_id', 'operation', 'run_at'])
    .execute();
  await db.schema.createIndex('scheduled_operations_due_idx').on('scheduled_operations').columns(['state', 'run_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('scheduled_operations').execute();
  await db.schema.alterTable('assets').dropColumn('state_before_block').execute();
}
