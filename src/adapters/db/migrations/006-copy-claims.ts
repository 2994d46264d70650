import { sql, type Kysely } from 'kysely';

/**
 * How many times workers claimed a copy task since its run last ended in a recorded way
 * (activated, failed, a retry scheduled, or handed back at shutdown). A task claimed too often
 * without that is failed as `worker_crashed` instead of crashing one more worker.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('copy_tasks').addColumn('claims', 'integer', (c) => c.notNull().defaultTo(sql`0`)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('copy_tasks').dropColumn('claims').execute();
}
