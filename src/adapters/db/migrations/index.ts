import type { Migration, MigrationProvider } from 'kysely';
import * as identity001 from '../identity/001-identity.js';
import * as m001 from './001-assets-and-files.js';
import * as m002 from './002-copy-tasks.js';
import * as m003 from './003-copy-swept.js';
import * as m005 from './005-chunk-hashes-and-segments.js';
import * as m007 from './007-transfers-and-shares.js';

/** Numbered migrations, compiled in (no folder scanning at run time). */
const migrations: Record<string, Migration> = {
  '001-assets-and-files': m001,
  '002-copy-tasks': m002,
  '003-copy-swept': m003,
  '005-chunk-hashes-and-segments': m005,
  '007-transfers-and-shares': m007,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

/** The identity store's own migrations, tracked in their own table (it may share a database). */
export const identityMigrations = {
  provider: { getMigrations: async () => ({ '001-identity': identity001 }) } satisfies MigrationProvider,
  tableName: 'iam_migration',
  lockTableName: 'iam_migration_lock',
};
