import type { Kysely } from 'kysely';

/**
 * A user's token generation: tokens carry the generation they were issued under, and a
 * password change moves it on, so tokens issued before the change are refused.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('iam_users').addColumn('token_generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('iam_users').dropColumn('token_generation').execute();
}
