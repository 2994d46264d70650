import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Asset, AssetFile, AssetState, FileState } from '../../domain/asset.js';
import { assetActions, endAssetStates, readableAssetStates, visibleAssetStates } from '../../domain/asset-states.js';
import { AppError } from '../../domain/errors.js';
import { listedFileStates, uploadableFileStates } from '../../domain/file-states.js';
import { shareOf } from '../../domain/sharing.js';
import { isoTime } from '../../domain/time.js';
import { DuplicateAssetIdError, type AssetPatch, type AssetQuery, type FilePatch, type FileWriteOptions, type MetadataStore } from '../../ports/metadata-store.js';
import { KyselyCopyTaskStore } from './copy-task-store-kysely.js';
import { KyselyTransferJobStore } from './transfer-job-store-kysely.js';
import { KyselyLargeUploadStore } from './large-upload-store-kysely.js';
import { indexSchedule, KyselyScheduleStore } from './schedule-store-kysely.js';
import { KyselyRuleStore, noteAssetChange } from './rule-store-kysely.js';
import type { Database } from './schema.js';
import { isPrimaryKeyViolation, isUniqueViolation, lockUntilCommit, nameContains, type Engine } from './engine.js';
import { indexProperties, indexTags, moveTerms, unindexAsset } from './asset-terms.js';
import { assetPatchToRow, assetToRow, filePatchToRow, fileToRow, rowToAsset, rowToFile } from './row-mapping.js';
import { insertRow, perShape, preparedListLength, preparedQuery } from './prepared-query.js';
import type { DirectReads } from './direct-reads.js';

const assetById = preparedQuery((db: Kysely<Database>, projectId: string, assetId: string) =>
  db.selectFrom('assets').selectAll().where('project_id', '=', projectId).where('asset_id', '=', assetId),
);
const filesOfAsset = preparedQuery((db: Kysely<Database>, projectId: string, assetId: string) =>
  db.selectFrom('files').selectAll().where('project_id', '=', projectId).where('asset_id', '=', assetId).orderBy('created_at').orderBy('file_id'),
);

/**
 * ShowAsset's stamp (`MetadataStore.showStamp`) in one primary-key lookup: the asset's version
 * and produce id (a row made anew under the same id has another), and the columns ShowAsset
 * shows of the copy task and of each replica, joined into text (free text last, after its
 * length, so no two different rows join alike). Per engine: only the aggregate differs.
 */
const copyStampText = sql<string | null>`(SELECT c.epoch || '|' || c.state || '|' || c.files_done || '|' || c.bytes_done || '|' || c.bytes_total
  || '|' || c.attempts || '|' || c.started_at || '|' || coalesce(c.finished_at, '') || '|' || coalesce(c.failure_code, '') || '|' || length(c.manifest)
  || '|' || coalesce(length(c.last_error), -1) || '|' || coalesce(c.last_error, '')
  FROM copy_tasks c WHERE c.project_id = a.project_id AND c.asset_id = a.asset_id)`;
const replicaStampRow = sql`r.rule_id || '|' || r.target_region || '|' || r.state || '|' || coalesce(r.completed_time, '')
  || '|' || coalesce(length(r.last_error), -1) || '|' || coalesce(r.last_error, '')`;
const showStampQuery = (aggregate: 'group_concat' | 'string_agg') =>
  preparedQuery((db: Kysely<Database>, projectId: string, assetId: string) =>
    db
      .selectFrom('assets as a')
      .select([
        'a.version',
        'a.produce_id',
        copyStampText.as('c'),
        sql<string | null>`(SELECT ${sql.raw(aggregate)}(${replicaStampRow}, ';' ORDER BY r.rule_id)
          FROM replica_status r WHERE r.project_id = a.project_id AND r.asset_id = a.asset_id)`.as('r'),
      ])
      .where('a.project_id', '=', projectId)
      .where('a.asset_id', '=', assetId),
  );
const showStampOf = { sqlite: showStampQuery('group_concat'), postgres: showStampQuery('string_agg') } as const;

