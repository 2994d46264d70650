import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { TransferJob, TransferJobAsset, TransferJobState, TransferType } from '../../domain/transfer.js';
import { pendingTransferJobStates, transferJobActions } from '../../domain/transfer-states.js';
import type { TransferJobEnd, TransferJobQuery, TransferJobStore } from '../../ports/transfer-job-store.js';
import type { Database, TransferJobsTable } from './schema.js';

type Jobs = ExpressionBuilder<Database, 'transfer_jobs'>;

const toRow = (j: TransferJob): TransferJobsTable => ({
  job_id: j.jobId, transfer_type: j.transferType, src_project_id: j.srcProjectId, dest_project_id: j.destProjectId,
  back_of_job_id: j.backOfJobId, state: j.state, memo: j.memo, reason: j.reason, start_time: j.startTime,
  finish_time: j.finishTime, expire_time: j.expireTime, error_code: j.errorCode, error_msg: j.errorMsg,
});

const toJob = (r: Selectable<TransferJobsTable>, assets: TransferJobAsset[]): TransferJob => ({
  jobId: r.job_id, transferType: r.transfer_type as TransferType, srcProjectId: r.src_project_id, destProjectId: r.dest_project_id,
  backOfJobId: r.back_of_job_id, assets, state: r.state as TransferJobState, memo: r.memo, reason: r.reason, startTime: r.start_time,
  finishTime: r.finish_time, expireTime: r.expire_time, errorCode: r.error_code, errorMsg: r.error_msg,
});

/** Jobs waiting for an answer at `now`: PROCESSING and not expired. */
const pendingAt = (eb: Jobs, now: string) => eb.and([eb('state', 'in', pendingTransferJobStates), eb('expire_time', '>', now)]);

/** A job's state as read at `now`: PROCESSING past its expiry is FAIL (see `jobAsOf`). */
function inStatesAt(eb: Jobs, states: readonly TransferJobState[], now: string) {
  return eb.or(
    states.map((s) => {
      if (s === 'PROCESSING') return pendingAt(eb, now);
      if (s === 'FAIL') return eb.or([eb('state', '=', 'FAIL'), eb.and([eb('state', 'in', pendingTransferJobStates), eb('expire_time', '<=', now)])]);
      return eb('state', '=', s);
    }),
  );
}

/** Transfer jobs on SQLite or PostgreSQL. */
export class KyselyTransferJobStore implements TransferJobStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insertJob(job: TransferJob): Promise<void> {
    await this.db.insertInto('transfer_jobs').values(toRow(job)).execute();
    await this.db
      .insertInto('transfer_job_assets')
      .values(job.assets.map((a, position) => ({ job_id: job.jobId, asset_id: a.assetId, position, asset_name: a.assetName, asset_type: a.assetType })))
      .execute();
  }

  private async withAssets(rows: Selectable<TransferJobsTable>[]): Promise<TransferJob[]> {
    if (rows.length === 0) return [];
    const assets = await this.db
      .selectFrom('transfer_job_assets')
      .selectAll()
      .where('job_id', 'in', rows.map((r) => r.job_id))
      .orderBy('job_id')
      .orderBy('position')
      .execute();
    return rows.map((r) =>
      toJob(
        r,
        assets.filter((a) => a.job_id === r.job_id).map((a) => ({ assetId: a.asset_id, assetName: a.asset_name, assetType: a.asset_type })),
      ),
    );
  }

  async getJob(jobId: string): Promise<TransferJob | undefined> {
    const row = await this.db.selectFrom('transfer_jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
    return row && (await this.withAssets([row]))[0];
  }

  async listJobs(q: TransferJobQuery): Promise<{ count: number; jobs: TransferJob[] }> {
    let base = this.db
      .selectFrom('transfer_jobs')
      .where('transfer_type', '=', q.transferType)
      .where((eb) => {
        if (q.role === 'SENDER') return eb('src_project_id', '=', q.projectId);
        if (q.role === 'RECEIVER') return eb('dest_project_id', '=', q.projectId);
        return eb.or([eb('src_project_id', '=', q.projectId), eb('dest_project_id', '=', q.projectId)]);
      });
    const states = q.states;
    if (states?.length) base = base.where((eb) => inStatesAt(eb, states, q.now));
    const countRow = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    const rows = await base.selectAll().orderBy('start_time', 'desc').orderBy('job_id', 'desc').limit(q.limit).offset(q.offset).execute();
    return { count: Number(countRow.n), jobs: await this.withAssets(rows) };
  }

  async endJob(jobId: string, end: TransferJobEnd, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('transfer_jobs')
      .set({
        state: end.state,
        finish_time: end.finishTime,
        ...(end.reason !== undefined ? { reason: end.reason } : {}),
        ...(end.errorCode !== undefined ? { error_code: end.errorCode } : {}),
        ...(end.errorMsg !== undefined ? { error_msg: end.errorMsg } : {}),
      })
      .where('job_id', '=', jobId)
      .where((eb) => pendingAt(eb, now))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async pendingJobFor(projectId: string, assetIds: readonly string[], now: string): Promise<{ jobId: string; assetId: string } | undefined> {
    if (assetIds.length === 0) return undefined;
    const row = await this.db
      .selectFrom('transfer_job_assets as a')
      .innerJoin('transfer_jobs as j', 'j.job_id', 'a.job_id')
      .select(['j.job_id', 'a.asset_id'])
      .where('a.asset_id', 'in', [...assetIds])
      .where('j.src_project_id', '=', projectId)
      .where('j.state', 'in', pendingTransferJobStates)
      .where('j.expire_time', '>', now)
      .orderBy('j.start_time')
      .executeTakeFirst();
    return row && { jobId: row.job_id, assetId: row.asset_id };
  }

  async expireDue(now: string, error: { code: string; message: string }): Promise<number> {
    const result = await this.db
      .updateTable('transfer_jobs')
      .set((eb) => ({ state: transferJobActions.expire.to[0], finish_time: eb.ref('expire_time'), error_code: error.code, error_msg: error.message }))
      .where('state', 'in', transferJobActions.expire.from)
      .where('expire_time', '<=', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
