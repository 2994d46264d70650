import type { Kysely } from 'kysely';

/** Where the thumbnail made from a MAIN image file is kept (NULL: none was made). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('files').addColumn('thumbnail_key', 'varchar(512)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('files').dropColumn('thumbnail_key').execute();
}