const assetCount = preparedQuery((db: Kysely<Database>, projectId: string) => db.selectFrom('project_usage').select('assets').where('project_id', '=', projectId));
const countHeldBy = preparedQuery((db: Kysely<Database>, projectId: string, delta: number) =>
  db
    .insertInto('project_usage')
    .values({ project_id: projectId, assets: delta })
    .onConflict((oc) => oc.column('project_id').doUpdateSet({ assets: sql<number>`project_usage.assets + ${delta}` })),
);

const sortColumns = { create_time: 'created_at', update_time: 'updated_at', asset_order: 'asset_order', asset_name: 'asset_name' } as const;

/** A list's rows in its sort order. */
function inListOrder<O>(query: SelectQueryBuilder<Database, 'assets', O>, sortKey: AssetQuery['sortKey'], sortDir: AssetQuery['sortDir']): SelectQueryBuilder<Database, 'assets', O> {
  // NULLs last on both engines (each puts them elsewhere by default): `IS NULL` sorts false first.
  if (sortKey === 'asset_order') return query.orderBy(sql`asset_order IS NULL`).orderBy('asset_order', sortDir).orderBy('created_at', 'desc').orderBy('asset_id', 'desc');
  return query.orderBy(sortColumns[sortKey], sortDir).orderBy('asset_id', sortDir);
}

/**
 * The most common lists, prepared: a project's own assets in the visible states, unfiltered
 * (ListAssets without parameters), counted from the per-state counts and paged in each sort order.
 */
const visibleCount = preparedQuery((db: Kysely<Database>, projectId: string) =>
  db
    .selectFrom('project_asset_counts')
    .select((eb) => eb.fn.sum<number | string | null>('assets').as('n'))
    .where('project_id', '=', projectId)
    .where('asset_state', 'in', [...visibleAssetStates]),
);
const visiblePage = perShape((order: `${AssetQuery['sortKey']} ${AssetQuery['sortDir']}`) => {
  const [sortKey, sortDir] = order.split(' ') as [AssetQuery['sortKey'], AssetQuery['sortDir']];
  return preparedQuery((db: Kysely<Database>, projectId: string, limit: number, offset: number) =>
    inListOrder(db.selectFrom('assets').selectAll().where('project_id', '=', projectId).where('asset_state', 'in', [...visibleAssetStates]), sortKey, sortDir)
      .limit(limit)
      .offset(offset),
  );
});
const filesOfAssets = perShape((_length: number) =>
  preparedQuery((db: Kysely<Database>, projectId: string, ...assetIds: string[]) =>
    db.selectFrom('files').selectAll().where('project_id', '=', projectId).where('asset_id', 'in', assetIds).orderBy('created_at').orderBy('file_id'),
  ),
);

