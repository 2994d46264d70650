import type { Kysely } from 'kysely';

/**
 * Replication rules (docs/replication.md, "Replication rules"):
 * - `replication_rules`: a project's rules (target region and project, filter, options, backfill progress);
 * - `assets.version`: moves on with every change of the asset or its files; `origin_*`: where a
 *   replica comes from, `origin_rule_id` while a rule feeds it (read-only then), `origin_version`
 *   the newest version applied;
 * - `rule_outbox`: what region A still has to deliver, one row per rule and asset, written in the
 *   transaction of the change and claimed with a lease by the delivery loop;
 * - `replica_status`: region A's view of each replica (state, last error, completion).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('replication_rules')
    .addColumn('rule_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('account_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('rule_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('target_region', 'varchar(64)', (c) => c.notNull())
    .addColumn('target_project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('filter', 'text', (c) => c.notNull())
    .addColumn('replicate_updates', 'integer', (c) => c.notNull())
    .addColumn('replicate_deletes', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('backfill_state', 'varchar(16)')
    .addColumn('backfill_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('deleted_at', 'varchar(32)')
    .addPrimaryKeyConstraint('replication_rules_pk', ['rule_id'])
    .execute();
  await db.schema.createIndex('replication_rules_name_idx').on('replication_rules').columns(['project_id', 'rule_name']).unique().execute();

  await db.schema.alterTable('assets').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('assets').addColumn('origin_region', 'varchar(64)').execute();
  await db.schema.alterTable('assets').addColumn('origin_project_id', 'varchar(32)').execute();
  await db.schema.alterTable('assets').addColumn('origin_asset_id', 'varchar(32)').execute();
  await db.schema.alterTable('assets').addColumn('origin_rule_id', 'varchar(32)').execute();
  await db.schema.alterTable('assets').addColumn('origin_version', 'integer').execute();

  await db.schema
    .createTable('rule_outbox')
    .addColumn('rule_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('changed_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('due_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_expires_at', 'varchar(32)')
    .addColumn('last_error', 'text')
    .addPrimaryKeyConstraint('rule_outbox_pk', ['rule_id', 'asset_id'])
    .execute();
  await db.schema.createIndex('rule_outbox_due_idx').on('rule_outbox').columns(['due_at']).execute();

  await db.schema
    .createTable('replica_status')
    .addColumn('project_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('rule_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('target_region', 'varchar(64)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('changed_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('completed_time', 'varchar(32)')
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('replica_status_pk', ['project_id', 'asset_id', 'rule_id'])
    .execute();
  await db.schema.createIndex('replica_status_state_idx').on('replica_status').columns(['project_id', 'state', 'asset_id']).execute();
  await db.schema.createIndex('replica_status_rule_idx').on('replica_status').columns(['rule_id', 'state']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['replica_status', 'rule_outbox', 'replication_rules']) await db.schema.dropTable(t).execute();
  for (const c of ['origin_version', 'origin_rule_id', 'origin_asset_id', 'origin_project_id', 'origin_region', 'version']) {
    await db.schema.alterTable('assets').dropColumn(c).execute();
  }
}
