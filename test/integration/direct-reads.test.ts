// ShowAsset's stamp read past Kysely's executor (`DirectReads`), on the backend under test: it
// sees what is committed, never a transaction's uncommitted writes, and counts as a query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../src/adapters/db/database.js';
import { KyselyMetadataStore } from '../../src/adapters/db/metadata-store-kysely.js';
import { newAsset } from '../../src/domain/asset-fields.js';
import { newId } from '../../src/domain/ids.js';
import { isoTime } from '../../src/domain/time.js';
import { openTestDatabase } from '../helpers/backend.js';

let database: OpenDatabase;
let remove: () => Promise<void>;
let queries = 0;
let store: KyselyMetadataStore;
const projectId = newId();
const assetId = newId();

beforeAll(async () => {
  // Every query counted, as the region counts a request's queries.
  ({ database, remove } = await openTestDatabase({ onQuery: () => (queries += 1) }));
  store = new KyselyMetadataStore(database.db, database.engine, database.direct);
  await store.insertAsset(newAsset({ projectId, assetId, appUserId: null, at: isoTime(new Date()) }, { assetName: 'direct', assetType: 'IMAGE' }));
});
afterAll(async () => {
  await remove();
});

describe('ShowAsset stamp read directly', () => {
  it('reads the committed stamp, and a change moves it', async () => {
    const before = await store.showStamp(projectId, assetId);
    expect(before).toBeDefined();
    expect(await new KyselyMetadataStore(database.db, database.engine).showStamp(projectId, assetId)).toBe(before);
    await store.updateAsset(projectId, assetId, { assetName: 'direct-2', updatedAt: isoTime(new Date()) });
    expect(await store.showStamp(projectId, assetId)).not.toBe(before);
    expect(await store.showStamp(projectId, newId())).toBeUndefined();
  });

  it("never reads a transaction's uncommitted writes (the transaction is then rolled back)", async () => {
    const committed = await store.showStamp(projectId, assetId);
    let readDuring: Promise<string | undefined> | undefined;
    await expect(
      store.transaction(async (tx) => {
        await tx.updateAsset(projectId, assetId, { assetName: 'never', updatedAt: isoTime(new Date()) });
        // A request reading while the transaction is open (SQLite: on the same connection).
        readDuring = store.showStamp(projectId, assetId);
        await new Promise((r) => setTimeout(r, 20));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await readDuring).toBe(committed);
    expect(await store.showStamp(projectId, assetId)).toBe(committed);
  });

  it('counts each read as a query, joined reads included', async () => {
    queries = 0;
    const stamps = await Promise.all([1, 2, 3].map(() => store.showStamp(projectId, assetId)));
    expect(new Set(stamps).size).toBe(1);
    expect(queries).toBe(3);
  });
});