/** `LIKE` pattern matching `needle` literally (backslash escapes). */
const likeContaining = (needle: string): string => `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The live shares (at `now`) of the asset row of the outer query. */
const liveSharesOf = (eb: ExpressionBuilder<Database, 'assets'>, now: string) =>
  eb
    .selectFrom('asset_shares as s')
    .select('s.asset_id')
    .whereRef('s.owner_project_id', '=', 'assets.project_id')
    .whereRef('s.asset_id', '=', 'assets.asset_id')
    .where('s.expire_time', '>', now);

/**
 * A tag substring matched by at least this share of the listed assets (1 in 20) is paged by
 * walking the sort order and checking each row's tag set (a page of `offset + limit` matches
 * reads about 20 times as many rows at most); a rarer one by its tag rows.
 */
const commonTagShare = 20;

/** Term rows (`asset_tags` or `asset_properties`) as `t`: the columns a list reads of either. */
type TermRows = SelectQueryBuilder<{ t: { project_id: string; asset_id: string; asset_state: string; created_at: string } }, 't', object>;

/** One implementation of the metadata store for SQLite and PostgreSQL. */
export class KyselyMetadataStore implements MetadataStore {
  readonly copyTasks: KyselyCopyTaskStore;
  readonly transfers: KyselyTransferJobStore;
  readonly largeUploads: KyselyLargeUploadStore;
  readonly schedule: KyselyScheduleStore;
  readonly rules: KyselyRuleStore;

  /**
   * @param direct the hot path's reads past Kysely's executor (ShowAsset's stamp); without it,
   * or inside a transaction, every read goes through Kysely.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
    private readonly direct?: DirectReads,
    /** How many savepoints enclose this store (names its next one). */
    private readonly savepoints = 0,
  ) {
    this.copyTasks = new KyselyCopyTaskStore(db, engine);
    this.transfers = new KyselyTransferJobStore(db);
    this.largeUploads = new KyselyLargeUploadStore(db, engine);
    this.schedule = new KyselyScheduleStore(db);
    this.rules = new KyselyRuleStore(db, engine);
  }

  async transaction<T>(fn: (tx: MetadataStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new KyselyMetadataStore(trx, this.engine)));
  }

  async savepoint<T>(fn: (tx: MetadataStore) => Promise<T>): Promise<T> {
    if (!this.db.isTransaction) throw new Error('savepoint outside a transaction');
    // Savepoints of one transaction run one after another (its queries are awaited in turn): a
    // name per nesting depth is enough, and the innermost of a name is the one rolled back.
    const name = sql.id(`work_${this.savepoints}`);
    await sql`SAVEPOINT ${name}`.execute(this.db);
    const inner = new KyselyMetadataStore(this.db, this.engine, undefined, this.savepoints + 1);
    let result: T;
    try {
      result = await fn(inner);
    } catch (err) {
      await sql`ROLLBACK TO SAVEPOINT ${name}`.execute(this.db);
      await sql`RELEASE SAVEPOINT ${name}`.execute(this.db);
      throw err;
    }
    await sql`RELEASE SAVEPOINT ${name}`.execute(this.db);
    return result;
  }

  /** `fn` on this store's transaction, or on a new one. */
  private inTransaction<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.isTransaction ? fn(this.db) : this.db.transaction().execute(fn);
  }

  /** Rewrites the share index of one asset from its `shared_config` (the truth). */
  private async indexShares(db: Kysely<Database>, projectId: string, assetId: string, sharedConfig: unknown): Promise<void> {
    await db.deleteFrom('asset_shares').where('owner_project_id', '=', projectId).where('asset_id', '=', assetId).execute();
    const share = shareOf(sharedConfig);
    if (!share || share.projectIds.length === 0) return;
    const expireTime = isoTime(share.expiresAt);
    await db
      .insertInto('asset_shares')
      .values(share.projectIds.map((sharee) => ({ owner_project_id: projectId, asset_id: assetId, sharee_project_id: sharee, expire_time: expireTime })))
      .execute();
  }

  /**
   * A change to the asset's files: its version moves on and the replication rules hear of it
   * (in the caller's transaction).
   */
  private async touchAsset(db: Kysely<Database>, projectId: string, assetId: string, at: string): Promise<void> {
    await db.updateTable('assets').set({ version: sql<number>`version + 1` }).where('project_id', '=', projectId).where('asset_id', '=', assetId).execute();
    await noteAssetChange(db, projectId, assetId, at);
  }

  /** Moves a project's count of held assets by `delta` (in the caller's transaction). */
  private async countHeld(db: Kysely<Database>, projectId: string, delta: number): Promise<void> {
    await countHeldBy(db, this.engine, projectId, delta);
  }

  /**
   * Takes the projects' quota locks (PostgreSQL; in name order) before a change that moves the
   * counts kept for their lists (migration 017: rows of per-project counts, changed by triggers
   * in an order of their own): two such changes in one project wait for each other instead of
   * locking count rows in opposite orders. The quota lock, so that no transaction takes the two
   * in turn both ways.
   */
  private async lockCounts(db: Kysely<Database>, ...projectIds: string[]): Promise<void> {
    for (const projectId of [...new Set(projectIds)].sort()) await lockUntilCommit(this.engine, db, `quota:${projectId}`);
  }

  async removeDeletedAsset(projectId: string, assetId: string): Promise<void> {
    await this.inTransaction(async (db) => {
      await this.lockCounts(db, projectId);
      await unindexAsset(db, projectId, assetId);
      await db.deleteFrom('files').where('project_id', '=', projectId).where('asset_id', '=', assetId).execute();
      await db.deleteFrom('asset_shares').where('owner_project_id', '=', projectId).where('asset_id', '=', assetId).execute();
      await db.deleteFrom('scheduled_operations').where('project_id', '=', projectId).where('asset_id', '=', assetId).execute();
      await db.deleteFrom('assets').where('project_id', '=', projectId).where('asset_id', '=', assetId).where('asset_state', 'in', endAssetStates).execute();
    });
  }

  async insertAsset(asset: Asset): Promise<void> {
    try {
      await this.inTransaction(async (db) => {
        await this.lockCounts(db, asset.projectId);
        await insertRow(db, this.engine, 'assets', assetToRow(asset));
        // The row is new (its insert did not collide), so it has no term rows, shares or
        // scheduled operations to replace: each is only added.
        const listed = { asset_state: asset.assetState, created_at: asset.createdAt };
        await indexTags(db, asset.projectId, asset.assetId, asset.tags, listed, true);
        await indexProperties(db, asset.projectId, asset.assetId, asset.systemProperties, listed, true);
        await this.countHeld(db, asset.projectId, 1);
        if (asset.sharedConfig) await this.indexShares(db, asset.projectId, asset.assetId, asset.sharedConfig);
        await indexSchedule(db, asset.projectId, asset.assetId, asset.autoOperationConfig, true);
      });
    } catch (err) {
      if (isPrimaryKeyViolation(err, 'assets')) throw new DuplicateAssetIdError();
      if (isUniqueViolation(err)) throw new AppError('assetNameExists', `"${asset.assetName}"`);
      throw err;
    }
  }

  async findSharedAsset(shareeProjectId: string, assetId: string, now: string): Promise<Asset | undefined> {
    const row = await this.db
      .selectFrom('assets')
      .selectAll()
      .where('asset_id', '=', assetId)
      .where('asset_state', 'in', readableAssetStates)
      .where((eb) => eb.exists(liveSharesOf(eb, now).where('s.sharee_project_id', '=', shareeProjectId)))
      .orderBy('project_id')
      .executeTakeFirst();
    return row ? rowToAsset(row) : undefined;
  }

  async moveAsset(
    from: { projectId: string; assetId: string },
    toProjectId: string,
    change: { appUserId: string | null; updatedAt: string },
    onlyIn: readonly AssetState[],
  ): Promise<boolean> {
    return this.inTransaction(async (db) => {
      await this.lockCounts(db, from.projectId, toProjectId);
      let moved: bigint;
      try {
        const result = await db
          .updateTable('assets')
          .set({ project_id: toProjectId, app_user_id: change.appUserId, shared_config: null, updated_at: change.updatedAt })
          .where('project_id', '=', from.projectId)
          .where('asset_id', '=', from.assetId)
          .where('asset_state', 'in', [...onlyIn])
          .executeTakeFirst();
        moved = result.numUpdatedRows;
      } catch (err) {
        if (isPrimaryKeyViolation(err, 'assets')) throw new DuplicateAssetIdError();
        if (isUniqueViolation(err)) throw new AppError('assetNameExists', `an asset of project ${toProjectId} has the name of asset ${from.assetId}`);
        throw err;
      }
      if (moved === 0n) return false;
      await this.countHeld(db, from.projectId, -1);
      await this.countHeld(db, toProjectId, 1);
      // The rows keep their blob keys: a key names where the bytes were written, not who owns them.
      await db.updateTable('files').set({ project_id: toProjectId }).where('project_id', '=', from.projectId).where('asset_id', '=', from.assetId).execute();
      await db.deleteFrom('asset_shares').where('owner_project_id', '=', from.projectId).where('asset_id', '=', from.assetId).execute();
      await moveTerms(db, from.projectId, toProjectId, from.assetId);
      // The schedule follows the asset: its config moved with it.
      await db.updateTable('scheduled_operations').set({ project_id: toProjectId }).where('project_id', '=', from.projectId).where('asset_id', '=', from.assetId).execute();
      await this.touchAsset(db, toProjectId, from.assetId, change.updatedAt);
      return true;
    });
  }

  async getAsset(projectId: string, assetId: string): Promise<Asset | undefined> {
    const [row] = await assetById(this.db, this.engine, projectId, assetId);
    return row ? rowToAsset(row) : undefined;
  }

  async showStamp(projectId: string, assetId: string): Promise<string | undefined> {
    const query = showStampOf[this.engine];
    const [row] = this.direct && !this.db.isTransaction
      ? await query.direct(this.direct, this.db, this.engine, projectId, assetId)
      : await query(this.db, this.engine, projectId, assetId);
    return row && `${row.version ?? 1}:${row.produce_id}\n${row.c ?? '-'}\n${row.r ?? '-'}`;
  }

  async findAssets(assetId: string): Promise<Asset[]> {
    const rows = await this.db.selectFrom('assets').selectAll().where('asset_id', '=', assetId).orderBy('project_id').execute();
    return rows.map(rowToAsset);
  }

  async updateAsset(projectId: string, assetId: string, patch: AssetPatch, onlyIn?: readonly AssetState[]): Promise<boolean> {
    const update = async (db: Kysely<Database>) => {
      if (patch.assetState !== undefined || patch.tags !== undefined || patch.systemProperties !== undefined) await this.lockCounts(db, projectId);
      let query = db
        .updateTable('assets')
        .set({ ...assetPatchToRow(patch), version: sql<number>`version + 1` })
        .where('project_id', '=', projectId)
        .where('asset_id', '=', assetId);
      if (onlyIn) query = query.where('asset_state', 'in', [...onlyIn]);
      // Deleted for good: the project holds one asset less (only once, and no way leads back).
      if (deletes) query = query.where('asset_state', 'not in', endAssetStates);
      const updated = (await query.executeTakeFirst()).numUpdatedRows > 0n;
      if (updated && deletes) await this.countHeld(db, projectId, -1);
      if (updated && patch.sharedConfig !== undefined) await this.indexShares(db, projectId, assetId, patch.sharedConfig);
      if (updated && patch.tags !== undefined) await indexTags(db, projectId, assetId, patch.tags);
      if (updated && patch.systemProperties !== undefined) await indexProperties(db, projectId, assetId, patch.systemProperties);
      if (updated && patch.autoOperationConfig !== undefined) await indexSchedule(db, projectId, assetId, patch.autoOperationConfig);
      if (updated) await noteAssetChange(db, projectId, assetId, patch.updatedAt);
      return updated;
    };
    const deletes = patch.assetState !== undefined && endAssetStates.includes(patch.assetState);
    try {
      return await this.inTransaction(update);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('assetNameExists', `"${patch.assetName ?? ''}"`);
      throw err;
    }
  }

  async listAssets(q: AssetQuery): Promise<{ count: number; assets: Asset[] }> {
    const sharing = q.sharing;
    const states = q.assetStates?.length ? q.assetStates : visibleAssetStates;
    // A project's own list narrowed only by states, create time and at most one tag or system
    // property is answered from the term rows and the counts kept per project (migration 017).
    const plain =
      sharing === undefined &&
      q.appUserId === undefined &&
      q.name === undefined &&
      !q.assetTypes?.length &&
      !q.assetIds?.length &&
      !q.copyStates?.length &&
      !q.replicationStates?.length;
    const untimed = q.startTime === undefined && q.endTime === undefined;
    // A tag substring (no line break: `tagSetOf`) over the whole library: counted by tag set,
    // and, when common, each row's own tag set is checked along the sort order.
    let known: number | undefined;
    let walkTagSet = false;
    const substring = q.tag !== undefined && !q.accurateFields?.includes('tag') && q.tag !== '' && !q.tag.includes('\n') ? q.tag : undefined;
    if (plain && untimed && substring !== undefined && !q.systemProperties?.length) {
      const row = await this.db
        .selectFrom('project_tag_set_counts')
        .select((eb) => eb.fn.sum<number | string | null>('assets').as('n'))
        .where('project_id', '=', q.projectId)
        .where('asset_state', 'in', [...states])
        .where(sql<boolean>`tag_set LIKE ${likeContaining(substring)} ESCAPE '\\'`)
        .executeTakeFirstOrThrow();
      known = Number(row.n ?? 0);
      if (known <= q.offset) return { count: known, assets: [] };
      walkTagSet = known * commonTagShare >= (await this.countByState(q.projectId, states));
    }
    let base = this.db.selectFrom('assets');
    if (sharing?.role === 'SHAREE') {
      base = base
        .where((eb) => eb.exists(liveSharesOf(eb, sharing.now).where('s.sharee_project_id', '=', q.projectId)))
        .where('asset_state', 'in', readableAssetStates);
    } else {
      base = base.where('project_id', '=', q.projectId);
      if (sharing?.role === 'SHARER') base = base.where((eb) => eb.exists(liveSharesOf(eb, sharing.now)));
    }
    if (q.appUserId !== undefined) base = base.where('app_user_id', '=', q.appUserId);
    const exact = new Set(q.accurateFields ?? []);
    if (q.name !== undefined) base = base.where(exact.has('name') ? sql<boolean>`assets.asset_name = ${q.name}` : nameContains(this.engine, q.name));
    if (q.assetTypes?.length) base = base.where('asset_type', 'in', q.assetTypes);
    base = base.where('asset_state', 'in', q.assetStates?.length ? q.assetStates : visibleAssetStates);
    if (q.assetIds?.length) base = base.where('asset_id', 'in', q.assetIds);
    // Tags, system properties and copy states by their rows. In one project the matching ids
    // are found first (each index leads with the project); a sharee's list spans owners, row by row.
    const own = sharing?.role !== 'SHAREE';
    const copyStates = q.copyStates;
    if (copyStates?.length) {
      base = base.where((eb) => {
        const ids = eb
          .selectFrom('copy_tasks as c')
          .select('c.asset_id')
          .where('c.project_id', '=', own ? eb.val(q.projectId) : eb.ref('assets.project_id'))
          .where('c.state', 'in', copyStates);
        return eb('assets.asset_id', 'in', own ? ids : ids.whereRef('c.asset_id', '=', 'assets.asset_id'));
      });
    }
    if (walkTagSet && substring !== undefined) {
      base = base.where(sql<boolean>`assets.tag_set LIKE ${likeContaining(substring)} ESCAPE '\\'`);
    } else if (q.tag !== undefined) {
      const tag = q.tag;
      base = base.where((eb) => {
        const project = own ? eb.val(q.projectId) : eb.ref('assets.project_id');
        // A substring is first looked up in the project's tag vocabulary.
        const tags = eb
          .selectFrom('project_tags as v')
          .select('v.tag')
          .where('v.project_id', '=', project)
          .where(sql<boolean>`v.tag LIKE ${likeContaining(tag)} ESCAPE '\\'`);
        const ids = eb
          .selectFrom('asset_tags as t')
          .select('t.asset_id')
          .where('t.project_id', '=', project)
          .where((inner) => (exact.has('tag') ? inner('t.tag', '=', tag) : inner('t.tag', 'in', tags)));
        return eb('assets.asset_id', 'in', own ? ids : ids.whereRef('t.asset_id', '=', 'assets.asset_id'));
      });
    }
    for (const p of q.systemProperties ?? []) {
      base = base.where((eb) => {
        let ids = eb
          .selectFrom('asset_properties as p')
          .select('p.asset_id')
          .where('p.project_id', '=', own ? eb.val(q.projectId) : eb.ref('assets.project_id'))
          .where('p.prop_key', '=', p.key);
        if (p.value !== undefined) ids = ids.where('p.prop_value', '=', p.value);
        return eb('assets.asset_id', 'in', own ? ids : ids.whereRef('p.asset_id', '=', 'assets.asset_id'));
      });
    }
    const replicaStates = q.replicationStates;
    if (replicaStates?.length) {
      base = base.where('asset_id', 'in', (eb) =>
        eb.selectFrom('replica_status as r').select('r.asset_id').where('r.project_id', '=', q.projectId).where('r.state', 'in', replicaStates),
      );
    }
    if (q.startTime !== undefined) base = base.where('created_at', '>=', q.startTime);
    if (q.endTime !== undefined) base = base.where('created_at', '<=', q.endTime);

    const term = plain && known === undefined ? this.termRange(q, states) : undefined;
    // Nothing but the project and the visible states: the prepared count and page.
    const visibleOnly = plain && untimed && q.tag === undefined && !q.systemProperties?.length && !q.assetStates?.length;
    let count: number;
    if (known !== undefined) {
      count = known;
    } else if (visibleOnly) {
      const [row] = await visibleCount(this.db, this.engine, q.projectId);
      count = Number(row?.n ?? 0);
    } else if (plain && untimed && q.tag === undefined && !q.systemProperties?.length) {
      count = await this.countByState(q.projectId, states);
    } else if (term && untimed) {
      count = await this.countByTerm(q, states);
    } else if (term) {
      const row = await term
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      count = Number(row.n);
    } else {
      count = Number((await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
    }
    if (count <= q.offset) return { count, assets: [] };
    // One row per asset in the term's index, in create-time order: the page is that range's slice.
    if (term && q.sortKey === 'create_time') {
      const ids = await term.select('t.asset_id').orderBy('t.created_at', q.sortDir).orderBy('t.asset_id', q.sortDir).limit(q.limit).offset(q.offset).execute();
      if (ids.length === 0) return { count, assets: [] };
      const rows = await this.db
        .selectFrom('assets')
        .selectAll()
        .where('project_id', '=', q.projectId)
        .where('asset_id', 'in', ids.map((r) => r.asset_id))
        .execute();
      const byId = new Map(rows.map((r) => [r.asset_id, r]));
      return { count, assets: ids.flatMap((r) => (byId.has(r.asset_id) ? [rowToAsset(byId.get(r.asset_id) as (typeof rows)[number])] : [])) };
    }
    const rows = visibleOnly
      ? await visiblePage(`${q.sortKey} ${q.sortDir}`)(this.db, this.engine, q.projectId, q.limit, q.offset)
      : await inListOrder(base.selectAll(), q.sortKey, q.sortDir).limit(q.limit).offset(q.offset).execute();
    return { count, assets: rows.map(rowToAsset) };
  }

  /** How many assets of the project are in one of `states` (from the per-state counts). */
  private async countByState(projectId: string, states: readonly AssetState[]): Promise<number> {
    const row = await this.db
      .selectFrom('project_asset_counts')
      .select((eb) => eb.fn.sum<number | string | null>('assets').as('n'))
      .where('project_id', '=', projectId)
      .where('asset_state', 'in', [...states])
      .executeTakeFirstOrThrow();
    return Number(row.n ?? 0);
  }

  /** How many assets of the project with the list's one exact tag or `KEY:VALUE` are in one of `states` (kept counts). */
  private async countByTerm(q: AssetQuery, states: readonly AssetState[]): Promise<number> {
    const property = q.systemProperties?.[0];
    const sum = (eb: ExpressionBuilder<Database, 'project_tag_counts' | 'project_property_counts'>) => eb.fn.sum<number | string | null>('assets').as('n');
    const row =
      q.tag !== undefined
        ? await this.db
            .selectFrom('project_tag_counts')
            .select(sum)
            .where('project_id', '=', q.projectId)
            .where('tag', '=', q.tag)
            .where('asset_state', 'in', [...states])
            .executeTakeFirstOrThrow()
        : await this.db
            .selectFrom('project_property_counts')
            .select(sum)
            .where('project_id', '=', q.projectId)
            .where('prop_key', '=', property?.key ?? '')
            .where('prop_value', '=', property?.value ?? '')
            .where('asset_state', 'in', [...states])
            .executeTakeFirstOrThrow();
    return Number(row.n ?? 0);
  }

  /**
   * The term rows (tag or system property, with the asset's state and create time) that match a
   * list with exactly one such filter, narrowed by states and create time, where each asset has
   * at most one matching row: an exact tag, a property key with its value. (Other term filters
   * would need duplicates removed among the matching rows: they go the general way.)
   */
  private termRange(q: AssetQuery, states: readonly AssetState[]) {
    const properties = q.systemProperties ?? [];
    if ((q.tag === undefined ? 0 : 1) + properties.length !== 1) return undefined;
    const inRange = (rows: TermRows): TermRows => {
      let r = rows.where('t.asset_state', 'in', [...states]);
      if (q.startTime !== undefined) r = r.where('t.created_at', '>=', q.startTime);
      if (q.endTime !== undefined) r = r.where('t.created_at', '<=', q.endTime);
      return r;
    };
    if (q.tag !== undefined) {
      if (!q.accurateFields?.includes('tag')) return undefined;
      return inRange(this.db.selectFrom('asset_tags as t').where('t.project_id', '=', q.projectId).where('t.tag', '=', q.tag));
    }
    const p = properties[0] as { key: string; value?: string };
    if (p.value === undefined) return undefined;
    return inRange(
      this.db
        .selectFrom('asset_properties as t')
        .where('t.project_id', '=', q.projectId)
        .where('t.prop_key', '=', p.key)
        .where('t.prop_value', '=', p.value),
    );
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

  async lockProjectQuota(projectId: string): Promise<void> {
    await lockUntilCommit(this.engine, this.db, `quota:${projectId}`);
  }

  async countAssets(projectId: string): Promise<number> {
    const [row] = await assetCount(this.db, this.engine, projectId);
    return Number(row?.assets ?? 0);
  }

  async countListedFiles(projectId: string, assetId: string): Promise<number> {
    const row = await this.db
      .selectFrom('files')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .where('state', 'in', listedFileStates)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async pendingUploadBytes(projectId: string): Promise<number> {
    const row = await this.db
      .selectFrom('files')
      .select((eb) => eb.fn.sum<number | string | null>('file_size').as('n'))
      .where('project_id', '=', projectId)
      .where('state', 'in', uploadableFileStates)
      .where('upload_expires_at', 'is not', null)
      .executeTakeFirstOrThrow();
    return Number(row.n ?? 0);
  }

  async listExpiredUploads(before: string, limit: number): Promise<AssetFile[]> {
    const rows = await this.db
      .selectFrom('files')
      .selectAll()
      .where('upload_expires_at', '<', before)
      .where('state', 'in', uploadableFileStates)
      .orderBy('upload_expires_at')
      .limit(limit)
      .execute();
    return rows.map(rowToFile);
  }

  async insertFile(file: AssetFile, options: FileWriteOptions = {}): Promise<void> {
    if (options.assetTouched) {
      await insertRow(this.db, this.engine, 'files', fileToRow(file));
      return;
    }
    await this.inTransaction(async (db) => {
      await insertRow(db, this.engine, 'files', fileToRow(file));
      await this.touchAsset(db, file.projectId, file.assetId, file.updatedAt);
    });
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
    if (assetIds.length === 1) return (await filesOfAsset(this.db, this.engine, projectId, assetIds[0] as string)).map(rowToFile);
    if (assetIds.length <= preparedListLength) return (await filesOfAssets(assetIds.length)(this.db, this.engine, projectId, ...assetIds)).map(rowToFile);
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

  async findFile(fileId: string): Promise<AssetFile | undefined> {
    const row = await this.db.selectFrom('files').selectAll().where('file_id', '=', fileId).executeTakeFirst();
    return row ? rowToFile(row) : undefined;
  }

  async updateFile(fileId: string, patch: FilePatch, onlyIn?: readonly FileState[], options: FileWriteOptions = {}): Promise<boolean> {
    const update = async (db: Kysely<Database>) => {
      let query = db.updateTable('files').set(filePatchToRow(patch)).where('file_id', '=', fileId);
      if (onlyIn) query = query.where('state', 'in', [...onlyIn]);
      const updated = (await query.returning(['project_id', 'asset_id']).execute())[0];
      if (updated && !options.assetTouched) await this.touchAsset(db, updated.project_id, updated.asset_id, patch.updatedAt);
      return updated !== undefined;
    };
    // One statement needs no transaction of its own.
    return options.assetTouched ? update(this.db) : this.inTransaction(update);
  }

  async deleteFile(fileId: string): Promise<void> {
    await this.inTransaction(async (db) => {
      const removed = (await db.deleteFrom('files').where('file_id', '=', fileId).returning(['project_id', 'asset_id']).execute())[0];
      if (removed) await this.touchAsset(db, removed.project_id, removed.asset_id, isoTime(new Date()));
    });
  }
}
