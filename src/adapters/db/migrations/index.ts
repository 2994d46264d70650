import type { Migration, MigrationProvider } from 'kysely';
import * as identity001 from '../identity/001-identity.js';
import * as identity002 from '../identity/002-user-token-generation.js';
import * as m001 from './001-assets-and-files.js';
import * as m002 from './002-copy-tasks.js';
import * as m003 from './003-copy-swept.js';
import * as m004 from './004-quotas-and-upload-expiry.js';
import * as m005 from './005-chunk-hashes-and-segments.js';
import * as m006 from './006-copy-claims.js';
import * as m007 from './007-transfers-and-shares.js';
import * as m008 from './008-scheduled-operations.js';
import * as m009 from './009-thumbnails.js';
import * as m010 from './010-large-uploads.js';
import * as m011 from './011-list-indexes.js';
import * as m012 from './012-replication-rules.js';
import * as m016 from './016-list-count-indexes.js';
import * as m017 from './017-list-term-state.js';
import * as m024 from './024-asset-order-list-indexes.js';

/** Numbered migrations, compiled in (no folder scanning at run time). */
const migrations: Record<string, Migration> = {
  '001-assets-and-files': m001,
  '002-copy-tasks': m002,
  '003-copy-swept': m003,
  '004-quotas-and-upload-expiry': m004,
  '005-chunk-hashes-and-segments': m005,
  '006-copy-claims': m006,
  '007-transfers-and-shares': m007,
  '008-scheduled-operations': m008,
  '009-thumbnails': m009,
  '010-large-uploads': m010,
  '011-list-indexes': m011,
  '012-replication-rules': m012,
  '016-list-count-indexes': m016,
  '017-list-term-state': m017,
  '024-asset-order-list-indexes': m024,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

/** The identity store's own migrations, tracked in their own table (it may share a database). */
export const identityMigrations = {
  provider: { getMigrations: async () => ({ '001-identity': identity001, '002-user-token-generation': identity002 }) } satisfies MigrationProvider,
  tableName: 'iam_migration',
  lockTableName: 'iam_migration_lock',
};
