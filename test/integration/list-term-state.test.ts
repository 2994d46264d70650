// ListAssets by one tag or system property, and counts by state, are answered from the term
// rows' copy of each asset's state and create time and from the per-project state counts
// (migration 017). Every change of an asset must reach them: each list here is checked against
// the assets themselves after tag changes, a trip to the recycle bin and back, deletion for
// good, a move to another project, a replica's update as the replication rules make it, and
// a create time rewritten.
import { Migrator, sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, type OpenDatabase } from '../../src/adapters/db/database.js';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import { migrationProvider } from '../../src/adapters/db/migrations/index.js';
import { assetToRow } from '../../src/adapters/db/row-mapping.js';
import type { Asset, AssetState } from '../../src/domain/asset.js';
import { newAsset } from '../../src/domain/asset-fields.js';
import { visibleAssetStates } from '../../src/domain/asset-states.js';
import { newId } from '../../src/domain/ids.js';
import type { AssetQuery } from '../../src/ports/metadata-store.js';
import { openTestDatabase } from '../helpers/backend.js';

let database: OpenDatabase;
let remove: () => Promise<void>;
let store: KyselyMetadataStore;
const projectId = newId();
const otherProject = newId();
const ids: string[] = [];

beforeEach(async () => {
  ({ database, remove } = await openTestDatabase());
  store = new KyselyMetadataStore(database.db, database.engine);
  ids.length = 0;
});
afterEach(async () => {
  await remove();
});

const timeOf = (i: number) => new Date(Date.parse('2026-02-01T00:00:00Z') + i * 60_000).toISOString();

async function add(i: number, tags: string[], style: string, project = projectId): Promise<Asset> {
  const a = newAsset({ projectId: project, appUserId: null, at: timeOf(i) }, {
    assetName: `asset-${i}`,
    assetType: 'IMAGE',
    tags,
    systemProperties: [{ key: 'STYLE', value: style }],
  });
  a.assetState = 'ACTIVED';
  await store.insertAsset(a);
  ids.push(a.assetId);
  return a;
}

/** What a list must answer, worked out from the assets themselves. */
async function expected(q: Partial<AssetQuery>, project: string): Promise<{ count: number; ids: string[] }> {
  const all = (await Promise.all(ids.map((id) => store.getAsset(project, id)))).filter((a): a is Asset => a !== undefined);
  const states: readonly AssetState[] = q.assetStates ?? visibleAssetStates;
  const exact = q.accurateFields?.includes('tag');
  const tag = q.tag;
  const matching = all
    .filter((a) => states.includes(a.assetState))
    .filter((a) => tag === undefined || a.tags.some((t) => (exact ? t === tag : t.includes(tag))))
    .filter((a) => (q.systemProperties ?? []).every((p) => a.systemProperties.some((s) => s.key === p.key && (p.value === undefined || s.value === p.value))))
    .filter((a) => (q.startTime === undefined || a.createdAt >= q.startTime) && (q.endTime === undefined || a.createdAt <= q.endTime))
    .sort((x, y) => (x.createdAt === y.createdAt ? (x.assetId < y.assetId ? -1 : 1) : x.createdAt < y.createdAt ? -1 : 1));
  return { count: matching.length, ids: matching.map((a) => a.assetId) };
}

const queries: Partial<AssetQuery>[] = [
  {},
  { assetStates: ['DELETING'] },
  { assetStates: ['ACTIVED', 'CREATING'] },
  { tag: 'red', accurateFields: ['tag'] },
  { tag: 'red' },
  { tag: 'blue', accurateFields: ['tag'] },
  { tag: 'e' },
  { tag: 'carl' },
  { tag: 'carl', assetStates: ['DELETING'] },
  { tag: 'red', accurateFields: ['tag'], assetStates: ['DELETING'] },
  { tag: 'red', accurateFields: ['tag'], startTime: timeOf(2), endTime: timeOf(6) },
  { systemProperties: [{ key: 'STYLE', value: 'warm' }] },
  { systemProperties: [{ key: 'STYLE' }] },
  { systemProperties: [{ key: 'STYLE', value: 'warm' }], assetStates: ['DELETING'] },
];

/** Every query, in both directions and at two offsets, answers as the assets say. */
async function checkLists(project = projectId): Promise<void> {
  for (const q of queries) {
    const want = await expected(q, project);
    for (const sortDir of ['asc', 'desc'] as const) {
      for (const offset of [0, 2]) {
        const got = await store.listAssets({ projectId: project, sortKey: 'create_time', sortDir, offset, limit: 3, ...q });
        const order = sortDir === 'asc' ? want.ids : [...want.ids].reverse();
        expect({ q, sortDir, offset, count: got.count, ids: got.assets.map((a) => a.assetId) }).toEqual({
          q,
          sortDir,
          offset,
          count: want.count,
          ids: order.slice(offset, offset + 3),
        });
      }
    }
  }
}

