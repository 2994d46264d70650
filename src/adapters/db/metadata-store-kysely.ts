import { sql, type Kysely } from 'kysely';
import type { Asset, AssetFile, AssetState, FileState } from '../../domain/asset.js';
import { assetActions, endAssetStates, visibleAssetStates } from '../../domain/asset-states.js';
import { AppError } from '../../domain/errors.js';
import { DuplicateAssetIdError, type AssetPatch, type AssetQuery, type FilePatch, type MetadataStore } from '../../ports/metadata-store.js';
import { KyselyCopyTaskStore } from './copy-task-store-kysely.js';
import type { Database } from './schema.js';
import { isPrimaryKeyViolation, isUniqueViolation, type Engine } from './engine.js';
import { assetPatchToRow, assetToRow, filePatchToRow, fileToRow, rowToAsset, rowToFile } from './row-mapping.js';

const sortColumns = { create_time: 'created_at', update_time: 'updated_at', asset_name: 'asset_name' } as const;

/** `LIKE` pattern matching `needle` literally (backslash escapes). */
const likeContaining = (needle: string): string => `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** One implementation of the metadata store for SQLite and PostgreSQL. */
export class KyselyMetadataStore implements MetadataStore {
  readonly copyTasks: KyselyCopyTaskStore;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {
    this.copyTasks = new KyselyCopyTaskStore(db, engine);
  }

  async transaction<T>(fn: (tx: MetadataStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new KyselyMetadataStore(trx, this.engine)));
  }

  async removeDeletedAsset(projectId: string, assetId: string): Promise<void> {
    await this.db.deleteFrom('files').where('project_id', '=', projectId).where('asset_id', '=', assetId).execute();
    await this.db.deleteFrom('assets').where('project_id', '=', projectId).where('asset_id', '=', assetId).where('asset_state', 'in', endAssetStates).execute();
  }

  async insertAsset(asset: Asset): Promise<void> {
    try {
      await this.db.insertInto('assets').values(assetToRow(asset)).execute();
    } catch (err) {
      if (isPrimaryKeyViolation(err, 'assets')) throw new DuplicateAssetIdError();
      if (isUniqueViolation(err)) throw new AppError('assetNameExists', `"${asset.assetName}"`);
      throw err;
    }
  }

  async getAsset(projectId: string, assetId: string): Promise<Asset | undefined> {
    const row = await this.db
      .selectFrom('assets')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .executeTakeFirst();
    return row ? rowToAsset(row) : undefined;
  }

  async updateAsset(projectId: string, assetId: string, patch: AssetPatch, onlyIn?: readonly AssetState[]): Promise<boolean> {
    let query = this.db
      .updateTable('assets')
      .set(assetPatchToRow(patch))
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId);
    if (onlyIn) query = query.where('asset_state', 'in', [...onlyIn]);
    try {
      const result = await query.executeTakeFirst();
      return result.numUpdatedRows > 0n;
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('assetNameExists', `"${patch.assetName ?? ''}"`);
      throw err;
    }
  }

  async listAssets(q: AssetQuery): Promise<{ count: number; assets: Asset[] }> {
    let base = this.db.selectFrom('assets').where('project_id', '=', q.projectId);
    if (q.appUserId !== undefined) base = base.where('app_user_id', '=', q.appUserId);
    if (q.name !== undefined) base = base.where(sql<boolean>`asset_name LIKE ${likeContaining(q.name)} ESCAPE '\\'`);
    if (q.assetTypes?.length) base = base.where('asset_type', 'in', q.assetTypes);
    base = base.where('asset_state', 'in', q.assetStates?.length ? q.assetStates : visibleAssetStates);
    if (q.assetIds?.length) base = base.where('asset_id', 'in', q.assetIds);
    if (q.tag !== undefined) base = base.where(sql<boolean>`tags LIKE ${likeContaining(JSON.stringify(q.tag))} ESCAPE '\\'`);
    for (const p of q.systemProperties ?? []) {
      const needle = p.value === undefined ? `{"key":${JSON.stringify(p.key)},` : JSON.stringify({ key: p.key, value: p.value });
      base = base.where(sql<boolean>`system_properties LIKE ${likeContaining(needle)} ESCAPE '\\'`);
    }
    if (q.startTime !== undefined) base = base.where('created_at', '>=', q.startTime);
    if (q.endTime !== undefined) base = base.where('created_at', '<=', q.endTime);

    const countRow = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .selectAll()
      .orderBy(sortColumns[q.sortKey], q.sortDir)
      .orderBy('asset_id', q.sortDir)
      .limit(q.limit)
      .offset(q.offset)
      .execute();
    return { count: Number(countRow.n), assets: rows.map(rowToAsset) };
  }

  async listExpiredRecycled(before: string, limit: number): Promise<Asset[]> {
    const rows = await this.db
      .selectFrom('assets')
      .selectAll()
      .where('asset_state', 'in', assetActions.purge.from)
      .where('deleted_at', '<=', before)
      .orderBy('deleted_at')
      .limit(limit)
      .execute();
    return rows.map(rowToAsset);
  }

  async insertFile(file: AssetFile): Promise<void> {
    await this.db.insertInto('files').values(fileToRow(file)).execute();
  }

  async getFile(projectId: string, fileId: string): Promise<AssetFile | undefined> {
    const row = await this.db
      .selectFrom('files')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('file_id', '=', fileId)
      .executeTakeFirst();
    return row ? rowToFile(row) : undefined;
  }

  async listFiles(projectId: string, assetIds: readonly string[]): Promise<AssetFile[]> {
    if (assetIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('files')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('asset_id', 'in', [...assetIds])
      .orderBy('created_at')
      .orderBy('file_id')
      .execute();
    return rows.map(rowToFile);
  }

  async updateFile(fileId: string, patch: FilePatch, onlyIn?: readonly FileState[]): Promise<boolean> {
    let query = this.db.updateTable('files').set(filePatchToRow(patch)).where('file_id', '=', fileId);
    if (onlyIn) query = query.where('state', 'in', [...onlyIn]);
    const result = await query.executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteFile(fileId: string): Promise<void> {
    await this.db.deleteFrom('files').where('file_id', '=', fileId).execute();
  }
}
