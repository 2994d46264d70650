import type { Kysely } from 'kysely';

/** When the sweeper removed an ended copy's leftovers: it then skips that task for good. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('copy_tasks').addColumn('swept_at', 'varchar(32)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('copy_tasks').dropColumn('swept_at').execute();
}