describe('ListAssets term rows and state counts follow every change of an asset', () => {
  it('after tag and property changes, the recycle bin and back, deletion for good and a move', async () => {
    const assets: Asset[] = [];
    for (let i = 0; i < 8; i++) assets.push(await add(i, i % 2 ? ['red', 'green'] : ['blue', 'reddish'], i % 3 ? 'warm' : 'cold'));
    // A rare tag (one asset in 20 or fewer) is paged by its tag rows, a common one along the sort order.
    for (let i = 8; i < 30; i++) await add(i, i === 9 ? ['scarlet', 'blue'] : ['blue'], 'cold');
    await checkLists();

    // Tags and properties change.
    const [a0, a1, a2, a3, a4, a5] = assets as [Asset, Asset, Asset, Asset, Asset, Asset];
    expect(await store.updateAsset(projectId, a0.assetId, { tags: ['red'], systemProperties: [{ key: 'STYLE', value: 'warm' }], updatedAt: timeOf(20) })).toBe(true);
    expect(await store.updateAsset(projectId, a1.assetId, { tags: [], updatedAt: timeOf(20) })).toBe(true);
    await checkLists();

    // To the recycle bin, and one of them back.
    for (const a of [a2, a3]) {
      expect(await store.updateAsset(projectId, a.assetId, { assetState: 'DELETING', stateBeforeDelete: 'ACTIVED', deletedAt: timeOf(21), updatedAt: timeOf(21) })).toBe(true);
    }
    await checkLists();
    expect(await store.updateAsset(projectId, a2.assetId, { assetState: 'ACTIVED', stateBeforeDelete: null, deletedAt: null, updatedAt: timeOf(22) })).toBe(true);
    await checkLists();

    // Deleted for good (then purged): gone from every list and count.
    expect(await store.updateAsset(projectId, a3.assetId, { assetState: 'DELETED', updatedAt: timeOf(23) })).toBe(true);
    await checkLists();
    await store.removeDeletedAsset(projectId, a3.assetId);
    await checkLists();

    // Moved to another project: counted and listed there, no more here.
    expect(await store.moveAsset({ projectId, assetId: a4.assetId }, otherProject, { appUserId: null, updatedAt: timeOf(24) }, ['ACTIVED'])).toBe(true);
    await checkLists();
    await checkLists(otherProject);
    const scarlet = ids[9] as string;
    expect(await store.updateAsset(projectId, scarlet, { assetState: 'DELETING', stateBeforeDelete: 'ACTIVED', deletedAt: timeOf(24), updatedAt: timeOf(24) })).toBe(true);
    await checkLists();

    // A replica updated as a replication rule updates it: new metadata and CREATING in one change.
    expect(await store.updateAsset(projectId, a5.assetId, { tags: ['blue'], assetState: 'CREATING', reason: null, failType: null, updatedAt: timeOf(25) }, ['ACTIVED'])).toBe(true);
    await checkLists();
    expect(await store.updateAsset(projectId, a5.assetId, { assetState: 'ACTIVED', updatedAt: timeOf(26) }, ['CREATING'])).toBe(true);
    await checkLists();
  });

  it('after a create time is rewritten in the asset row', async () => {
    for (let i = 0; i < 6; i++) await add(i, ['red'], 'warm');
    await sql`UPDATE assets SET created_at = ${timeOf(30)} WHERE asset_id = ${ids[0]}`.execute(database.db);
    await checkLists();
  });

  it('fills the term rows and counts of assets stored before migration 017', async () => {
    const fresh = await openTestDatabase();
    try {
      const migrator = new Migrator({ db: fresh.database.db, provider: migrationProvider });
      const all = Object.keys(await migrationProvider.getMigrations()).sort();
      const before = all[all.indexOf('017-list-term-state') - 1] as string;
      expect((await migrator.migrateTo(before)).error).toBeUndefined();
      // Stored through the store of that time: the asset row, then its tag and property rows.
      const old = newAsset({ projectId, appUserId: null, at: timeOf(1) }, { assetName: 'stored-before', assetType: 'IMAGE', tags: ['red'], systemProperties: [{ key: 'STYLE', value: 'warm' }] });
      old.assetState = 'DELETING';
      const raw = fresh.database.db as unknown as Kysely<Record<string, Record<string, string>>>;
      // The asset row as stored then (before migration 017 added the tag set columns).
      const { tag_set: _set, tag_set_key: _key, ...before017 } = assetToRow(old);
      await (fresh.database.db as unknown as Kysely<Record<string, Record<string, unknown>>>).insertInto('assets').values(before017).execute();
      await raw.insertInto('asset_tags').values({ project_id: projectId, asset_id: old.assetId, tag: 'red' }).execute();
      await raw.insertInto('project_tags').values({ project_id: projectId, tag: 'red' }).execute();
      await raw.insertInto('asset_properties').values({ project_id: projectId, asset_id: old.assetId, prop_key: 'STYLE', prop_value: 'warm' }).execute();
      await migrate(fresh.database);
      const later = new KyselyMetadataStore(fresh.database.db, fresh.database.engine);
      const count = async (q: Partial<AssetQuery>) => (await later.listAssets({ projectId, sortKey: 'create_time', sortDir: 'asc', offset: 0, limit: 10, ...q })).count;
      expect(await count({})).toBe(1);
      expect(await count({ assetStates: ['ACTIVED'] })).toBe(0);
      expect(await count({ tag: 'red', accurateFields: ['tag'] })).toBe(1);
      expect(await count({ tag: 'ed' })).toBe(1);
      expect(await count({ tag: 'ed', assetStates: ['ACTIVED'] })).toBe(0);
      expect(await count({ tag: 'red', accurateFields: ['tag'], assetStates: ['ACTIVED'] })).toBe(0);
      expect(await count({ tag: 'red', accurateFields: ['tag'], assetStates: ['DELETING'] })).toBe(1);
      expect(await count({ systemProperties: [{ key: 'STYLE', value: 'warm' }], startTime: timeOf(1), endTime: timeOf(1) })).toBe(1);
    } finally {
      await fresh.remove();
    }
  });
});
