import { AppError, errorCatalogue } from './errors.js';

/**
 * Transfer jobs: assets handed from one account's project to another account's project of
 * the same region, once the receiver accepts (docs/api-behaviour.md, "Transfers").
 */

export const transferTypes = ['TRANSFER_OUT', 'TRANSFER_BACK'] as const;
export type TransferType = (typeof transferTypes)[number];

export const transferJobStates = ['PROCESSING', 'ACCEPT', 'REJECT', 'CANCEL', 'FAIL'] as const;
export type TransferJobState = (typeof transferJobStates)[number];

/** The `{action}` of ExecuteTransferAssetAction. */
export const transferActionNames = ['cancel', 'accept', 'accept_confirm', 'reject'] as const;
export type TransferActionName = (typeof transferActionNames)[number];

/** Which side of a job each action belongs to. */
export const transferActionParty: Record<TransferActionName, 'sender' | 'receiver'> = {
  cancel: 'sender',
  accept: 'receiver',
  accept_confirm: 'receiver',
  reject: 'receiver',
};

/** Most assets one job carries. */
export const maxTransferAssets = 100;

/** An asset of a job, as it was when the job was created. */
export interface TransferJobAsset {
  assetId: string;
  assetName: string;
  assetType: string;
}

export interface TransferJob {
  jobId: string;
  transferType: TransferType;
  srcProjectId: string;
  destProjectId: string;
  /** TRANSFER_BACK: the accepted job whose assets this one returns. */
  backOfJobId: string | null;
  assets: TransferJobAsset[];
  state: TransferJobState;
  memo: string | null;
  /** The receiver's reason for a REJECT. */
  reason: string | null;
  /** ISO times. */
  startTime: string;
  finishTime: string | null;
  expireTime: string;
  /** Why a job is FAIL (a catalogue code and its message). */
  errorCode: string | null;
  errorMsg: string | null;
}

/** The failure recorded on a job nobody answered in time. */
export const expiredJobError = {
  code: errorCatalogue.transferJobExpired.code,
  message: 'the transfer job expired: it was not accepted, rejected or cancelled before its expire_time',
} as const;

/** Whether a PROCESSING job is past its expiry at `now` (ISO): then it is FAIL, stored or not yet. */
export const isExpired = (job: Pick<TransferJob, 'state' | 'expireTime'>, now: string): boolean =>
  job.state === 'PROCESSING' && job.expireTime <= now;

/**
 * The job as of `now`: a PROCESSING job past its expiry reads as FAIL with the expiry error,
 * before the background sweep has written it (the sweep writes exactly this).
 */
export function jobAsOf(job: TransferJob, now: string): TransferJob {
  if (!isExpired(job, now)) return job;
  return { ...job, state: 'FAIL', finishTime: job.expireTime, errorCode: expiredJobError.code, errorMsg: expiredJobError.message };
}

/**
 * True when the job already ended in `target` (nothing to do); false while it waits for an
 * answer; otherwise the 409 that says how it ended.
 */
export function settled(job: TransferJob, target: TransferJobState): boolean {
  if (job.state === target) return true;
  if (job.state === 'PROCESSING') return false;
  if (job.errorCode === expiredJobError.code) throw new AppError('transferJobExpired', `job ${job.jobId} expired at ${job.expireTime}`);
  const why = job.errorMsg ? ` (${job.errorMsg})` : '';
  throw new AppError('transferJobStateConflict', `job ${job.jobId} is ${job.state}${why}`);
}
