import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('iam_accounts')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('iam_users')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(32)', (c) => c.notNull().references('iam_accounts.id').onDelete('cascade'))
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(256)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('iam_users_name_uq', ['account_id', 'name'])
    .execute();
  await db.schema
    .createTable('iam_credentials')
    .addColumn('access_key', 'varchar(20)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(32)', (c) => c.notNull().references('iam_accounts.id').onDelete('cascade'))
    .addColumn('user_id', 'varchar(32)')
    .addColumn('secret_enc', 'varchar(256)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('description', 'varchar(256)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('iam_credentials_account_idx').on('iam_credentials').column('account_id').execute();
  await db.schema
    .createTable('iam_projects')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(32)', (c) => c.notNull().references('iam_accounts.id').onDelete('cascade'))
    .addColumn('region', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('iam_projects_region_uq', ['account_id', 'region'])
    .execute();
  await db.schema
    .createTable('iam_regions')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('endpoint', 'varchar(256)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('iam_token_keys')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('public_key_pem', 'text', (c) => c.notNull())
    .addColumn('private_key_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['iam_token_keys', 'iam_regions', 'iam_projects', 'iam_credentials', 'iam_users', 'iam_accounts']) {
    await db.schema.dropTable(table).execute();
  }
}
