import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001-assets-and-files.js';

/** Numbered migrations, compiled in (no folder scanning at run time). */
const migrations: Record<string, Migration> = {
  '001-assets-and-files': m001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
