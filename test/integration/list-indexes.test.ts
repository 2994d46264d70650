// ListAssets filters served by their index rows: tags by substring (exact with
// accurate_query_field), system properties, names by trigram; the rows follow every change
// of an asset (update, transfer, purge) and assets stored before the index are indexed by it.
import { Migrator, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, type OpenDatabase } from '../../src/adapters/db/database.js';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import { assetToRow } from '../../src/adapters/db/row-mapping.js';
import { newAsset } from '../../src/domain/asset-fields.js';
import { newId } from '../../src/domain/ids.js';
import type { AssetQuery } from '../../src/ports/metadata-store.js';
import { migrationProvider } from '../../src/adapters/db/migrations/index.js';
import { openTestDatabase } from '../helpers/backend.js';

let database: OpenDatabase;
let remove: () => Promise<void>;
let store: KyselyMetadataStore;
const projectId = newId();
const otherProject = newId();
const at = '2026-03-01T00:00:00.000Z';

beforeEach(async () => {
  ({ database, remove } = await openTestDatabase());
  store = new KyselyMetadataStore(database.db, database.engine);
});
afterEach(async () => {
  await remove();
});

const asset = (name: string, tags: string[], systemProperties: { key: string; value: string }[] = [], project = projectId) => {
  const a = newAsset({ projectId: project, appUserId: null, at }, { assetName: name, assetType: 'IMAGE', tags, systemProperties });
  a.assetState = 'ACTIVED';
  return a;
};
const names = async (q: Partial<AssetQuery>, project = projectId) =>
  (await store.listAssets({ projectId: project, sortKey: 'asset_name', sortDir: 'asc', offset: 0, limit: 100, ...q })).assets.map((a) => a.assetName).sort();

describe('ListAssets filters by their index rows', () => {
  it('matches tags by substring, or exactly with accurate_query_field, and system properties by key and value', async () => {
    await store.insertAsset(asset('portrait', ['face', 'studio'], [{ key: 'STYLE', value: 'warm' }]));
    await store.insertAsset(asset('poster', ['surface', 'print'], [{ key: 'STYLE', value: 'cold' }]));
    await store.insertAsset(asset('voice', ['audio'], [{ key: 'BACKGROUND_IMG', value: 'Yes' }]));
    await store.insertAsset(asset('elsewhere', ['face'], [], otherProject));

    expect(await names({ tag: 'face' })).toEqual(['portrait', 'poster']);
    expect(await names({ tag: 'face', accurateFields: ['tag'] })).toEqual(['portrait']);
    expect(await names({ tag: 'FACE', accurateFields: ['tag'] })).toEqual([]);
    expect(await names({ tag: 'udi' })).toEqual(['portrait', 'voice']);
    expect(await names({ tag: '%' })).toEqual([]);
    expect(await names({ systemProperties: [{ key: 'STYLE' }] })).toEqual(['portrait', 'poster']);
    expect(await names({ systemProperties: [{ key: 'STYLE', value: 'cold' }] })).toEqual(['poster']);
    expect(await names({ systemProperties: [{ key: 'STYLE', value: 'cold' }, { key: 'BACKGROUND_IMG' }] })).toEqual([]);
    expect(await names({ name: 'rtra' })).toEqual(['portrait']);
    expect(await names({ name: 'po' })).toEqual(['portrait', 'poster']);
    expect(await names({ name: 'poster', accurateFields: ['name'] })).toEqual(['poster']);
    expect(await names({ name: 'post', accurateFields: ['name'] })).toEqual([]);
    expect(await names({ name: 'por%' })).toEqual([]);
    expect(await names({ tag: 'face' }, otherProject)).toEqual(['elsewhere']);
  });

  it('follows renames, tag and property changes, moves to another project and purges', async () => {
    const a = asset('first-name', ['old-tag'], [{ key: 'STYLE', value: 'warm' }]);
    await store.insertAsset(a);
    expect(await store.updateAsset(projectId, a.assetId, { assetName: 'second-name', tags: ['new-tag'], systemProperties: [{ key: 'STYLE', value: 'cold' }], updatedAt: at })).toBe(true);
    expect(await names({ name: 'first' })).toEqual([]);
    expect(await names({ name: 'second' })).toEqual(['second-name']);
    expect(await names({ tag: 'old-tag' })).toEqual([]);
    expect(await names({ tag: 'new-tag' })).toEqual(['second-name']);
    expect(await names({ systemProperties: [{ key: 'STYLE', value: 'warm' }] })).toEqual([]);
    expect(await names({ systemProperties: [{ key: 'STYLE', value: 'cold' }] })).toEqual(['second-name']);

    expect(await store.moveAsset({ projectId, assetId: a.assetId }, otherProject, { appUserId: null, updatedAt: at }, ['ACTIVED'])).toBe(true);
    expect(await names({ tag: 'new-tag' })).toEqual([]);
    expect(await names({ tag: 'new-tag' }, otherProject)).toEqual(['second-name']);
    expect(await names({ systemProperties: [{ key: 'STYLE' }] }, otherProject)).toEqual(['second-name']);
    expect(await names({ name: 'second' }, otherProject)).toEqual(['second-name']);

    expect(await store.updateAsset(otherProject, a.assetId, { assetState: 'DELETED', updatedAt: at })).toBe(true);
    await store.removeDeletedAsset(otherProject, a.assetId);
    expect(await names({ tag: 'new-tag', assetStates: ['DELETED'] }, otherProject)).toEqual([]);
    const rows = await database.db.selectFrom('asset_tags').selectAll().where('asset_id', '=', a.assetId).execute();
    expect(rows).toEqual([]);
  });

  it('indexes the assets stored before the index existed', async () => {
    // A database as it was before the list indexes: migrated up to the one before them.
    const fresh = await openTestDatabase();
    try {
      const migrator = new Migrator({ db: fresh.database.db, provider: migrationProvider });
      const all = Object.keys(await migrationProvider.getMigrations()).sort();
      const before = all[all.indexOf('011-list-indexes') - 1] as string;
      const { error } = await migrator.migrateTo(before);
      expect(error).toBeUndefined();
      const old = asset('stored-before', ['legacy', 'kept'], [{ key: 'STYLE', value: 'old' }]);
      // The asset row as stored then (before migration 017 added the tag set columns).
      const { tag_set: _set, tag_set_key: _key, ...before017 } = assetToRow(old);
      await (fresh.database.db as unknown as Kysely<Record<string, Record<string, unknown>>>).insertInto('assets').values(before017).execute();
      await migrate(fresh.database);
      const later = new KyselyMetadataStore(fresh.database.db, fresh.database.engine);
      const found = async (q: Partial<AssetQuery>) => (await later.listAssets({ projectId, sortKey: 'create_time', sortDir: 'asc', offset: 0, limit: 10, ...q })).count;
      expect(await found({ tag: 'legacy' })).toBe(1);
      expect(await found({ tag: 'kept', accurateFields: ['tag'] })).toBe(1);
      expect(await found({ systemProperties: [{ key: 'STYLE', value: 'old' }] })).toBe(1);
      expect(await found({ name: 'before' })).toBe(1);
    } finally {
      await fresh.remove();
    }
  });
});
