import { sql, type Kysely, type Selectable } from 'kysely';
import { copyTaskStates, type CopyFailureCode, type CopyFileProgress, type CopySegment, type CopyTask, type CopyTaskState, type ManifestFile } from '../../domain/copy-task.js';
import {
  capabilitiesDroppedAfterWindow,
  capabilitiesDroppedAtEnd,
  copyTaskActions,
  runningCopyTaskStates,
  sweptCopyTaskStates,
} from '../../domain/copy-task-states.js';
import type { CopyTaskFilter, CopyTaskStore } from '../../ports/copy-task-store.js';
import { lockForClaim, type Engine } from './engine.js';
import type { CopyTasksTable, Database } from './schema.js';
import { insertRow, perShape, preparedListLength, preparedQuery } from './prepared-query.js';

const tasksOfAssets = perShape((_length: number) =>
  preparedQuery((db: Kysely<Database>, projectId: string, ...assetIds: string[]) =>
    db.selectFrom('copy_tasks').selectAll().where('project_id', '=', projectId).where('asset_id', 'in', assetIds),
  ),
);
const taskOfAsset = preparedQuery((db: Kysely<Database>, projectId: string, assetId: string) =>
  db.selectFrom('copy_tasks').selectAll().where('project_id', '=', projectId).where('asset_id', '=', assetId),
);

type TaskKey = Pick<CopyTask, 'projectId' | 'assetId' | 'epoch'>;

const toRow = (t: CopyTask): CopyTasksTable => ({
  project_id: t.projectId, asset_id: t.assetId, source_region: t.sourceRegion, source_project_id: t.sourceProjectId,
  source_asset_id: t.sourceAssetId, token_id: t.tokenId, manifest: JSON.stringify(t.files), state: t.state, epoch: t.epoch,
  lease_owner: t.leaseOwner, lease_expires_at: t.leaseExpiresAt, next_run_at: t.nextRunAt, attempts: t.attempts,
  last_error: t.lastError, failure_code: t.failureCode, files_done: t.filesDone, bytes_done: t.bytesDone, bytes_total: t.bytesTotal,
  deadline: t.deadline, request_id: t.requestId, started_at: t.startedAt, finished_at: t.finishedAt,
});

const toTask = (r: Selectable<CopyTasksTable>): CopyTask => ({
  projectId: r.project_id, assetId: r.asset_id, sourceRegion: r.source_region, sourceProjectId: r.source_project_id,
  sourceAssetId: r.source_asset_id, tokenId: r.token_id, files: JSON.parse(r.manifest) as ManifestFile[], state: r.state as CopyTaskState,
  epoch: Number(r.epoch), leaseOwner: r.lease_owner, leaseExpiresAt: r.lease_expires_at, nextRunAt: r.next_run_at,
  attempts: Number(r.attempts), claims: Number(r.claims ?? 0), lastError: r.last_error, failureCode: r.failure_code as CopyFailureCode | null,
  filesDone: Number(r.files_done), bytesDone: Number(r.bytes_done), bytesTotal: Number(r.bytes_total), deadline: r.deadline,
  requestId: r.request_id, startedAt: r.started_at, finishedAt: r.finished_at, sweptAt: r.swept_at ?? null,
});

/** A run that ends in a recorded way frees its lease, and its claim does not count as a crash. */
const handBack = { lease_owner: null, lease_expires_at: null, claims: sql<number>`claims - 1` };

