import { Type, type Static } from '@sinclair/typebox';
import type { TransferJob } from '../../domain/transfer.js';
import { apiTime } from '../presenters.js';
import { Id } from './common.js';

export const JobParams = Type.Object({ project_id: Id, job_id: Id });

/** MetaStudio's TransferAssetJobInfo (and ShowTransferAssetJob's body). */
export const TransferAssetJobInfo = Type.Object({
  job_id: Type.String(),
  transfer_type: Type.String(),
  transfer_assets: Type.Array(
    Type.Object({ asset_id: Type.String(), asset_name: Type.String(), asset_type: Type.String() }, { description: 'as when the job was created' }),
  ),
  state: Type.String({ description: 'PROCESSING, ACCEPT, REJECT, CANCEL or FAIL' }),
  src_project_id: Type.String(),
  dest_project_id: Type.String(),
  memo: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  start_time: Type.String(),
  finish_time: Type.Optional(Type.String()),
  expire_time: Type.String(),
  is_need_billing: Type.Boolean({ description: 'always false: no billing here' }),
  error_info: Type.Optional(Type.Object({ error_code: Type.String(), error_msg: Type.String() })),
  transfer_job_id: Type.Optional(Type.String({ description: 'TRANSFER_BACK: the job whose assets it returns (ours)' })),
});

export function presentJob(job: TransferJob): Static<typeof TransferAssetJobInfo> {
  return {
    job_id: job.jobId,
    transfer_type: job.transferType,
    transfer_assets: job.assets.map((a) => ({ asset_id: a.assetId, asset_name: a.assetName, asset_type: a.assetType })),
    state: job.state,
    src_project_id: job.srcProjectId,
    dest_project_id: job.destProjectId,
    memo: job.memo ?? undefined,
    reason: job.reason ?? undefined,
    start_time: apiTime(job.startTime),
    finish_time: job.finishTime ? apiTime(job.finishTime) : undefined,
    expire_time: apiTime(job.expireTime),
    is_need_billing: false,
    error_info: job.errorCode ? { error_code: job.errorCode, error_msg: job.errorMsg ?? '' } : undefined,
    transfer_job_id: job.backOfJobId ?? undefined,
  };
}