/** Copy tasks on SQLite or PostgreSQL (claiming differs: see `lockForClaim`). */
export class KyselyCopyTaskStore implements CopyTaskStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  /** The task at this epoch, while it runs: every worker write goes through this guard. */
  private live(key: TaskKey) {
    return this.db
      .updateTable('copy_tasks')
      .where('project_id', '=', key.projectId)
      .where('asset_id', '=', key.assetId)
      .where('epoch', '=', key.epoch)
      .where('state', 'in', runningCopyTaskStates);
  }

  /** The task's file rows; a restarted task's earlier rows (and segments) go first. */
  private async insertFiles(task: CopyTask, restarted: boolean): Promise<void> {
    if (restarted) {
      await this.clearSegments(task.projectId, task.assetId);
      await this.db.deleteFrom('copy_files').where('project_id', '=', task.projectId).where('asset_id', '=', task.assetId).execute();
    }
    if (task.files.length === 0) return;
    await this.db
      .insertInto('copy_files')
      .values(task.files.map((f) => ({ project_id: task.projectId, asset_id: task.assetId, file_id: f.id, offset_bytes: 0, done: 0 })))
      .execute();
  }

  async insertTask(task: CopyTask): Promise<void> {
    await insertRow(this.db, this.engine, 'copy_tasks', toRow(task));
    // A task row is never deleted (a later copy of the asset restarts it): a new one has no file rows yet.
    await this.insertFiles(task, false);
  }

  async restartTask(task: CopyTask): Promise<void> {
    const { project_id: _p, asset_id: _a, ...rest } = toRow(task);
    await this.db
      .updateTable('copy_tasks')
      .set({ ...rest, epoch: sql<number>`epoch + 1`, swept_at: null, caps_dropped_at: null, claims: 0 })
      .where('project_id', '=', task.projectId)
      .where('asset_id', '=', task.assetId)
      .execute();
    await this.insertFiles(task, true);
  }

  async getTask(projectId: string, assetId: string): Promise<CopyTask | undefined> {
    const [r] = await taskOfAsset(this.db, this.engine, projectId, assetId);
    return r && toTask(r);
  }

  async listTasks(projectId: string, assetIds: readonly string[]): Promise<CopyTask[]> {
    if (assetIds.length === 0) return [];
    const rows =
      assetIds.length <= preparedListLength
        ? await tasksOfAssets(assetIds.length)(this.db, this.engine, projectId, ...assetIds)
        : await this.db.selectFrom('copy_tasks').selectAll().where('project_id', '=', projectId).where('asset_id', 'in', [...assetIds]).execute();
    return rows.map(toTask);
  }

  async listAcrossProjects(filter: CopyTaskFilter): Promise<CopyTask[]> {
    let q = this.db.selectFrom('copy_tasks').selectAll();
    if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId);
    if (filter.assetId !== undefined) q = q.where('asset_id', '=', filter.assetId);
    if (filter.states !== undefined) q = q.where('state', 'in', [...filter.states]);
    const rows = await q.orderBy('started_at', 'desc').orderBy('project_id').orderBy('asset_id').limit(filter.limit).execute();
    return rows.map(toTask);
  }

  async fileProgress(projectId: string, assetId: string): Promise<CopyFileProgress[]> {
    const rows = await this.db.selectFrom('copy_files').selectAll().where('project_id', '=', projectId).where('asset_id', '=', assetId).execute();
    return rows.map((r) => ({ fileId: r.file_id, offset: Number(r.offset_bytes), done: Number(r.done) === 1, uploadId: r.upload_id ?? null }));
  }

  async recordUpload(task: TaskKey, fileId: string, uploadId: string): Promise<boolean> {
    return this.guarded(task, 0, async (trx) => {
      await trx
        .updateTable('copy_files')
        .set({ upload_id: uploadId })
        .where('project_id', '=', task.projectId)
        .where('asset_id', '=', task.assetId)
        .where('file_id', '=', fileId)
        .execute();
    });
  }

  async recordSegment(task: TaskKey, s: CopySegment): Promise<boolean> {
    return this.guarded(task, s.bytes, async (trx) => {
      await trx
        .insertInto('copy_segments')
        .values({ project_id: task.projectId, asset_id: task.assetId, file_id: s.fileId, segment_index: s.index, bytes: s.bytes, etag: s.etag })
        .execute();
      await trx
        .updateTable('copy_files')
        .set({ offset_bytes: sql<number>`offset_bytes + ${s.bytes}` })
        .where('project_id', '=', task.projectId)
        .where('asset_id', '=', task.assetId)
        .where('file_id', '=', s.fileId)
        .execute();
    });
  }

  /**
   * Runs `write` in one transaction with the epoch guard, taken first (the task row is always
   * locked before file rows, so concurrent segment records never deadlock).
   */
  private guarded(task: TaskKey, addBytes: number, write: (trx: Kysely<Database>) => Promise<void>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await new KyselyCopyTaskStore(trx, this.engine)
        .live(task)
        .set({ bytes_done: sql<number>`bytes_done + ${addBytes}` })
        .executeTakeFirst();
      if (res.numUpdatedRows === 0n) return false;
      await write(trx);
      return true;
    });
  }

  async segments(projectId: string, assetId: string): Promise<CopySegment[]> {
    const rows = await this.db.selectFrom('copy_segments').selectAll().where('project_id', '=', projectId).where('asset_id', '=', assetId).execute();
    return rows.map((r) => ({ fileId: r.file_id, index: Number(r.segment_index), bytes: Number(r.bytes), etag: r.etag }));
  }

  async hasUpload(uploadId: string): Promise<boolean> {
    return (await this.db.selectFrom('copy_files').select('file_id').where('upload_id', '=', uploadId).limit(1).executeTakeFirst()) !== undefined;
  }

  async clearSegments(projectId: string, assetId: string): Promise<void> {
    await this.db.deleteFrom('copy_segments').where('project_id', '=', projectId).where('asset_id', '=', assetId).execute();
    await this.db.updateTable('copy_files').set({ upload_id: null }).where('project_id', '=', projectId).where('asset_id', '=', assetId).execute();
  }

  async claimDue(o: { owner: string; now: string; leaseUntil: string; limit: number }): Promise<CopyTask[]> {
    // One statement: the due rows are picked, leased at a new epoch and counted as claimed
    // together, so two workers never take the same row (PostgreSQL skips rows another claim
    // holds; SQLite runs one writer at a time).
    const due = this.db
      .selectFrom('copy_tasks')
      .select(['project_id', 'asset_id'])
      .where('state', 'in', runningCopyTaskStates)
      .where('next_run_at', '<=', o.now)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', o.now)]))
      .orderBy('next_run_at')
      .limit(o.limit);
    const rows = await this.db
      .updateTable('copy_tasks')
      .set({ epoch: sql<number>`epoch + 1`, lease_owner: o.owner, lease_expires_at: o.leaseUntil, claims: sql<number>`claims + 1` })
      .where((eb) => eb(eb.refTuple('project_id', 'asset_id'), 'in', lockForClaim(this.engine, due).$asTuple('project_id', 'asset_id')))
      .returningAll()
      .execute();
    return rows.map(toTask).sort((a, b) => a.nextRunAt.localeCompare(b.nextRunAt));
  }

  async renewLease(task: TaskKey, leaseUntil: string): Promise<boolean> {
    const res = await this.live(task).set({ lease_expires_at: leaseUntil }).executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  async recordProgress(task: TaskKey, fileId: string, offset: number, done: boolean): Promise<boolean> {
    const stale = new Error('stale epoch');
    return this.db
      .transaction()
      .execute(async (trx) => {
        await trx
          .updateTable('copy_files')
          .set({ offset_bytes: offset, done: done ? 1 : 0 })
          .where('project_id', '=', task.projectId)
          .where('asset_id', '=', task.assetId)
          .where('file_id', '=', fileId)
          .execute();
        const sums = await trx
          .selectFrom('copy_files')
          .select((eb) => [eb.fn.sum<number | string>('offset_bytes').as('bytes'), eb.fn.sum<number | string>('done').as('files')])
          .where('project_id', '=', task.projectId)
          .where('asset_id', '=', task.assetId)
          .executeTakeFirstOrThrow();
        const res = await new KyselyCopyTaskStore(trx, this.engine)
          .live(task)
          .set({ bytes_done: Number(sums.bytes ?? 0), files_done: Number(sums.files ?? 0) })
          .executeTakeFirst();
        // A stale worker's write is rolled back with the task's.
        if (res.numUpdatedRows === 0n) throw stale;
        return true;
      })
      .catch((err: unknown) => {
        if (err === stale) return false;
        throw err;
      });
  }

  async scheduleRetry(task: TaskKey, retry: { attempts: number; nextRunAt: string; lastError: string }): Promise<boolean> {
    const res = await this.live(task)
      .set({ ...handBack, attempts: retry.attempts, next_run_at: retry.nextRunAt, last_error: retry.lastError })
      .executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  async release(task: TaskKey): Promise<boolean> {
    const res = await this.live(task).set(handBack).executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  async finish(
    task: TaskKey,
    end: { state: 'ACTIVED' | 'FAILED'; at: string; failureCode?: CopyFailureCode; lastError?: string; files?: readonly ManifestFile[] },
  ): Promise<boolean> {
    const dropsCaps = capabilitiesDroppedAtEnd.includes(end.state);
    // The guard below matches this epoch while it runs: its manifest is the one the caller holds.
    const withoutCaps = dropsCaps && end.files ? { manifest: JSON.stringify(end.files.map((f) => ({ ...f, cap: '' }))), caps_dropped_at: end.at } : {};
    // An activated run copied every file and byte (it may leave the last file to this record).
    const complete = end.state === 'ACTIVED'
      ? {
          bytes_done: sql<number>`bytes_total`,
          files_done: sql<number>`(select count(*) from copy_files where copy_files.project_id = copy_tasks.project_id and copy_files.asset_id = copy_tasks.asset_id)`,
        }
      : {};
    // `live` is the guard of both endings (copyTaskActions.activate and .fail start from a running state).
    const res = await this.live(task)
      .set({
        state: end.state, finished_at: end.at, failure_code: end.failureCode ?? null, lease_owner: null, lease_expires_at: null,
        ...(end.lastError !== undefined ? { last_error: end.lastError } : {}),
        ...withoutCaps,
        ...complete,
      })
      .executeTakeFirst();
    if (res.numUpdatedRows === 0n) return false;
    if (dropsCaps && !end.files) await this.dropCapabilities(task.projectId, task.assetId, end.at);
    return true;
  }

  async cancel(projectId: string, assetId: string, at: string): Promise<boolean> {
    const res = await this.db
      .updateTable('copy_tasks')
      .set({ state: 'CANCELLED', finished_at: at, lease_owner: null, lease_expires_at: null })
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .where('state', 'in', copyTaskActions.cancel.from)
      .executeTakeFirst();
    if (res.numUpdatedRows === 0n) return false;
    await this.dropCapabilities(projectId, assetId, at);
    return true;
  }

  /** Rewrites the task's stored manifest without its download capabilities (the rest is kept: it names the files). */
  private async dropCapabilities(projectId: string, assetId: string, at: string): Promise<void> {
    // Never a running task's: a restart may have come in between.
    const ended = [...capabilitiesDroppedAtEnd, ...capabilitiesDroppedAfterWindow];
    const row = await this.db
      .selectFrom('copy_tasks')
      .select('manifest')
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .where('state', 'in', ended)
      .executeTakeFirst();
    if (!row) return;
    const files = (JSON.parse(row.manifest) as ManifestFile[]).map((f) => ({ ...f, cap: '' }));
    await this.db
      .updateTable('copy_tasks')
      .set({ manifest: JSON.stringify(files), caps_dropped_at: at })
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .where('state', 'in', ended)
      .where('manifest', '=', row.manifest)
      .execute();
  }

  async dropEndedCapabilities(now: string, limit: number): Promise<number> {
    const rows = await this.db
      .selectFrom('copy_tasks')
      .select(['project_id', 'asset_id'])
      .where('caps_dropped_at', 'is', null)
      .where((eb) => eb.or([eb('state', 'in', capabilitiesDroppedAtEnd), eb.and([eb('state', 'in', capabilitiesDroppedAfterWindow), eb('deadline', '<', now)])]))
      .limit(limit)
      .execute();
    for (const r of rows) await this.dropCapabilities(r.project_id, r.asset_id, now);
    return rows.length;
  }

  async countByState(): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('copy_tasks').select((eb) => ['state', eb.fn.countAll<number | string>().as('n')]).groupBy('state').execute();
    const counts: Record<string, number> = Object.fromEntries(copyTaskStates.map((s) => [s, 0]));
    for (const r of rows) counts[r.state] = Number(r.n);
    return counts;
  }

  async listUnswept(limit: number): Promise<CopyTask[]> {
    const rows = await this.db
      .selectFrom('copy_tasks')
      .selectAll()
      .where('state', 'in', sweptCopyTaskStates)
      .where('swept_at', 'is', null)
      .orderBy('finished_at')
      .limit(limit)
      .execute();
    return rows.map(toTask);
  }

  async markSwept(task: TaskKey, at: string): Promise<void> {
    await this.db
      .updateTable('copy_tasks')
      .set({ swept_at: at })
      .where('project_id', '=', task.projectId)
      .where('asset_id', '=', task.assetId)
      .where('epoch', '=', task.epoch)
      .where('state', 'in', sweptCopyTaskStates)
      .execute();
  }
}
